"""Names reduced for comparing and sorting, and the text the directory searches."""

import re

NAME_KEY_LENGTH = 160  # Organisation.name_key's column

_LEGAL_SUFFIXES = re.compile(
    r"\b(limited|ltd|plc|llp|cic|cio|c\.i\.c|the|company|co|uk|group|trust)\b\.?"
)


def name_key(name: str) -> str:
    """A name reduced for comparison: 'The Acme Widgets Ltd.' -> 'acme widgets'."""
    lowered = name.lower().replace("&", " and ")
    lowered = _LEGAL_SUFFIXES.sub(" ", lowered)
    lowered = re.sub(r"[^a-z0-9 ]+", " ", lowered)
    # "&" becomes " and ", so the key can outgrow the name: cut it to what its column holds.
    return " ".join(lowered.split())[:NAME_KEY_LENGTH].rstrip()


def search_text(*parts: str | None) -> str:
    """The lower-case text a keyword search matches against."""
    return " ".join(part for part in parts if part).lower()
