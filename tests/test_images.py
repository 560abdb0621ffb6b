"""The shared image pipeline (charter_app/images.py): the content decides, metadata goes, sizes
are bounded and never upscaled, names are random and checked, files follow the transaction."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from charter_app import images
from charter_app.extensions import db


def picture(fmt: str, size=(1200, 800), colour=(30, 120, 60), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt, **save)
    return out.getvalue()


def with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Snoop Camera Co"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (54.0, 46.0, 33.0)  # latitude: Durham
    gps[3], gps[4] = "W", (1.0, 34.0, 29.0)
    return picture("JPEG", exif=exif.tobytes())


@pytest.mark.parametrize(("fmt", "content_type"), [
    ("PNG", images.PNG), ("JPEG", images.JPEG), ("WEBP", images.WEBP)])
def test_png_jpeg_and_webp_are_accepted_by_content(fmt, content_type):
    prepared = images.responsive(picture(fmt))
    assert prepared.content_type == content_type
    for content in prepared.versions.values():
        assert Image.open(io.BytesIO(content)).format == fmt


def test_a_png_named_jpg_is_a_png_and_a_text_file_is_refused():
    # There is no name here at all: only the bytes are looked at.
    assert images.reencoded(picture("PNG", (20, 20)))[1] == images.PNG
    with pytest.raises(images.NotAnImage):
        images.reencoded(b"hello, I am a text file named photo.png")
    gif = io.BytesIO()
    Image.new("P", (5, 5)).save(gif, "GIF")
    with pytest.raises(images.NotAnImage):
        images.reencoded(gif.getvalue())


def test_webp_is_refused_where_a_caller_does_not_allow_it():
    with pytest.raises(images.NotAnImage):
        images.reencoded(picture("WEBP", (20, 20)), allowed=(images.PNG, images.JPEG))


def test_over_5_mb_is_refused_before_decoding():
    with pytest.raises(images.ImageRefused, match="must be 5 MB or smaller"):
        images.read_upload(io.BytesIO(b"\x89PNG" + b"0" * images.MAX_BYTES))
    with pytest.raises(images.ImageRefused, match="empty"):
        images.read_upload(io.BytesIO(b""))
    assert len(images.read_upload(io.BytesIO(b"x" * images.MAX_BYTES))) == images.MAX_BYTES


@pytest.mark.parametrize("side", [7_000, 10_000])  # 49 MP (Pillow warns), 100 MP (refuses)
def test_a_decompression_bomb_is_refused(side):
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    assert len(out.getvalue()) < images.MAX_BYTES  # small on disk, huge in memory
    with pytest.raises(images.ImageRefused, match="megapixels or fewer"):
        images.responsive(out.getvalue())


def test_exif_and_gps_are_gone_after_re_encoding():
    original = with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    prepared = images.responsive(original)
    for content in prepared.versions.values():
        image = Image.open(io.BytesIO(content))
        assert not image.getexif() and "exif" not in image.info
        assert b"Snoop Camera Co" not in content


def test_sizes_are_bounded_and_never_upscaled():
    big = images.responsive(picture("JPEG", (2400, 1600)))
    assert list(big.versions) == [480, 960, 1600]
    assert Image.open(io.BytesIO(big.versions[1600])).size == (1600, 1067)
    small = images.responsive(picture("PNG", (700, 300)))
    assert list(small.versions) == [480, 700]  # its own width, never 960 or 1600
    assert Image.open(io.BytesIO(small.versions[700])).size == (700, 300)
    tiny = images.responsive(picture("PNG", (100, 50)))
    assert list(tiny.versions) == [100]


def test_an_upright_photo_stays_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    rotated = images.responsive(picture("JPEG", (600, 400), exif=exif.tobytes()))
    assert (rotated.width, rotated.height) == (400, 600)


def test_names_are_random_and_checked_for_shape(app_ctx):
    first = images.store_responsive(images.responsive(picture("PNG", (50, 40))))
    second = images.store_responsive(images.responsive(picture("PNG", (50, 40))))
    db.session.commit()
    assert first != second and re.fullmatch(r"[0-9a-f]{32}", first)
    folder = Path(app_ctx.config["UPLOAD_DIR"])
    assert (folder / f"{first}-50.png").is_file() and "static" not in folder.parts
    for bad in ("../config.py", f"{first}-50.png/../../x", f"{first}.png", "x" * 32 + "-50.png",
                f"{first}-50.exe", f"{first}-50.PNG"):
        assert images.parse_upload_name(bad) is None
        with pytest.raises(FileNotFoundError):
            images.upload_path(bad)


def test_a_rolled_back_upload_leaves_no_file(app_ctx):
    folder = Path(app_ctx.config["UPLOAD_DIR"])
    stem = images.store_responsive(images.responsive(picture("JPEG", (1000, 500))))
    written = sorted(folder.glob(f"{stem}-*"))
    assert [path.name for path in written] == [f"{stem}-1000.jpg", f"{stem}-480.jpg",
                                               f"{stem}-960.jpg"]
    db.session.rollback()
    assert not list(folder.glob(f"{stem}-*"))


def test_a_removal_waits_for_the_commit(app_ctx):
    folder = Path(app_ctx.config["UPLOAD_DIR"])
    stem = images.store_responsive(images.responsive(picture("PNG", (60, 60))))
    db.session.commit()
    images.forget_responsive(stem, [60], images.PNG)
    db.session.rollback()
    assert (folder / f"{stem}-60.png").exists()  # a rolled-back removal loses nothing
    images.forget_responsive(stem, [60], images.PNG)
    db.session.commit()
    assert not (folder / f"{stem}-60.png").exists()
