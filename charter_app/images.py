"""Uploaded images, one pipeline for every domain: evidence files, case study pictures, logos.

The content decides, never the name: the bytes must decode with Pillow as one of the formats
the caller allows (PNG, JPEG, WebP), within a pixel limit that refuses decompression bombs.
Every image is turned upright (EXIF orientation) and re-encoded in its own format, which drops
EXIF (camera, GPS position), comments and every other piece of metadata. For pages, an image is
also re-encoded at a bounded set of widths (never wider than the original) for `srcset`.

Files live outside `static/`, under random names checked for shape before the file system is
touched, and follow the database transaction: a file written during a transaction that rolls
back is deleted; a file let go of is deleted only once the transaction commits. So a rolled-back
upload leaves no file and a rolled-back removal loses none.
"""

import io
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_sqlalchemy.session import Session
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event

from charter_app.extensions import db

MAX_BYTES = 5 * 1024 * 1024
# A 24-megapixel photo is about 6,000 x 4,000: anything far bigger is not a phone's or a
# scanner's picture but a small file that would unpack into gigabytes (a decompression bomb).
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
EXTENSIONS = {PNG: ".png", JPEG: ".jpg", WEBP: ".webp"}
_FORMATS = {"PNG": PNG, "JPEG": JPEG, "WEBP": WEBP}
# The widths pages ask for: a phone, a tablet or a column of a desktop page, a full desktop.
WIDTHS = (480, 960, 1600)

# A stored upload: 32 random hex digits, then the width and the extension.
_UPLOAD_NAME = re.compile(r"([0-9a-f]{32})-([0-9]{2,4})\.(png|jpg|webp)\Z")
_CONTENT_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}


class ImageRefused(Exception):
    """An upload we will not keep; the message says why, for the person who chose it."""


class NotAnImage(ImageRefused):
    """The bytes are not an image of an allowed format (the caller words the message)."""


def read_upload(stream, max_bytes: int = MAX_BYTES) -> bytes:
    """The uploaded bytes, read no further than the limit (ImageRefused if empty or too big)."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise ImageRefused("The selected file is empty")
    if len(data) > max_bytes:
        raise ImageRefused(f"The selected file must be {max_bytes // (1024 * 1024)} MB or smaller")
    return data


def _too_many_pixels() -> ImageRefused:
    return ImageRefused(
        f"The selected image is too large: it must be {MAX_PIXELS // 1_000_000} megapixels or "
        "fewer. Make it smaller and upload it again")


def _decoded(data: bytes, allowed: Iterable[str]) -> tuple[Image.Image, str]:
    """The upright, fully decoded image and its content type; NotAnImage or ImageRefused."""
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise NotAnImage() from None
    with image:
        content_type = _FORMATS.get(image.format or "")
        if content_type is None or content_type not in allowed:
            raise NotAnImage()
        if image.width * image.height > MAX_PIXELS:
            raise _too_many_pixels()
        try:
            image.load()
            # Turn the picture as the camera meant it, since the EXIF that said so is dropped.
            upright = ImageOps.exif_transpose(image)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
                Image.DecompressionBombWarning, EOFError):
            raise ImageRefused(
                "The selected image could not be read: it may be damaged. Save it again and "
                "upload the new copy") from None
    if upright is image:
        upright = image.copy()
    return upright, content_type


def _encoded(image: Image.Image, content_type: str) -> bytes:
    """The image in its format with no metadata (PNG keeps only its transparency colour)."""
    transparency = image.info.get("transparency")
    image.info = {"transparency": transparency} if content_type == PNG and \
        transparency is not None else {}
    out = io.BytesIO()
    if content_type == JPEG:
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=90, optimize=True)
    elif content_type == WEBP:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, format="WEBP", quality=85)
    else:
        image.save(out, format="PNG", optimize=True)
    encoded = out.getvalue()
    if len(encoded) > MAX_BYTES:
        raise ImageRefused(f"The selected file must be {MAX_BYTES // (1024 * 1024)} MB or smaller")
    return encoded


def reencoded(data: bytes, allowed: Iterable[str] = (PNG, JPEG, WEBP)) -> tuple[bytes, str]:
    """The image re-encoded at its own size without metadata, and its content type."""
    image, content_type = _decoded(data, allowed)
    return _encoded(image, content_type), content_type


@dataclass(frozen=True)
class Responsive:
    """An image re-encoded at the widths a page may ask for (never wider than the original)."""

    content_type: str
    width: int
    height: int
    versions: dict[int, bytes]  # width -> bytes, narrowest first

    @property
    def size_bytes(self) -> int:
        return sum(len(content) for content in self.versions.values())


def responsive(data: bytes, widths: Iterable[int] = WIDTHS,
               allowed: Iterable[str] = (PNG, JPEG, WEBP)) -> Responsive:
    """The image at each of `widths` narrower than itself, and at its own width when it is
    narrower than the widest (so the largest version is never upscaled nor needlessly big)."""
    image, content_type = _decoded(data, allowed)
    wanted = sorted({width for width in widths if width < image.width})
    if image.width <= max(widths):
        wanted.append(image.width)
    else:
        wanted.append(max(widths))
    versions = {}
    for width in sorted(set(wanted)):
        height = max(1, round(image.height * width / image.width))
        resized = image if width == image.width else image.resize((width, height),
                                                                  Image.Resampling.LANCZOS)
        versions[width] = _encoded(resized.copy(), content_type)
    return Responsive(content_type, image.width, image.height, versions)


# --- storage ----------------------------------------------------------------------------------

def upload_dir() -> Path:
    """Where public uploads live (UPLOAD_DIR): outside static/, and what a backup copies."""
    return Path(current_app.config.get("UPLOAD_DIR")
                or Path(current_app.instance_path) / "uploads")


def new_name() -> str:
    return secrets.token_hex(16)


def upload_name(stem: str, width: int, content_type: str) -> str:
    return f"{stem}-{width}{EXTENSIONS[content_type]}"


def parse_upload_name(name: str) -> tuple[str, int, str] | None:
    """(stem, width, content type) of a stored upload's name, or None if it is not one."""
    match = _UPLOAD_NAME.match(name)
    if match is None:
        return None
    return match[1], int(match[2]), _CONTENT_TYPES["." + match[3]]


def upload_path(name: str) -> Path:
    """The path of a stored upload; FileNotFoundError for anything not shaped like one, so no
    name from a URL or the database ever walks the file system."""
    if parse_upload_name(name) is None:
        raise FileNotFoundError(name)
    return upload_dir() / name


def store_responsive(image: Responsive) -> str:
    """Write every width of the image under one new random stem; returns the stem. The files
    follow the transaction (see `write_file`)."""
    stem = new_name()
    folder = upload_dir()
    for width, content in image.versions.items():
        write_file(folder, upload_name(stem, width, image.content_type), content)
    return stem


def forget_responsive(stem: str, widths: Iterable[int], content_type: str) -> None:
    """Delete the files of a stored image once the transaction commits."""
    delete_after_commit(upload_path(upload_name(stem, width, content_type)) for width in widths)


# --- files that follow the transaction ---------------------------------------------------------

_WRITTEN, _UNUSED = "files_written", "files_unused"


def write_file(folder: Path, name: str, content: bytes) -> Path:
    """Write a file now (atomically: readers never see half of it), and delete it again if
    the transaction rolls back."""
    if db.session().get_transaction() is None:  # so that a rollback before any SQL still undoes it
        db.session.begin()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    temporary = folder / f"{name}.part"
    temporary.write_bytes(content)
    os.replace(temporary, path)
    db.session.info.setdefault(_WRITTEN, []).append(path)
    return path


def delete_after_commit(paths: Iterable[Path]) -> None:
    """Delete these files when the transaction commits; keep them if it rolls back."""
    db.session.info.setdefault(_UNUSED, []).extend(paths)


def _unlink(paths) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _follow_the_transaction(session) -> None:
    session.info.pop(_WRITTEN, None)
    _unlink(session.info.pop(_UNUSED, []))


# "soft": also when nothing reached the database yet (files written before the first flush).
@event.listens_for(Session, "after_soft_rollback")
def _undo_with_the_transaction(session, previous_transaction) -> None:
    if previous_transaction.nested:  # a savepoint: the transaction itself goes on
        return
    session.info.pop(_UNUSED, None)
    _unlink(session.info.pop(_WRITTEN, []))
