"""Badge images (SVG and PNG) and Open Badges baking: pure functions, checked with real XML
parsing, real Pillow and the PNG format read byte by byte."""

import io
import json
import struct
import time
import zlib
from xml.etree import ElementTree

import pytest
from PIL import Image

from charter_app.badges.baking import (
    bake_png,
    bake_svg,
    unbake,
    unbake_png,
    unbake_svg,
)
from charter_app.badges.images import (
    BadgeArt,
    badge_png,
    badge_svg,
    contrast_ratio,
    relative_luminance,
)

SVG = "{http://www.w3.org/2000/svg}"
OPENBADGES_NS = "http://openbadges.org"
VERIFY_URL = "https://charter.example.org/badges/42"

LEVEL_ARTS = {
    level: BadgeArt(f"{level.title()} level", "Acme Ltd", level, "2026–27")
    for level in ("bronze", "silver", "gold")
}
SIGNATORY = BadgeArt("Charter Signatory", "Durham Bakery CIC", None, "Since 2026")
ALL_DESIGNS = [
    *LEVEL_ARTS.values(),
    SIGNATORY,
    BadgeArt("Reported 2026–27", "Acme Ltd", None, "2026–27", state="expired"),
    BadgeArt("Gold level", "Acme Ltd", "gold", "2026–27", state="revoked"),
    BadgeArt("Bronze level", "Acme Ltd", "bronze", "2026–27", state="expired"),
]
ASSERTION = json.dumps({
    "@context": "https://w3id.org/openbadges/v2",
    "type": "Assertion",
    "id": VERIFY_URL + ".json",
    "badge": {"name": "Gold level — Café ☕"},
    "tricky": "a]]>b",
})
JWS = "eyJhbGciOiJFUzI1NiJ9.eyJ0eXBlIjpbIk9wZW5CYWRnZUNyZWRlbnRpYWwiXX0.c2lnbmF0dXJl"


def parse(svg: str) -> ElementTree.Element:
    # Our own output, already checked for a DOCTYPE: nothing for a parser to expand.
    assert "<!DOCTYPE" not in svg
    return ElementTree.fromstring(svg.encode("utf-8"))  # noqa: S314


def visible_texts(svg: str) -> list[str]:
    return ["".join(node.itertext()) for node in parse(svg).iter(f"{SVG}text")]


def png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """The chunks of a PNG, each CRC checked here (independently of the code under test)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, position = [], 8
    while position < len(png):
        (length,) = struct.unpack_from(">I", png, position)
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack_from(">I", png, position + 8 + length)
        assert zlib.crc32(kind + data) == crc, kind
        chunks.append((kind, data))
        position += 12 + length
    return chunks


def make_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def itxt(keyword: bytes, text: bytes, compressed: bool = False) -> bytes:
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    return make_chunk(b"iTXt", keyword + b"\x00" + flag + b"\x00\x00" + text)


@pytest.fixture(scope="module")
def plain_png() -> bytes:
    return badge_png(LEVEL_ARTS["gold"], 160)


# The SVG --------------------------------------------------------------------------------------


def test_svg_is_an_accessible_standalone_document():
    art = LEVEL_ARTS["gold"]
    svg = badge_svg(art, verify_url=VERIFY_URL)
    root = parse(svg)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 480 280"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    assert title.text == "County Durham Pound Charter: Gold level, Acme Ltd, 2026–27"
    assert VERIFY_URL in desc.text
    # The verification address is in the description and nowhere else (no link to follow).
    assert svg.count(VERIFY_URL) == 1
    assert {"Gold level", "Acme Ltd", "2026–27"} <= set(visible_texts(svg))


def test_svg_without_verify_url_does_not_invent_one():
    svg = badge_svg(SIGNATORY)
    assert "http" not in parse(svg).find(f"{SVG}desc").text
    assert "Charter Signatory" in visible_texts(svg)


def test_two_badges_inlined_in_one_page_do_not_share_ids():
    first = parse(badge_svg(LEVEL_ARTS["gold"])).get("aria-labelledby")
    second = parse(badge_svg(LEVEL_ARTS["silver"])).get("aria-labelledby")
    assert set(first.split()).isdisjoint(second.split())


@pytest.mark.parametrize("art", ALL_DESIGNS, ids=lambda art: f"{art.level}-{art.state}")
def test_svg_fetches_nothing_and_runs_nothing(art):
    svg = badge_svg(art, verify_url=VERIFY_URL)
    lowered = svg.lower()
    for forbidden in ("href", "<image", "url(", "@import", "<script", "<style", "<foreignobject",
                      "<a ", " on"):
        assert forbidden not in lowered, forbidden
    root = parse(svg)
    assert root.get("font-family") == "Arial, Helvetica, sans-serif"
    for element in root.iter():
        for name, value in element.attrib.items():
            assert "://" not in value, (element.tag, name)


HOSTILE_NAMES = {
    "markup": '<script>alert("x")</script></text></svg>',
    "ampersand-quotes": "Smith & Sons \"Builders\" 'n' <Co>",
    "entity-lookalike": "Tom &amp; Jerry &#60; &lt;",
    "emoji": "Crumbs 🍰👩‍🍳 Café",
    "arabic": "شركة دورهام للتجارة المحدودة",
    "long": "Very Long Organisation Name " * 11,
    "no-spaces": "x" * 300,
}


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_any_name_is_escaped_and_fits_in_two_lines(name):
    svg = badge_svg(BadgeArt("Gold level", name, "gold", "2026–27"), verify_url=VERIFY_URL)
    root = parse(svg)

    assert not [element for element in root.iter() if "script" in element.tag]
    assert root.find(f"{SVG}title").text.endswith(f"{name}, 2026–27")  # the full name
    name_lines = visible_texts(svg)[3:]  # after the header, the year and the heading
    assert 1 <= len(name_lines) <= 2
    shown = "".join(name_lines).replace(" ", "")
    whole = name.replace(" ", "")
    if shown.endswith("…"):  # shortened: what shows is the start of the name
        assert whole.startswith(shown[:-1])
        assert len(whole) > len(shown)
    else:
        assert shown == whole


def test_names_lose_control_characters_and_bidi_overrides_but_stay_valid_xml():
    name = "Acme\x00\x1b Ltd\u202e dtL\ud800"
    svg = badge_svg(BadgeArt("Charter Signatory", name, None, "Since 2026"))
    svg.encode("utf-8")  # no lone surrogate left
    assert "Acme Ltd dtL" in visible_texts(svg)


def test_short_and_empty_names_still_draw():
    assert "A" in visible_texts(badge_svg(BadgeArt("Gold level", "A", "gold", "2026–27")))
    parse(badge_svg(BadgeArt("Gold level", "", "gold", "2026–27")))


def test_each_level_has_its_own_word_and_stripe_count():
    stripes = {}
    for level, art in LEVEL_ARTS.items():
        svg = badge_svg(art)
        assert f"{level.title()} level" in visible_texts(svg)
        rects = parse(svg).iter(f"{SVG}rect")
        stripes[level] = sum(1 for rect in rects if rect.get("width") == "8")
    assert stripes == {"bronze": 2, "silver": 4, "gold": 6}


def test_levels_differ_in_greyscale():
    fills = {}
    for level, art in LEVEL_ARTS.items():
        body_fill = parse(badge_svg(art)).find(f"{SVG}rect").get("fill")
        fills[level] = relative_luminance(body_fill)
        grey = Image.open(io.BytesIO(badge_png(art, 240))).convert("L")
        fills[level + "-png"] = grey.getpixel((120, 131))  # the body, below the year band
    assert fills["gold"] > fills["silver"] + 0.1 > fills["bronze"] + 0.2
    assert fills["gold-png"] > fills["silver-png"] + 15 > fills["bronze-png"] + 30


def _texts_with_backgrounds(element, rects=()):
    """(text, its colour, the colour of the last shape drawn under it) in document order."""
    rects = list(rects)
    for child in element:
        if child.tag == f"{SVG}rect" and child.get("fill") not in (None, "none"):
            rects.append(child)
        elif child.tag == f"{SVG}g":
            yield from _texts_with_backgrounds(child, rects)
        elif child.tag == f"{SVG}text":
            x, y = float(child.get("x")), float(child.get("y"))
            middle = y - float(child.get("font-size")) / 3
            under = [
                rect for rect in rects
                if float(rect.get("x")) <= x <= float(rect.get("x")) + float(rect.get("width"))
                and float(rect.get("y")) <= middle <= float(rect.get("y"))
                + float(rect.get("height"))
            ]
            yield "".join(child.itertext()), child.get("fill"), under[-1].get("fill")


@pytest.mark.parametrize("art", ALL_DESIGNS, ids=lambda art: f"{art.level}-{art.state}")
def test_every_text_has_aa_contrast(art):
    found = list(_texts_with_backgrounds(parse(badge_svg(art))))
    assert len(found) >= 4
    for text, colour, background in found:
        assert contrast_ratio(colour, background) >= 4.5, (text, colour, background)


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("state", "word", "band_colour"), [
    ("expired", "EXPIRED", (11, 12, 12)),
    ("revoked", "REVOKED", (212, 53, 28)),
])
def test_expired_and_revoked_awards_say_so_across_the_image(state, word, band_colour):
    art = BadgeArt("Gold level", "Acme Ltd", "gold", "2026–27", state=state)
    svg = badge_svg(art)
    assert f"{word} · 2026–27" in visible_texts(svg)
    assert parse(svg).find(f"{SVG}title").text.endswith(f"({state})")
    assert "Acme Ltd" in visible_texts(svg)  # whose award it was stays readable

    image = Image.open(io.BytesIO(badge_png(art, 480))).convert("RGB")
    assert _close(image.getpixel((60, 236)), band_colour)  # the band, left of the words
    valid = Image.open(io.BytesIO(badge_png(LEVEL_ARTS["gold"], 480))).convert("RGB")
    assert not _close(valid.getpixel((60, 236)), band_colour)


def test_valid_awards_carry_no_warning():
    for art in LEVEL_ARTS.values():
        texts = " ".join(visible_texts(badge_svg(art)))
        assert "EXPIRED" not in texts and "REVOKED" not in texts


def _close(pixel, colour, tolerance=24):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


# The PNG --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("asked", "size"), [
    (480, (480, 280)), (333, (333, 194)), (10, (120, 70)), (5000, (1200, 700)),
])
def test_png_has_the_requested_width_and_the_design_proportions(asked, size):
    image = Image.open(io.BytesIO(badge_png(SIGNATORY, asked)))
    image.load()
    assert image.format == "PNG"
    assert image.size == size


def test_png_is_anti_aliased_and_draws_the_design_colours():
    image = Image.open(io.BytesIO(badge_png(LEVEL_ARTS["gold"], 480))).convert("RGB")
    assert len(image.getcolors(maxcolors=100_000)) > 50  # smoothed edges, not flat fills
    assert _close(image.getpixel((240, 20)), (0, 48, 120), 4)  # the navy header
    assert _close(image.getpixel((240, 214)), (29, 112, 184), 4)  # the blue year band
    assert _close(image.getpixel((240, 262)), (241, 227, 164), 4)  # the gold body


def test_png_draws_any_name_with_pillows_own_font():
    for name in HOSTILE_NAMES.values():
        image = Image.open(io.BytesIO(badge_png(BadgeArt("Gold level", name, "gold", "x"), 120)))
        image.load()


# Baking PNG -----------------------------------------------------------------------------------


def test_png_bakes_both_keywords_and_reads_them_back(plain_png):
    baked = bake_png(bake_png(plain_png, "openbadges", ASSERTION), "openbadgecredential", JWS)

    assert unbake_png(baked, "openbadges") == ASSERTION
    assert unbake_png(baked, "openbadgecredential") == JWS
    chunks = png_chunks(baked)  # every CRC right
    assert chunks[0][0] == b"IHDR"
    assert [kind for kind, _ in chunks[1:3]] == [b"iTXt", b"iTXt"]  # right after IHDR
    keyword, _, rest = chunks[1][1].partition(b"\x00")
    assert keyword == b"openbadgecredential"
    assert rest[:4] == b"\x00\x00\x00\x00"  # uncompressed, empty language and translation
    assert rest[4:].decode("utf-8") == JWS
    image = Image.open(io.BytesIO(baked))
    image.load()  # Pillow checks the CRCs too
    assert image.text == {"openbadges": ASSERTION, "openbadgecredential": JWS}
    assert image.size == (160, 93)


def test_baking_again_replaces_the_payload(plain_png):
    once = bake_png(plain_png, "openbadges", ASSERTION)
    twice = bake_png(once, "openbadges", '{"id": "second"}')

    keywords = [data.partition(b"\x00")[0] for kind, data in png_chunks(twice) if kind == b"iTXt"]
    assert keywords == [b"openbadges"]
    assert unbake_png(twice, "openbadges") == '{"id": "second"}'
    assert unbake_png(twice, "openbadgecredential") is None


def test_an_unbaked_png_has_nothing_to_read(plain_png):
    assert unbake_png(plain_png, "openbadges") is None
    assert unbake(plain_png) is None


@pytest.mark.parametrize("not_png", [b"", b"GIF89a....", b"\x89PNG\r\n\x1a\n", "text"])
def test_baking_refuses_what_is_not_a_png(not_png):
    with pytest.raises(ValueError):
        bake_png(not_png, "openbadges", ASSERTION)


def test_baking_refuses_a_keyword_png_cannot_hold(plain_png):
    with pytest.raises(ValueError):
        bake_png(plain_png, "x" * 80, ASSERTION)


# Baking SVG -----------------------------------------------------------------------------------


def test_svg_bakes_the_assertion_as_the_specification_shows():
    baked = bake_svg(badge_svg(LEVEL_ARTS["silver"]), ASSERTION, VERIFY_URL + ".json")

    root = parse(baked)  # still well-formed
    assert 'xmlns:openbadges="http://openbadges.org"' in baked
    first = root[0]
    assert first.tag == f"{{{OPENBADGES_NS}}}assertion"
    assert first.get("verify") == VERIFY_URL + ".json"
    assert json.loads(first.text) == json.loads(ASSERTION)  # "]]>" inside survived
    assert unbake_svg(baked) == ASSERTION
    assert unbake_svg(baked.encode("utf-8")) == ASSERTION
    assert unbake(baked.encode("utf-8")) == ("svg-assertion", ASSERTION)
    assert root.find(f"{SVG}title").text.startswith("County Durham Pound Charter: Silver")


def test_svg_baking_again_replaces_the_assertion():
    once = bake_svg(badge_svg(SIGNATORY), ASSERTION, VERIFY_URL)
    twice = bake_svg(once, '{"id": "second"}', VERIFY_URL + "/2")

    assertions = parse(twice).findall(f"{{{OPENBADGES_NS}}}assertion")
    assert len(assertions) == 1
    assert assertions[0].get("verify") == VERIFY_URL + "/2"
    assert twice.count("xmlns:openbadges") == 1
    assert unbake_svg(twice) == '{"id": "second"}'


def test_an_assertion_without_a_body_gives_its_verify_attribute():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        f'<openbadges:assertion verify="{JWS}"/><rect width="1" height="1"/></svg>'
    )
    assert unbake_svg(svg) == JWS
    rebaked = bake_svg(svg, ASSERTION, VERIFY_URL)
    assert unbake_svg(rebaked) == ASSERTION
    assert len(parse(rebaked).findall(f"{{{OPENBADGES_NS}}}assertion")) == 1
    assert parse(rebaked).find(f"{SVG}rect") is not None  # the drawing around it is kept


def test_an_assertion_inside_metadata_is_read_and_replaced():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><metadata>'
        '<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="https://a/1"/>'
        '</metadata><rect width="1" height="1"/></svg>'
    )
    assert unbake_svg(svg) == "https://a/1"
    rebaked = bake_svg(svg, ASSERTION, VERIFY_URL)
    assert len(list(parse(rebaked).iter(f"{{{OPENBADGES_NS}}}assertion"))) == 1
    assert unbake_svg(rebaked) == ASSERTION
    assert parse(rebaked).find(f"{SVG}metadata") is not None
    assert parse(rebaked).find(f"{SVG}rect") is not None


def test_svg_baking_refuses_bad_input():
    with pytest.raises(ValueError):
        bake_svg(badge_svg(SIGNATORY), "not json", VERIFY_URL)
    with pytest.raises(ValueError):
        bake_svg("<html><body/></html>", ASSERTION, VERIFY_URL)
    assert unbake_svg(badge_svg(SIGNATORY)) is None


# Unbaking uploads -----------------------------------------------------------------------------


def test_unbake_tells_png_from_svg_by_content_and_finds_the_first_payload(plain_png):
    png = bake_png(bake_png(plain_png, "openbadges", ASSERTION), "openbadgecredential", JWS)
    assert unbake(png) == ("openbadgecredential", JWS)
    baked = bake_svg(badge_svg(SIGNATORY), ASSERTION, VERIFY_URL)
    svg = "\ufeff \n" + baked.removeprefix('<?xml version="1.0" encoding="UTF-8"?>')
    assert unbake(svg.encode("utf-8")) == ("svg-assertion", ASSERTION)


def test_unbake_reads_the_legacy_hosted_url_chunk(plain_png):
    chunks = png_chunks(plain_png)
    legacy = b"".join([
        plain_png[:8],
        make_chunk(*chunks[0]),
        make_chunk(b"tEXt", b"openbadges\x00" + VERIFY_URL.encode()),
        *(make_chunk(kind, data) for kind, data in chunks[1:]),
    ])
    assert unbake(legacy) == ("openbadges", VERIFY_URL)


@pytest.mark.parametrize("data", [
    b"",
    b"hello, this is a text file",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    b"<html><body><p>not a badge</p></body></html>",
    b"<?xml version='1.0' encoding='UTF-8'?><note>hi</note>",
    b"<not xml at all",
])
def test_unbake_answers_none_for_what_is_not_a_badge_image(data):
    assert unbake(data) is None


def test_unbake_refuses_an_oversized_file(plain_png):
    with pytest.raises(ValueError):
        unbake(plain_png + b"\x00" * (2 * 1024 * 1024))
    with pytest.raises(ValueError):
        unbake(plain_png, max_bytes=100)


def _baked(plain_png) -> bytes:
    return bake_png(plain_png, "openbadges", ASSERTION)


def test_unbake_refuses_a_bad_crc(plain_png):
    baked = bytearray(_baked(plain_png))
    at = baked.index(b"openbadges") + 20  # inside the payload
    baked[at] ^= 0x01
    with pytest.raises(ValueError, match="CRC"):
        unbake(bytes(baked))
    with pytest.raises(ValueError, match="CRC"):
        unbake_png(bytes(baked), "openbadges")


def test_unbake_refuses_a_truncated_file(plain_png):
    baked = _baked(plain_png)
    for cut in (10, 40, len(baked) // 2, len(baked) - 1):
        with pytest.raises(ValueError):
            unbake(baked[:cut])


def test_unbake_refuses_a_chunk_longer_than_the_file(plain_png):
    head = plain_png[:8] + make_chunk(*png_chunks(plain_png)[0])
    lying = struct.pack(">I", 0x7FFFFFF0) + b"iTXt" + b"openbadges\x00\x00\x00\x00\x00{}"
    with pytest.raises(ValueError):
        unbake(head + lying)


def test_unbake_refuses_a_damaged_chunk_type(plain_png):
    head = plain_png[:8] + make_chunk(*png_chunks(plain_png)[0])
    with pytest.raises(ValueError):
        unbake(head + make_chunk(b"i\x00Xt", b"openbadges\x00") + plain_png[-12:])


def test_unbake_caps_a_compressed_chunk_and_still_reads_a_small_one(plain_png):
    head = plain_png[:8] + make_chunk(*png_chunks(plain_png)[0])
    tail = plain_png[len(head):]
    bomb = zlib.compress(b" " * (64 * 1024 * 1024), 9)  # 64 MB inflated, ~64 kB on disk
    started = time.perf_counter()
    with pytest.raises(ValueError, match="1 MB"):
        unbake(head + itxt(b"openbadges", bomb, compressed=True) + tail)
    assert time.perf_counter() - started < 1

    small = zlib.compress(ASSERTION.encode("utf-8"))
    assert unbake(head + itxt(b"openbadges", small, compressed=True) + tail) == (
        "openbadges", ASSERTION,
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
<openbadges:assertion verify="x">&lol9;</openbadges:assertion></svg>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
<openbadges:assertion verify="x">&secret;</openbadges:assertion></svg>"""

UNDECLARED_ENTITY = b"""<svg xmlns="http://www.w3.org/2000/svg"
 xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="x">&secret;
</openbadges:assertion></svg>"""


@pytest.mark.parametrize("svg", [BILLION_LAUGHS, EXTERNAL_ENTITY, UNDECLARED_ENTITY],
                         ids=["billion-laughs", "external-entity", "undeclared-entity"])
def test_unbake_refuses_svg_entities_without_expanding_them(svg):
    with pytest.raises(ValueError):
        unbake(svg)
    with pytest.raises(ValueError):
        unbake_svg(svg)


def test_unbake_refuses_a_broken_svg_and_one_in_another_encoding():
    with pytest.raises(ValueError):
        unbake(b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>')
    latin1 = '<?xml version="1.0" encoding="ISO-8859-1"?><svg xmlns="http://www.w3.org/2000/svg"/>'
    with pytest.raises(ValueError):
        unbake(latin1.encode("latin-1"))
