"""Open Badges "baking": the award's assertion carried inside its image, and read back out.

Specifications followed:
- Open Badges 2.0 Baking Specification (IMS Global, Final Release, 12 April 2018): a PNG gets an
  uncompressed iTXt chunk with keyword "openbadges", at most one; an SVG gets
  xmlns:openbadges="http://openbadges.org" on its root and, directly after the <svg> tag, one
  <openbadges:assertion verify="..."> whose body is the assertion JSON in CDATA (no body: the
  verify attribute carries a signature). The legacy pre-specification form, a tEXt chunk
  "openbadges" holding the hosted assertion's URL, is read too.
- Open Badges 3.0 (1EdTech), Badge Baking: the same iTXt form with keyword "openbadgecredential".
- PNG (W3C, Third Edition): chunk layout (length, type, data, CRC-32 over type and data) and the
  iTXt layout (keyword, NUL, compression flag, compression method, language tag, NUL, translated
  keyword, NUL, text).

Reading is written for hostile uploads: a size cap, every chunk bounded by the file and its CRC
checked, compressed text inflated under a cap, and any SVG with a DOCTYPE refused before an XML
parser sees it (no entity can be expanded, internal or external).
"""

import json
import re
import struct
import zlib
from collections.abc import Iterator
from html import escape
from xml.parsers import expat

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OPENBADGES_KEYWORD = "openbadges"  # Open Badges 2.0
OPENBADGE_CREDENTIAL_KEYWORD = "openbadgecredential"  # Open Badges 3.0
PNG_KEYWORDS = (OPENBADGES_KEYWORD, OPENBADGE_CREDENTIAL_KEYWORD)
SVG_ASSERTION = "svg-assertion"

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
OPENBADGES_SVG_NAMESPACE = "http://openbadges.org"  # as the 2.0 Baking Specification says
# Also read: the namespace some issuers write, by analogy with Open Badges 3.0's
# "https://purl.imsglobal.org/ob/v3p0".
OPENBADGES_SVG_NAMESPACES = (OPENBADGES_SVG_NAMESPACE, "https://purl.imsglobal.org/ob/v2p0")

DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_INFLATED_TEXT_BYTES = 1024 * 1024
_MAX_CHUNK_LENGTH = 2**31 - 1  # the PNG limit on a chunk's length
_TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")


class BakingError(ValueError):
    """The file is damaged, or refused as unsafe to read."""


class _NotSvg(Exception):
    """XML (or something like it) whose root is not <svg>: not a badge image."""


# PNG ------------------------------------------------------------------------------------------


def bake_png(png: bytes, keyword: str, text: str) -> bytes:
    """The PNG with `text` in an uncompressed iTXt chunk `keyword`, right after IHDR.

    `keyword` is "openbadges" (Open Badges 2.0: the assertion JSON, its URL or a signature) or
    "openbadgecredential" (Open Badges 3.0: the credential, e.g. a compact JWS). A chunk with
    that keyword already in the file is replaced: the specifications allow only one.
    Raises ValueError when `png` is not a whole, undamaged PNG.
    """
    keyword_bytes = _keyword_bytes(keyword)
    chunks = list(_png_chunks(png))
    if not chunks or chunks[0][0] != b"IHDR":
        raise BakingError("A PNG starts with its IHDR chunk.")
    payload = b"".join([
        keyword_bytes,
        b"\x00",
        b"\x00\x00",  # compression flag and method: the specifications forbid compression
        b"\x00",  # empty language tag
        b"\x00",  # empty translated keyword
        text.encode("utf-8"),
    ])
    kept = [
        (kind, data) for kind, data in chunks[1:]
        if not (kind in _TEXT_CHUNKS and _chunk_keyword(data) == keyword_bytes)
    ]
    parts = [PNG_SIGNATURE, _chunk(*chunks[0]), _chunk(b"iTXt", payload)]
    parts.extend(_chunk(kind, data) for kind, data in kept)
    return b"".join(parts)


def unbake_png(png: bytes, keyword: str) -> str | None:
    """The text baked under `keyword` (the first one found), or None.

    Every chunk read is checked against its CRC; raises ValueError on a damaged PNG, and on a
    compressed text that would inflate beyond 1 MB.
    """
    found = _find_png_text(png, (_keyword_bytes(keyword),))
    return found[1] if found else None


# SVG ------------------------------------------------------------------------------------------


def bake_svg(svg: str, assertion_json: str, verify_url: str) -> str:
    """The SVG with the Open Badges 2.0 assertion baked in, replacing any already there.

    Raises ValueError when `assertion_json` is not JSON, or `svg` is not a well-formed SVG
    (or has a DOCTYPE).
    """
    try:
        json.loads(assertion_json)
    except ValueError as error:
        raise BakingError("The assertion is not JSON.") from error
    document = svg.encode("utf-8")
    try:
        scan = _scan_svg(document)
    except _NotSvg as error:
        raise BakingError("This is not an SVG.") from error
    if scan.root_end is None:
        raise BakingError("The SVG has no content to bake into.")
    # Cut out existing assertions, all inside the root: from the end, so offsets stay right.
    for start, end in reversed(scan.assertions):
        document = document[:start] + document[end:]
    root_tag = document[scan.root_start:scan.root_end].decode("utf-8")
    root_tag = _with_openbadges_namespace(root_tag)
    # "]]>" cannot appear inside CDATA: close and reopen the section around it.
    body = assertion_json.replace("]]>", "]]]]><![CDATA[>")
    element = (
        f'<openbadges:assertion verify="{escape(verify_url, quote=True)}">'
        f"<![CDATA[{body}]]></openbadges:assertion>"
    )
    baked = (
        document[:scan.root_start].decode("utf-8") + root_tag + element
        + document[scan.root_end:].decode("utf-8")
    )
    return baked


def unbake_svg(svg: bytes | str) -> str | None:
    """The baked assertion JSON (or, for an assertion without a body, its verify attribute:
    a signature or the hosted assertion's URL), or None when the SVG carries none.

    Raises ValueError on a DOCTYPE, on anything that is not UTF-8, well-formed XML.
    """
    document = svg.encode("utf-8") if isinstance(svg, str) else bytes(svg)
    try:
        return _scan_svg(document).first_payload
    except _NotSvg:
        return None


# Uploads --------------------------------------------------------------------------------------


def unbake(data: bytes, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES) -> tuple[str, str] | None:
    """For an uploaded file: (the keyword, or "svg-assertion"; the text) of the first Open
    Badges payload in it, or None when the file is not a PNG or SVG or carries none.

    Told apart by content, not by name. Raises ValueError for a file over `max_bytes`, a
    damaged PNG, or an SVG that is malformed or has a DOCTYPE (refused, never expanded).
    """
    data = bytes(data)
    if len(data) > max_bytes:
        raise BakingError(f"The file is larger than {max_bytes} bytes.")
    if data.startswith(PNG_SIGNATURE):
        return _find_png_text(data, tuple(_keyword_bytes(k) for k in PNG_KEYWORDS))
    if not _looks_like_xml(data):
        return None
    try:
        payload = _scan_svg(data).first_payload
    except _NotSvg:
        return None
    return (SVG_ASSERTION, payload) if payload is not None else None


# PNG internals --------------------------------------------------------------------------------


def _png_chunks(png: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, data) of each chunk up to IEND, each checked: within the file, CRC right."""
    if not isinstance(png, bytes | bytearray | memoryview):
        raise BakingError("A PNG is bytes.")
    png = bytes(png)
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("This is not a PNG.")
    position = len(PNG_SIGNATURE)
    while True:
        if position + 12 > len(png):
            raise BakingError("The PNG is truncated (it ends before its IEND chunk).")
        (length,) = struct.unpack_from(">I", png, position)
        kind = png[position + 4 : position + 8]
        if length > _MAX_CHUNK_LENGTH or not kind.isalpha() or not kind.isascii():
            raise BakingError("The PNG has a damaged chunk header.")
        data_start = position + 8
        data_end = data_start + length
        if data_end + 4 > len(png):
            raise BakingError("A PNG chunk runs past the end of the file.")
        data = png[data_start:data_end]
        (crc,) = struct.unpack_from(">I", png, data_end)
        if zlib.crc32(kind + data) != crc:
            raise BakingError(f"The PNG's {kind.decode('ascii')} chunk fails its CRC check.")
        yield kind, data
        if kind == b"IEND":
            return
        position = data_end + 4


def _find_png_text(png: bytes, keywords: tuple[bytes, ...]) -> tuple[str, str] | None:
    # The Baking Specification lets a reader stop at the first matching chunk; this one reads
    # (and checks) the whole file, so a truncated or damaged upload is refused, not half-read.
    found = None
    for kind, data in _png_chunks(png):
        if found is None and kind in _TEXT_CHUNKS and _chunk_keyword(data) in keywords:
            found = _chunk_keyword(data).decode("latin-1"), _chunk_text(kind, data)
    return found


def _chunk_keyword(data: bytes) -> bytes:
    return data.split(b"\x00", 1)[0]


def _chunk_text(kind: bytes, data: bytes) -> str:
    keyword, _, rest = data.partition(b"\x00")
    if kind == b"tEXt":  # the legacy form: Latin-1 text
        return rest.decode("latin-1")
    if kind == b"zTXt":
        if rest[:1] != b"\x00":
            raise BakingError("Unknown compression method in a zTXt chunk.")
        return _inflate(rest[1:]).decode("latin-1")
    if len(rest) < 2:
        raise BakingError("A damaged iTXt chunk.")
    compressed, method, rest = rest[0], rest[1], rest[2:]
    _language, _, rest = rest.partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    if compressed not in (0, 1) or (compressed and method != 0):
        raise BakingError("Unknown compression in an iTXt chunk.")
    if compressed:
        text = _inflate(text)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BakingError("An iTXt chunk's text is not UTF-8.") from error


def _inflate(data: bytes) -> bytes:
    # Capped: a few kilobytes can inflate to gigabytes (a "zip bomb").
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, MAX_INFLATED_TEXT_BYTES + 1)
    except zlib.error as error:
        raise BakingError("A compressed text chunk is damaged.") from error
    if len(text) > MAX_INFLATED_TEXT_BYTES or inflater.unconsumed_tail:
        raise BakingError("A compressed text chunk inflates beyond 1 MB.")
    return text


def _keyword_bytes(keyword: str) -> bytes:
    # PNG: a keyword is 1 to 79 printable Latin-1 characters, without leading, trailing or
    # double spaces.
    if not (0 < len(keyword) < 80) or keyword != keyword.strip() or "  " in keyword:
        raise ValueError(f"Not a PNG text keyword: {keyword!r}")
    if any(not (32 <= ord(char) <= 126 or 161 <= ord(char) <= 255) for char in keyword):
        raise ValueError(f"Not a PNG text keyword: {keyword!r}")
    return keyword.encode("latin-1")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# SVG internals --------------------------------------------------------------------------------


class _SvgScan:
    """What one pass of expat learns about an SVG: whether its root is <svg>, where the root's
    start tag is, where each Open Badges assertion element is, and the first one's payload."""

    def __init__(self) -> None:
        self.root_start: int = 0
        self.root_end: int | None = None
        self.assertions: list[tuple[int, int]] = []
        self.first_payload: str | None = None


_XML_DECLARATION = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


def _looks_like_xml(data: bytes) -> bool:
    head = data.removeprefix(b"\xef\xbb\xbf").lstrip()[:5]
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOC", b"<!doc")) or (
        head.startswith(b"<") and b"<svg" in data[:4096]
    )


def _scan_svg(document: bytes) -> _SvgScan:
    text_start = 3 if document.startswith(b"\xef\xbb\xbf") else 0
    try:
        document[text_start:].decode("utf-8")
    except UnicodeDecodeError as error:
        raise BakingError("Only UTF-8 SVG is read.") from error
    declared = _XML_DECLARATION.match(document[text_start:])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise BakingError("Only UTF-8 SVG is read.")
    # Refused before parsing: a DOCTYPE is how entities (billion laughs, external files) get in.
    if b"<!DOCTYPE" in document or b"<!ENTITY" in document:
        raise BakingError("An SVG with a DOCTYPE is refused.")

    scan = _SvgScan()
    parser = expat.ParserCreate(encoding="utf-8", namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0
    capture: dict | None = None

    def refuse(*_args) -> None:
        raise BakingError("An SVG with a DOCTYPE or entities is refused.")

    def start(name: str, attributes: dict) -> None:
        nonlocal depth, capture
        position = parser.CurrentByteIndex
        depth += 1
        namespace, _, local = name.rpartition(" ")
        if depth == 1:
            if local != "svg" or namespace not in (SVG_NAMESPACE, ""):
                raise _NotSvg(name)
            scan.root_start = position
            scan.root_end = _tag_end(document, position)
            return
        # Read at any depth: some issuers put it inside <metadata>, not right after <svg>.
        if capture is None and local == "assertion" and namespace in OPENBADGES_SVG_NAMESPACES:
            start_tag_end = _tag_end(document, position)
            capture = {
                "start": position, "depth": depth, "verify": attributes.get("verify", ""),
                "text": [],
                # An empty-element tag (<x/>) is the whole element.
                "empty_end": start_tag_end if document[:start_tag_end].endswith(b"/>") else None,
            }

    def end(name: str) -> None:
        nonlocal depth, capture
        closing = depth
        depth -= 1
        if capture is not None and closing == capture["depth"]:
            # At an end tag expat points at its "<"; after an empty-element tag, past its ">".
            element_end = capture["empty_end"] or _tag_end(document, parser.CurrentByteIndex)
            scan.assertions.append((capture["start"], element_end))
            if scan.first_payload is None:
                body = "".join(capture["text"]).strip()
                scan.first_payload = body or capture["verify"].strip() or None
            capture = None

    def characters(data: str) -> None:
        if capture is not None:
            capture["text"].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(document, True)
    except expat.ExpatError as error:
        if scan.root_end is None:  # not even a root element: not XML at all
            raise _NotSvg(str(error)) from error
        raise BakingError(f"The SVG is not well-formed XML ({error}).") from error
    return scan


def _tag_end(document: bytes, start: int) -> int:
    """The offset just past the tag starting at `start` (a '>' outside quoted values)."""
    quote = None
    for index in range(start, len(document)):
        byte = document[index : index + 1]
        if quote:
            if byte == quote:
                quote = None
        elif byte in (b'"', b"'"):
            quote = byte
        elif byte == b">":
            return index + 1
    raise BakingError("The SVG ends inside a tag.")


_OPENBADGES_XMLNS = re.compile(r"""\sxmlns:openbadges\s*=\s*("[^"]*"|'[^']*')""")


def _with_openbadges_namespace(root_tag: str) -> str:
    if root_tag.endswith("/>"):
        raise BakingError("The SVG has no content to bake into.")
    declaration = f' xmlns:openbadges="{OPENBADGES_SVG_NAMESPACE}"'
    if _OPENBADGES_XMLNS.search(root_tag):
        return _OPENBADGES_XMLNS.sub(declaration, root_tag, count=1)
    name_end = re.match(r"<[^\s/>]+", root_tag).end()
    return root_tag[:name_end] + declaration + root_tag[name_end:]
