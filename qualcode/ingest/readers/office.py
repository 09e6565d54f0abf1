"""Word (.docx), OpenDocument (.odt) and RTF readers.

.docx and .odt files are zip archives: :func:`_open_zip` checks that the file is one, that it is intact,
that it holds the expected XML part and that it is no zip bomb (its declared sizes are bounded, and
:mod:`zipfile` never inflates a member beyond its declared size) before the format library parses it.
Body paragraphs, headings and table rows come out in document order, one block each.
"""

from __future__ import annotations

import codecs
import re
import xml.sax
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml import etree
from odf import opendocument
from striprtf.striprtf import rtf_to_text

from qualcode.model.errors import CorruptFileError, EmptyFileError
from qualcode.model.transcript import Block, RawDocument

__all__ = ["read_docx", "read_odt", "read_rtf"]

MAX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_RATIO = 100
_RATIO_MIN_SIZE = 10 * 1024 * 1024
_SPEAKER_CELL_MAX = 40
_HEADING_STYLE = re.compile(
    r"^(?:heading|titre|überschrift|titolo|título|encabezado|kop)\s*(\d)$", re.IGNORECASE
)
_TITLE_STYLES = {"title", "titre", "titel", "titolo", "título"}
_BROKEN = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, etree.XMLSyntaxError)


def _open_zip(path: Path, kind: str, member: str, resave: str) -> None:
    """Check that ``path`` is an intact zip archive holding ``member``, and no zip bomb."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        raise EmptyFileError(path, "is empty.", "Check that you exported the right file.")
    if not head.startswith(b"PK"):
        raise CorruptFileError(path, f"is not {_article(kind)} {kind} file: it is not a zip archive.", resave)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise CorruptFileError(
            path, f"is not a valid {kind} file (the zip archive is damaged or truncated: {exc}).", resave
        ) from exc
    if member not in {info.filename for info in infos}:
        raise CorruptFileError(
            path, f"is a zip archive but not {_article(kind)} {kind} file: it has no {member}.", resave
        )
    _check_sizes(path, infos)


def _article(kind: str) -> str:
    return "an" if kind[0] in "AEIOU" else "a"


def _check_sizes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    hint = "Refusing to unpack it: check where the file comes from, then open and re-save it."
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED:
        raise CorruptFileError(
            path,
            f"unpacks to {total / 2**20:.0f} MB (limit {MAX_UNCOMPRESSED // 2**20} MB): a zip bomb?",
            hint,
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_MIN_SIZE and ratio > MAX_RATIO:
            raise CorruptFileError(
                path,
                f"has a member {info.filename!r} compressed {ratio:.0f}:1 (limit {MAX_RATIO}:1): a zip bomb?",
                hint,
            )


def _short_speaker(text: str) -> bool:
    return 0 < len(text) <= _SPEAKER_CELL_MAX and not any(c in text for c in ".?!")


def _row_text(cells: list[str]) -> str:
    """A table row as one line: ``"Speaker: text"`` for 2-cell speaker rows, else cells joined by ``|``."""
    cells = [c.strip() for c in cells if c.strip()]
    if len(cells) == 2 and _short_speaker(cells[0].rstrip(":").strip()):
        return f"{cells[0].rstrip(':').strip()}: {cells[1]}"
    return " | ".join(cells)


# --- .docx ------------------------------------------------------------------------------------------------

_DOCX_RESAVE = (
    "If it is an old .doc file (or another format renamed), open it in Word or LibreOffice "
    "and save it as .docx."
)
W_P, W_TBL, W_SDT, W_TR, W_TC = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:tr"), qn("w:tc")
_SKIP = {qn("w:del"), qn("w:moveFrom"), qn("w:instrText"), qn("w:txbxContent"), qn("w:pPr"), qn("w:rPr")}
_SKIP.add("{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback")
_INLINE = {qn("w:tab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}


def read_docx(path: Path) -> RawDocument:
    """Read a Word .docx file: headings, paragraphs and table rows in document order."""
    path = Path(path)
    _open_zip(path, "Word .docx", "word/document.xml", _DOCX_RESAVE)
    try:
        document = docx.Document(str(path))
        blocks = list(_docx_blocks(document, document.element.body))
    except _BROKEN as exc:
        raise CorruptFileError(path, f"is not a valid Word .docx file ({exc}).", _DOCX_RESAVE) from exc
    raw = RawDocument(blocks=blocks, format="docx")
    properties = _docx_properties(document)
    if properties:
        raw.metadata["properties"] = properties
    return raw


def _docx_blocks(document: DocxDocument, parent: Any) -> Iterator[Block]:
    for child in parent.iterchildren():
        if child.tag == W_P:
            text = _docx_text(child)  # an empty paragraph needs no python-docx object (1.65 M of them took 128 s)
            yield _docx_paragraph(Paragraph(child, document), text) if text.strip() else Block(text, kind="paragraph")
        elif child.tag == W_TBL:
            yield from _docx_table(child)
        elif child.tag == W_SDT and not _is_table_of_contents(child):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _docx_blocks(document, content)


def _is_table_of_contents(sdt: Any) -> bool:
    """Whether a content control holds a table of contents (it repeats the headings)."""
    gallery = sdt.find(f"{qn('w:sdtPr')}/{qn('w:docPartObj')}/{qn('w:docPartGallery')}")
    return gallery is not None and gallery.get(qn("w:val"), "").startswith("Table of Contents")


def _docx_paragraph(paragraph: Paragraph, text: str) -> Block:
    level = _docx_heading_level(paragraph)
    if level is not None and text.strip():
        return Block(text, kind="heading", level=level)
    return Block(text, kind="paragraph")


def _docx_text(element: Any) -> str:
    """The text of a paragraph element: runs, hyperlinks and insertions; tabs and line breaks kept."""
    parts: list[str] = []
    for child in element.iterchildren():
        if child.tag in _SKIP or not isinstance(child.tag, str):
            continue
        if child.tag == qn("w:t"):
            parts.append(child.text or "")
        elif child.tag in _INLINE:
            parts.append(_INLINE[child.tag])
        else:
            parts.append(_docx_text(child))
    return "".join(parts)


def _docx_heading_level(paragraph: Paragraph) -> int | None:
    outline = _outline_level(paragraph._p)
    if outline is not None:
        return outline
    style = paragraph.style
    name = (style.name or "").strip() if style is not None else ""
    match = _HEADING_STYLE.match(name)
    if match:
        return int(match.group(1))
    if name.lower() in _TITLE_STYLES:
        return 1
    return _outline_level(style.element) if style is not None else None


def _outline_level(element: Any) -> int | None:
    """The 1-based outline level set on a paragraph or style (``w:outlineLvl``; 9 means body text)."""
    found = element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
    if found is None:
        return None
    value = int(found.get(qn("w:val"), "9"))
    return value + 1 if value < 9 else None


def _docx_table(table: Any) -> Iterator[Block]:
    for row in table.iter(W_TR):
        cells = [_docx_cell(tc) for tc in row.iterchildren(W_TC)]
        text = _row_text(cells)
        if text:
            yield Block(text, kind="paragraph")


def _docx_cell(tc: Any) -> str:
    return "\n".join(_docx_text(p) for p in tc.iterchildren(W_P)).strip()


def _docx_properties(document: DocxDocument) -> dict[str, str]:
    core = document.core_properties
    values = {"title": core.title, "author": core.author, "created": core.created}
    return {
        key: str(value.isoformat() if hasattr(value, "isoformat") else value).strip()
        for key, value in values.items()
        if value and str(value).strip()
    }


# --- .odt -------------------------------------------------------------------------------------------------

_ODT_RESAVE = "Open it in LibreOffice or Word and save it again as .odt."
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODT_SKIP = {(TEXT_NS, "note"), ("urn:oasis:names:tc:opendocument:xmlns:office:1.0", "annotation")}
_ODT_CONTAINERS = {(TEXT_NS, n) for n in ("list", "list-item", "list-header", "section")}
_ODT_ROWS = {(TABLE_NS, n) for n in ("table-header-rows", "table-rows", "table-row-group")}


def read_odt(path: Path) -> RawDocument:
    """Read an OpenDocument .odt file: headings, paragraphs (also in lists) and table rows in order."""
    path = Path(path)
    _open_zip(path, "OpenDocument .odt", "content.xml", _ODT_RESAVE)
    try:
        document = opendocument.load(str(path))
        if not document.mimetype.startswith("application/vnd.oasis.opendocument.text"):
            raise CorruptFileError(
                path, f"is not an OpenDocument text file (its type is {document.mimetype!r}).", _ODT_RESAVE
            )
        blocks = list(_odt_blocks(document.text))
    except (*_BROKEN, xml.sax.SAXException, AttributeError) as exc:
        raise CorruptFileError(path, f"is not a valid OpenDocument .odt file ({exc}).", _ODT_RESAVE) from exc
    return RawDocument(blocks=blocks, format="odt")


def _odt_blocks(parent: Any) -> Iterator[Block]:
    for child in parent.childNodes:
        qname = getattr(child, "qname", None)
        if qname == (TEXT_NS, "h"):
            yield Block(_odt_text(child), kind="heading", level=_bounded(child.getAttribute("outlinelevel"), 10))
        elif qname == (TEXT_NS, "p"):
            yield Block(_odt_text(child), kind="paragraph")
        elif qname in _ODT_CONTAINERS:
            yield from _odt_blocks(child)
        elif qname == (TABLE_NS, "table"):
            yield from _odt_table(child)


def _odt_text(element: Any) -> str:
    """The text of a paragraph: ``text:s`` as spaces, ``text:tab`` as tab, ``text:line-break`` as newline."""
    parts: list[str] = []
    for child in element.childNodes:
        if child.nodeType == child.TEXT_NODE:
            parts.append(child.data)
            continue
        qname = child.qname
        if qname == (TEXT_NS, "s"):
            parts.append(" " * _space_count(child.getAttribute("c")))
        elif qname == (TEXT_NS, "tab"):
            parts.append("\t")
        elif qname == (TEXT_NS, "line-break"):
            parts.append("\n")
        elif qname not in _ODT_SKIP:
            parts.append(_odt_text(child))
    return "".join(parts)


_MAX_SPACES = 100  # a text:s element's spaces: whitespace only, so a stated count of billions means nothing


def _space_count(value: Any) -> int:
    """The spaces of ``<text:s text:c="N"/>``, at most :data:`_MAX_SPACES` (a 719-byte file stating two billion
    spaces made 3.9 GB); 1 when the count is missing or not a number."""
    return _bounded(value, _MAX_SPACES)


def _bounded(value: Any, most: int) -> int:
    """A count or level an .odt states, between 1 and ``most``; 1 when missing, not a number, or of more digits
    than Python reads (a heading level ``x`` or of 5,000 digits refused the whole file): the text is kept."""
    text = str(value or "1").strip()
    if not (text.isascii() and text.lstrip("+-").isdigit()) or len(text) > 20:
        return most if text.isascii() and text.isdigit() else 1
    return max(1, min(int(text), most))


def _odt_table(table: Any) -> Iterator[Block]:
    for child in table.childNodes:
        qname = getattr(child, "qname", None)
        if qname in _ODT_ROWS:
            yield from _odt_table(child)
        elif qname == (TABLE_NS, "table-row"):
            cells = [
                _odt_cell(c)
                for c in child.childNodes
                if getattr(c, "qname", None) == (TABLE_NS, "table-cell")
            ]
            text = _row_text(cells)
            if text:
                yield Block(text, kind="paragraph")


def _odt_cell(cell: Any) -> str:
    return "\n".join(b.text for b in _odt_blocks(cell)).strip()


# --- .rtf -------------------------------------------------------------------------------------------------

_RTF_RESAVE = "Open it in Word or LibreOffice and save it again as .rtf, or as .docx."
_ANSICPG = re.compile(rb"\\ansicpg(\d+)")


def read_rtf(path: Path) -> RawDocument:
    """Read an RTF file as one text block, decoding ``\\'xx`` escapes with the file's code page."""
    path = Path(path)
    data = Path(path).read_bytes()
    if not data.strip():
        raise EmptyFileError(path, "is empty.", "Check that you exported the right file.")
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        raise CorruptFileError(path, "is not an RTF file: it does not start with '{\\rtf'.", _RTF_RESAVE)
    encoding = _rtf_encoding(data)
    warnings: list[str] = []
    source = data.decode(encoding, errors="replace")
    try:
        text = rtf_to_text(source, encoding=encoding, errors="strict")
    except UnicodeDecodeError:
        text = rtf_to_text(source, encoding=encoding, errors="replace")
        warnings.append(
            f"Some characters are not valid in the file's code page ({encoding}) and were replaced."
        )
    except (ValueError, IndexError) as exc:
        raise CorruptFileError(path, f"is not a valid RTF file ({exc}).", _RTF_RESAVE) from exc
    if not text.strip():
        raise EmptyFileError(path, "holds no text.", "Check that you exported the right file.")
    return RawDocument(blocks=[Block(text, kind="text")], format="rtf", encoding=encoding, warnings=warnings)


def _rtf_encoding(data: bytes) -> str:
    """The ``\\ansicpg`` code page of an RTF file as a Python codec name, else cp1252."""
    match = _ANSICPG.search(data[:4096])
    if match:
        name = f"cp{int(match.group(1))}"
        try:
            return codecs.lookup(name).name.replace("_", "-")
        except LookupError:
            pass
    return "cp1252"
