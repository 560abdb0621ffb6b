"""Tags for columns, so the law's promises can be checked in code: `info=personal()` marks a
column holding data about a person (a user's data export includes it; see privacy/export.py),
`personal(email=True)` one holding an email address (how the export finds rows about a user that
no foreign key links to them), and `secret()` one never exported or logged (password hashes,
link tokens). tests/test_personal_data.py fails when a column that looks personal by its name
carries no tag."""


def personal(*, email: bool = False) -> dict:
    return {"personal": True, "email": email}


def secret() -> dict:
    return {"secret": True}


def is_personal(column) -> bool:
    return bool(column.info.get("personal"))


def is_secret(column) -> bool:
    return bool(column.info.get("secret"))


def finds_by_email(column) -> bool:
    return bool(column.info.get("email"))
