"""The image of a Charter award, as a standalone SVG and as a PNG of the same design.

Signatories show these images on their own websites, so they are self-contained (no fonts,
images, stylesheets or links to fetch), accessible (a title and a description, text with AA
contrast, levels told apart by word and pattern, not by colour alone) and honest: an expired or
revoked award's image says so across it, so a stale copy on a website tells the truth.

Both renderers draw one layout (a short list of rectangles and texts in a 480 x 280 design
space), so the SVG and the PNG always show the same words in the same places.
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

DESIGN_WIDTH = 480
DESIGN_HEIGHT = 280
PNG_MIN_WIDTH = 120
PNG_MAX_WIDTH = 1200
FONT_FAMILY = "Arial, Helvetica, sans-serif"
CHARTER_NAME = "County Durham Pound Charter"

# A GOV.UK-like palette: calm and official.
NAVY = "#003078"
BLUE = "#1d70b8"
BLACK = "#0b0c0c"
WHITE = "#ffffff"
RED = "#d4351c"

NAME_FONT_SIZE = 22
NAME_MAX_WIDTH = 330  # between the level stripes, with room for a wider system font
ELLIPSIS = "\u2026"

# Explicit bidi embeddings, overrides and isolates: dropped from names so that a name cannot be
# shown in an order other than the one it was registered in (a spoofing trick).
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


@dataclass(frozen=True)
class BadgeArt:
    heading: str  # "Charter Signatory", "Reported 2026–27", "Gold level"
    organisation: str  # the signatory's name, any Unicode, up to 200 characters
    level: str | None  # "bronze" | "silver" | "gold" | None (for the non-level badges)
    year: str  # what the badge is for, e.g. "2026–27" or "Since 2026"
    state: str = "valid"  # "valid" | "expired" | "revoked"


@dataclass(frozen=True)
class LevelStyle:
    """How a level looks. Muted metals under dark text; the stripe count and the border differ
    per level so that the levels are told apart in greyscale and without colour too."""

    fill: str
    border: str
    stripes: int
    border_width: float
    double_border: bool


LEVEL_STYLES: dict[str | None, LevelStyle] = {
    None: LevelStyle(fill=WHITE, border=NAVY, stripes=0, border_width=4, double_border=False),
    "bronze": LevelStyle(fill="#c8916a", border="#5c3317", stripes=1, border_width=3,
                         double_border=False),
    "silver": LevelStyle(fill="#bfc4c9", border="#3d444b", stripes=2, border_width=6,
                         double_border=False),
    "gold": LevelStyle(fill="#f1e3a4", border="#6b5000", stripes=3, border_width=4,
                       double_border=True),
}

STATE_BANDS = {"expired": ("EXPIRED", BLACK), "revoked": ("REVOKED", RED)}


@dataclass(frozen=True)
class _Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str | None = None
    stroke: str | None = None
    stroke_width: float = 0
    radius: float = 0


@dataclass(frozen=True)
class _Text:
    x: float
    y: float  # the baseline; the text is centred on x
    text: str
    size: float
    fill: str
    bold: bool = False


@dataclass(frozen=True)
class _Rotated:
    angle: float  # degrees, clockwise as in SVG's rotate()
    cx: float
    cy: float
    items: tuple


def badge_svg(art: BadgeArt, *, verify_url: str | None = None) -> str:
    """A complete standalone SVG document of the badge (a UTF-8 string)."""
    ids = _element_ids(art)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{DESIGN_WIDTH}" '
        f'height="{DESIGN_HEIGHT}" viewBox="0 0 {DESIGN_WIDTH} {DESIGN_HEIGHT}" role="img" '
        f'aria-labelledby="{ids[0]} {ids[1]}" font-family="{FONT_FAMILY}">',
        f'<title id="{ids[0]}">{_xml(badge_title(art))}</title>',
        f'<desc id="{ids[1]}">{_xml(badge_description(art, verify_url))}</desc>',
    ]
    parts.extend(_svg_item(item) for item in _layout(art))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def badge_png(art: BadgeArt, width: int = 480, *, verify_url: str | None = None) -> bytes:
    """A PNG of the same design, `width` pixels wide (clamped to 120..1200), anti-aliased.

    `verify_url` is accepted for symmetry with `badge_svg`; a PNG has no description to put it
    in (baking adds the assertion, see `baking.bake_png`).
    """
    width = max(PNG_MIN_WIDTH, min(PNG_MAX_WIDTH, int(width)))
    height = round(width * DESIGN_HEIGHT / DESIGN_WIDTH)
    # Pillow's shapes have hard edges: draw larger and scale down, which smooths them.
    supersample = 3 if width <= 600 else 2
    scale = width * supersample / DESIGN_WIDTH
    canvas = Image.new("RGBA", (width * supersample, height * supersample), WHITE)
    for item in _layout(art):
        _draw_item(canvas, item, scale)
    image = canvas.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def badge_title(art: BadgeArt) -> str:
    """The accessible name: what the badge is, whose, for when, and whether it still stands."""
    title = f"{CHARTER_NAME}: {_clean(art.heading)}, {_clean(art.organisation)}, {_clean(art.year)}"
    if art.state in STATE_BANDS:
        title += f" ({art.state})"
    return title


def badge_description(art: BadgeArt, verify_url: str | None = None) -> str:
    """What the badge means, in a sentence or three."""
    heading = _clean(art.heading)
    if art.level:
        meaning = f"{_clean(art.organisation)} holds the {heading} of the {CHARTER_NAME}"
    else:
        meaning = f"{_clean(art.organisation)} holds the {CHARTER_NAME} badge {heading}"
    sentences = [f"{meaning}, {_clean(art.year)}."]
    if art.state == "expired":
        sentences.append("This award has expired.")
    elif art.state == "revoked":
        sentences.append("This award has been revoked and no longer stands.")
    if verify_url:
        sentences.append(f"Check it is current at {verify_url}")
    return " ".join(sentences)


def wrap_name(name: str, max_width: float = NAME_MAX_WIDTH, size: float = NAME_FONT_SIZE,
              max_lines: int = 2) -> list[str]:
    """The name on at most `max_lines` lines of `max_width`, the last shortened with an
    ellipsis when the name does not fit. Breaks between words where it can."""

    def fits(text: str) -> bool:
        return text_width(text, size) <= max_width

    rest = " ".join(_clean(name).split())
    lines: list[str] = []
    while rest and len(lines) < max_lines:
        if fits(rest):
            lines.append(rest)
            rest = ""
            break
        cut = _longest_fitting_prefix(rest, fits)
        space = rest.rfind(" ", 0, cut + 1)
        if space > 0:
            cut = space
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        last = lines[-1]
        while last and not fits(last + ELLIPSIS):
            last = last[: _safe_cut(last, len(last) - 1)]
        lines[-1] = last.rstrip() + ELLIPSIS
    return lines


def text_width(text: str, size: float, bold: bool = False) -> float:
    """An estimate of the drawn width, at least what Pillow's own font measures. The estimate
    covers characters that font has no glyph for (emoji, CJK, Arabic), which a browser draws
    from another font, often wider."""
    measured = _font(max(1, round(size))).getlength(text)
    estimated = sum(size * _char_em(char) for char in text)
    width = max(measured, estimated)
    return width * 1.06 if bold else width


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a #rrggbb colour."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.x contrast ratio between two #rrggbb colours (1 to 21)."""
    lighter, darker = sorted(
        (relative_luminance(foreground), relative_luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


# The layout -----------------------------------------------------------------------------------


def _layout(art: BadgeArt) -> list:
    style = LEVEL_STYLES.get(art.level, LEVEL_STYLES[None])
    w, h = DESIGN_WIDTH, DESIGN_HEIGHT
    items: list = [
        _Rect(4, 4, w - 8, h - 8, fill=style.fill, radius=12),
        # The header: rounded on top only (a second rectangle squares its lower corners).
        _Rect(4, 4, w - 8, 56, fill=NAVY, radius=12),
        _Rect(4, 40, w - 8, 20, fill=NAVY),
        _Text(w / 2, 39, CHARTER_NAME.upper(), 19, WHITE, bold=True),
    ]
    if art.state in STATE_BANDS:
        # Instead of the year band, a band across the badge that says plainly it no longer
        # stands; it keeps the year and leaves the name readable.
        word, colour = STATE_BANDS[art.state]
        state_band = _Rotated(-5, w / 2, 222, (
            _Rect(-40, 196, w + 80, 52, fill=colour),
            _Text(w / 2, 232, f"{word} \u00b7 {_clean(art.year)}", 28, WHITE, bold=True),
        ))
    else:
        state_band = None
        items.append(_Rect(4, 200, w - 8, 48, fill=BLUE))
        items.append(_Text(w / 2, 233, _clean(art.year), 24, WHITE, bold=True))
    for index in range(style.stripes):
        offset = 20 + index * 14
        items.append(_Rect(offset, 72, 8, 116, fill=BLACK))
        items.append(_Rect(w - offset - 8, 72, 8, 116, fill=BLACK))
    items.append(_Text(w / 2, 102, _clean(art.heading), 30, BLACK, bold=True))
    lines = wrap_name(art.organisation)
    baselines = {0: [], 1: [156]}.get(len(lines), [144, 174])
    items.extend(
        _Text(w / 2, y, line, NAME_FONT_SIZE, BLACK)
        for line, y in zip(lines, baselines, strict=True)
    )
    items.append(_Rect(4, 4, w - 8, h - 8, stroke=style.border, stroke_width=style.border_width,
                       radius=12))
    if style.double_border:
        items.append(_Rect(12, 12, w - 24, h - 24, stroke=style.border, stroke_width=2, radius=8))
    if state_band:
        items.append(state_band)
    return items


# SVG ------------------------------------------------------------------------------------------


def _svg_item(item) -> str:
    if isinstance(item, _Rect):
        attributes = [f'x="{_n(item.x)}" y="{_n(item.y)}" width="{_n(item.width)}" '
                      f'height="{_n(item.height)}"']
        if item.radius:
            attributes.append(f'rx="{_n(item.radius)}"')
        attributes.append(f'fill="{item.fill or "none"}"')
        if item.stroke:
            attributes.append(f'stroke="{item.stroke}" stroke-width="{_n(item.stroke_width)}"')
        return f"<rect {' '.join(attributes)}/>"
    if isinstance(item, _Text):
        weight = ' font-weight="700"' if item.bold else ""
        return (f'<text x="{_n(item.x)}" y="{_n(item.y)}" text-anchor="middle" '
                f'font-size="{_n(item.size)}"{weight} fill="{item.fill}">{_xml(item.text)}</text>')
    inner = "".join(_svg_item(child) for child in item.items)
    return f'<g transform="rotate({_n(item.angle)} {_n(item.cx)} {_n(item.cy)})">{inner}</g>'


def _element_ids(art: BadgeArt) -> tuple[str, str]:
    # Several badges may be inlined in one page: ids differ per badge so they never collide.
    digest = hashlib.sha256(repr(art).encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"cdpc-badge-title-{digest}", f"cdpc-badge-desc-{digest}"


def _xml(text: str) -> str:
    return escape(_clean(text), quote=True)


def _n(number: float) -> str:
    return f"{number:g}"


# PNG ------------------------------------------------------------------------------------------


def _draw_item(canvas: Image.Image, item, scale: float) -> None:
    if isinstance(item, _Rotated):
        layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
        for child in item.items:
            _draw_item(layer, child, scale)
        # Pillow turns anticlockwise for a positive angle, SVG clockwise.
        layer = layer.rotate(-item.angle, resample=Image.Resampling.BICUBIC,
                             center=(item.cx * scale, item.cy * scale))
        canvas.alpha_composite(layer)
        return
    draw = ImageDraw.Draw(canvas)
    if isinstance(item, _Rect):
        # SVG centres a stroke on the outline; Pillow draws it inside the box.
        grow = item.stroke_width / 2 if item.stroke else 0
        box = [
            (item.x - grow) * scale,
            (item.y - grow) * scale,
            (item.x + item.width + grow) * scale - 1,
            (item.y + item.height + grow) * scale - 1,
        ]
        draw.rounded_rectangle(
            box,
            radius=(item.radius + grow) * scale,
            fill=item.fill,
            outline=item.stroke,
            width=max(1, round(item.stroke_width * scale)) if item.stroke else 0,
        )
        return
    size = max(1, round(item.size * scale))
    draw.text(
        (item.x * scale, item.y * scale),
        _drawable(item.text),
        font=_font(size),
        fill=item.fill,
        anchor="ms",
        # Pillow's own font has no bold face: a thin outline in the same colour stands in.
        stroke_width=max(1, round(size * 0.03)) if item.bold else 0,
        stroke_fill=item.fill,
    )


def _drawable(text: str) -> str:
    """The text as Pillow's built-in font can draw it. That font covers little beyond ASCII:
    letters it lacks are drawn without their accents or spelt out, rather than as boxes. (The
    SVG, drawn by the viewer's own fonts, keeps the name exactly.)"""
    return "".join(char if _has_glyph(char) else _fallback(char) for char in text)


def _fallback(char: str) -> str:
    if char in _FALLBACKS:
        return _FALLBACKS[char]
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if bare and bare != char and all(_has_glyph(c) for c in bare):
        return bare
    return char


_FALLBACKS = {
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ",
    "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u00f8": "o", "\u00d8": "O",
    "\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D", "\u00f0": "d", "\u00d0": "D",
    "\u00fe": "th", "\u00de": "Th", "\u0153": "oe", "\u0152": "OE", "\u00a3": "GBP ",
    "\u20ac": "EUR ", "\u2022": "\u00b7",
}


@lru_cache(maxsize=4096)
def _has_glyph(char: str) -> bool:
    if char.isspace():
        return True
    font = _font(40)
    notdef = (font.getmask("\uffff", mode="L").getbbox(), font.getbbox("\uffff"))
    return (font.getmask(char, mode="L").getbbox(), font.getbbox(char)) != notdef


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    # Pillow's built-in scalable font: no font file is needed on the machine.
    return ImageFont.load_default(size=size)


# Text -----------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Text safe to put in XML 1.0 and honest to show: no control characters, no lone
    surrogates, no bidi overrides."""
    kept = []
    for char in str(text):
        code = ord(char)
        if char in _BIDI_CONTROLS or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            continue
        if code < 0x20 or 0x7F <= code < 0xA0:
            if char in "\t\n\r":
                kept.append(" ")
            continue
        kept.append(char)
    return "".join(kept)


def _char_em(char: str) -> float:
    if unicodedata.east_asian_width(char) in ("W", "F") or ord(char) >= 0x1F000:
        return 1.0
    if unicodedata.combining(char) or char in _JOINERS:
        return 0.0
    return 0.55


def _longest_fitting_prefix(text: str, fits) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle]):
            low = middle
        else:
            high = middle - 1
    return _safe_cut(text, low)


def _safe_cut(text: str, cut: int) -> int:
    """Moves a cut back so that it does not split a combining mark or an emoji sequence off
    the character it belongs to."""
    while 1 < cut < len(text) and (
        unicodedata.combining(text[cut]) or text[cut] in _JOINERS or text[cut - 1] == "\u200d"
    ):
        cut -= 1
    return cut
