"""Evidence files for report entries: what is accepted, how it is cleaned and where it is kept.

The content decides, never the name: a PDF starts with "%PDF-"; anything else must decode with
Pillow as a PNG or a JPEG, within a pixel limit that refuses decompression bombs. Images are
re-encoded in the same format, which drops EXIF (camera, GPS position) and every other piece of
metadata; PDFs are kept as uploaded. The bytes live outside `static/`, in EVIDENCE_DIR, under a
random name; the database row keeps the cleaned original name for the download.

Bytes are written when the row is added and removed when the last row using them is deleted;
both follow the transaction (see `_follow_the_transaction`), so a rolled-back upload leaves no
file and a rolled-back removal loses none.
"""

import hashlib
import io
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import current_app
from flask_sqlalchemy.session import Session
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, select

from charter_app.extensions import db
from charter_app.reporting.models import EvidenceFile, ReportEntry

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES_PER_ENTRY = 5
# A 24-megapixel photo is about 6,000 x 4,000: anything far bigger is not a phone's or a
# scanner's picture but a small file that would unpack into gigabytes (a decompression bomb).
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}
_IMAGE_TYPES = {"PNG": PNG, "JPEG": JPEG}
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
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise EvidenceRefused("The selected file is empty")
    if len(data) > MAX_BYTES:
        raise EvidenceRefused("The selected file must be 5 MB or smaller")
    if data.startswith(b"%PDF-"):
        return CheckedFile(data, PDF, clean_name(filename, PDF))
    content, content_type = _reencoded_image(data)
    return CheckedFile(content, content_type, clean_name(filename, content_type))


def _reencoded_image(data: bytes) -> tuple[bytes, str]:
    not_allowed = EvidenceRefused("The selected file must be a PDF, PNG or JPEG")
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise not_allowed from None
    with image:
        content_type = _IMAGE_TYPES.get(image.format or "")
        if content_type is None:
            raise not_allowed
        if image.width * image.height > MAX_PIXELS:
            raise _too_many_pixels()
        try:
            image.load()
            # Turn the picture as the camera meant it, since the EXIF that said so is dropped.
            upright = ImageOps.exif_transpose(image)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
                Image.DecompressionBombWarning, EOFError):
            raise EvidenceRefused(
                "The selected image could not be read: it may be damaged. Save it again and "
                "upload the new copy") from None
        transparency = upright.info.get("transparency")
        upright.info = {"transparency": transparency} if content_type == PNG and \
            transparency is not None else {}
        out = io.BytesIO()
        if content_type == JPEG:
            if upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            upright.save(out, format="JPEG", quality=90, optimize=True)
        else:
            upright.save(out, format="PNG", optimize=True)
    encoded = out.getvalue()
    if len(encoded) > MAX_BYTES:
        raise EvidenceRefused("The selected file must be 5 MB or smaller")
    return encoded, content_type


def _too_many_pixels() -> EvidenceRefused:
    return EvidenceRefused(
        f"The selected image is too large: it must be {MAX_PIXELS // 1_000_000} megapixels or "
        "fewer. Make it smaller and upload it again")


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
    folder = evidence_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    temporary = folder / f"{stored_name}.part"
    temporary.write_bytes(checked.content)
    os.replace(temporary, folder / stored_name)
    db.session.info.setdefault(_WRITTEN, []).append(folder / stored_name)
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
    db.session.info.setdefault(_UNUSED, []).extend(
        folder / name for name in names - still_used if _STORED_NAME.match(name))


_WRITTEN, _UNUSED = "evidence_written", "evidence_unused"


def _unlink(paths) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _follow_the_transaction(session) -> None:
    session.info.pop(_WRITTEN, None)
    _unlink(session.info.pop(_UNUSED, []))


@event.listens_for(Session, "after_rollback")
def _undo_with_the_transaction(session) -> None:
    session.info.pop(_UNUSED, None)
    _unlink(session.info.pop(_WRITTEN, []))
