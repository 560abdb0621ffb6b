"""Evidence files for report entries: what is accepted, how it is cleaned and where it is kept.

The content decides, never the name: a PDF starts with "%PDF-"; anything else goes through the
shared image pipeline (charter_app/images.py) and must be a PNG or a JPEG, within its pixel
limit that refuses decompression bombs. Images are re-encoded in the same format, which drops
EXIF (camera, GPS position) and every other piece of metadata; PDFs are kept as uploaded. The
bytes live outside `static/`, in EVIDENCE_DIR, under a random name; the
database row keeps the cleaned original name for the download.

Bytes are written when the row is added and removed when the last row using them is deleted;
both follow the transaction (see charter_app/images.py), so a rolled-back upload leaves no
file and a rolled-back removal loses none.
"""

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select

from charter_app import images
from charter_app.extensions import db
from charter_app.reporting.models import EvidenceFile, ReportEntry

MAX_BYTES = images.MAX_BYTES
MAX_FILES_PER_ENTRY = 5
MAX_PIXELS = images.MAX_PIXELS

PDF = "application/pdf"
PNG = images.PNG
JPEG = images.JPEG
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}
# Evidence takes PNG and JPEG only (no WebP): what staff can open anywhere to check it.
_IMAGE_TYPES = (PNG, JPEG)
_STORED_NAME = re.compile(r"[0-9a-f]{32}\Z")
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9 ._()\-\u00C0-\u024F]+")
NAME_LENGTH = 120


class EvidenceRefused(Exception):
    """A file we will not keep; the message says why, for the person who chose it."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    name: str  # the uploaded name, cleaned, with the extension its content deserves


def check_upload(filename: str | None, stream) -> CheckedFile:
    """Read an uploaded file and return what will be stored, or raise EvidenceRefused."""
    try:
        data = images.read_upload(stream, MAX_BYTES)
        if data.startswith(b"%PDF-"):
            return CheckedFile(data, PDF, clean_name(filename, PDF))
        content, content_type = images.reencoded(data, allowed=_IMAGE_TYPES)
    except images.NotAnImage:
        raise EvidenceRefused("The selected file must be a PDF, PNG or JPEG") from None
    except images.ImageRefused as refused:
        raise EvidenceRefused(str(refused)) from None
    return CheckedFile(content, content_type, clean_name(filename, content_type))


def clean_name(filename: str | None, content_type: str) -> str:
    """A name safe in a header and a file system, ending in the extension the content has."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = _UNSAFE_IN_NAME.sub("-", os.path.splitext(name)[0]).strip(" .-") or "evidence"
    extension = EXTENSIONS[content_type]
    return stem[:NAME_LENGTH - len(extension)] + extension


def content_disposition(name: str) -> str:
    """attachment, with an ASCII name for old browsers and the exact one per RFC 5987."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = re.sub(r'[^A-Za-z0-9 ._()\-]+', "-", fallback).strip() or "evidence"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def evidence_dir() -> Path:
    return Path(current_app.config.get("EVIDENCE_DIR")
                or Path(current_app.instance_path) / "evidence")


def path_of(file: EvidenceFile) -> Path:
    if not _STORED_NAME.match(file.stored_name):  # never a path from the database
        raise FileNotFoundError(file.stored_name)
    return evidence_dir() / file.stored_name


def add_evidence(entry: ReportEntry, checked: CheckedFile, actor) -> EvidenceFile:
    """Keep the file for a draft entry. Flushes; the caller commits."""
    if entry.revision.is_submitted:
        raise EvidenceRefused("This report is submitted: start a correction to add evidence")
    if len(entry.evidence_files) >= MAX_FILES_PER_ENTRY:
        raise EvidenceRefused(f"You can add up to {MAX_FILES_PER_ENTRY} files to an entry. "
                              "Remove one to add another")
    stored_name = secrets.token_hex(16)
    images.write_file(evidence_dir(), stored_name, checked.content)
    file = EvidenceFile(
        stored_name=stored_name, original_name=checked.name,
        content_type=checked.content_type, size_bytes=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
        uploaded_by_id=getattr(actor, "id", None))
    entry.evidence_files.append(file)
    db.session.flush()
    return file


def remove_evidence(file: EvidenceFile) -> None:
    """Take a file off a draft entry; a submitted revision's evidence stays for ever."""
    if file.entry.revision.is_submitted:
        raise EvidenceRefused("Evidence on a submitted report cannot be removed")
    names = {file.stored_name}
    file.entry.evidence_files.remove(file)
    db.session.flush()
    forget_unused(names)


def stored_names(entries: list[ReportEntry]) -> set[str]:
    return {file.stored_name for entry in entries for file in entry.evidence_files}


def forget_unused(names: set[str]) -> None:
    """After rows are deleted (a file, an entry, a discarded draft): the bytes no row uses any
    more go when the transaction commits. A correction's copy of an entry shares the bytes of
    the submitted one, so those stay."""
    db.session.flush()
    still_used = set(db.session.scalars(select(EvidenceFile.stored_name).where(
        EvidenceFile.stored_name.in_(names))))
    folder = evidence_dir()
    images.delete_after_commit(
        folder / name for name in names - still_used if _STORED_NAME.match(name))
