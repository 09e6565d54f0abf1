"""Plain-text and Markdown readers, and the byte decoding shared by every text-based format.

:func:`decode_bytes` turns a file's bytes into text and names the encoding it used: a byte-order mark
wins, then strict UTF-8, then UTF-16 without BOM (seen from its NUL bytes), then, once binary content is
ruled out, charset-normalizer for non-Latin scripts and Windows-1252 for everything else (the usual
encoding of French text exported on Windows; Latin-1 files decode the same).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from charset_normalizer import from_bytes
from markdown_it import MarkdownIt
from markdown_it.token import Token

from qualcode.errors import BinaryFileError, DecodingError, EmptyFileError
from qualcode.transcript import Block, RawDocument

__all__ = ["decode_bytes", "read_md", "read_txt"]

_BOMS = (  # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a zip archive (a .docx, .odt or .zip file?)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (.doc, .xls)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"ID3\x02\x00", "an MP3 audio file"),
    (b"ID3\x03\x00", "an MP3 audio file"),
    (b"ID3\x04\x00", "an MP3 audio file"),
    (b"OggS\x00", "an Ogg audio file"),
    (b"fLaC\x00", "a FLAC audio file"),
)
_SAMPLE = 4096
_MAX_CONTROL_SHARE = 0.05
_NON_LATIN_RUN = 2.5  # mean length of runs of non-ASCII bytes from which text is not in a Latin script
_MULTI_BYTE_RUN = 2.0
_MULTI_BYTE = ("utf", "gb", "big5", "shift_jis", "cp932", "cp936", "cp949", "cp950", "euc", "iso2022", "hz")
_RESAVE = "Open it in a text editor and save it as UTF-8."


def decode_bytes(data: bytes, path: str | Path) -> tuple[str, str]:
    """Decode a text file's bytes.

    Parameters
    ----------
    data : the file's content.
    path : the file's path, for error messages.

    Returns
    -------
    (text, encoding) : the decoded text, without BOM, and the lower-case Python codec name used.
    """
    if not data:
        raise EmptyFileError(path, "is empty.", "Check that you exported the right file.")
    if not data.strip():
        raise EmptyFileError(path, "holds only whitespace.", "Check that you exported the right file.")
    text, encoding = _decode(data, path)
    if not text.strip():
        raise EmptyFileError(path, "holds only whitespace.", "Check that you exported the right file.")
    _check_controls(text, path)
    return text, encoding


def _decode(data: bytes, path: str | Path) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom) :], encoding, path), encoding
    _check_magic(data, path)
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise _binary(path, "holds binary data (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _guess(data, path)


def _strict(data: bytes, encoding: str, path: str | Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DecodingError(
            path,
            f"starts with a {encoding} byte-order mark but is not valid {encoding} ({exc.reason}).",
            _RESAVE,
        ) from exc


def _check_magic(data: bytes, path: str | Path) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise _binary(path, f"is not a text file: it looks like {what}")
    if data[4:8] == b"ftyp":
        raise _binary(path, "is not a text file: it looks like an MP4/M4A media file")
    if data.startswith(b"RIFF") and data[8:12] in (b"WAVE", b"AVI "):
        raise _binary(path, "is not a text file: it looks like a WAV/AVI media file")


def _binary(path: str | Path, problem: str) -> BinaryFileError:
    hint = "Check that this is the transcript; export it as text, or give it the suffix of its real format."
    return BinaryFileError(path, f"{problem}.", hint)


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when every other byte is NUL, as in ASCII-range UTF-16 text."""
    sample = data[:_SAMPLE]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.7 and even_nul < 0.1:
        return "utf-16-le"
    if even_nul > 0.7 and odd_nul < 0.1:
        return "utf-16-be"
    return None


def _guess(data: bytes, path: str | Path) -> tuple[str, str]:
    """Non-UTF-8 text: charset-normalizer for non-Latin scripts, Windows-1252 for the rest.

    Accented Latin letters come alone between ASCII letters (``élève``); the bytes of CJK or
    Cyrillic text come in runs, which is when charset-normalizer's guess is trusted.
    """
    best = from_bytes(data).best()
    if best is not None:
        run = _mean_non_ascii_run(data)
        if run >= (_MULTI_BYTE_RUN if _is_multi_byte(best.encoding) else _NON_LATIN_RUN):
            return _decode_as(data, best.encoding, path)
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        if best is not None and best.coherence > 0:
            return _decode_as(data, best.encoding, path)
        raise DecodingError(
            path, f"is not UTF-8 and could not be decoded in any known encoding (byte {exc.start}).", _RESAVE
        ) from exc


def _is_multi_byte(encoding: str) -> bool:
    return encoding.lower().replace("-", "_").startswith(_MULTI_BYTE)


def _mean_non_ascii_run(data: bytes) -> float:
    runs = re.findall(rb"[\x80-\xff]+", data[: _SAMPLE * 4])
    return sum(map(len, runs)) / len(runs) if runs else 0.0


def _decode_as(data: bytes, encoding: str, path: str | Path) -> tuple[str, str]:
    try:
        return data.decode(encoding), codecs.lookup(encoding).name.replace("_", "-")
    except (UnicodeDecodeError, LookupError) as exc:
        raise DecodingError(path, "could not be decoded in any known encoding.", _RESAVE) from exc


def _check_controls(text: str, path: str | Path) -> None:
    sample = text[:_SAMPLE]
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    if controls / len(sample) > _MAX_CONTROL_SHARE:
        raise _binary(path, "holds binary data (many control characters), not text")


def read_txt(path: Path) -> RawDocument:
    """Read a plain-text file as one text block."""
    text, encoding = decode_bytes(Path(path).read_bytes(), path)
    return RawDocument(blocks=[Block(text, kind="text")], format="txt", encoding=encoding)


# --- Markdown -------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def read_md(path: Path) -> RawDocument:
    """Read a Markdown file: front matter into metadata, headings and paragraphs as blocks."""
    text, encoding = decode_bytes(Path(path).read_bytes(), path)
    doc = RawDocument(blocks=[], format="md", encoding=encoding)
    body = _front_matter(text, doc)
    doc.blocks.extend(_markdown_blocks(body))
    return doc


def _front_matter(text: str, doc: RawDocument) -> str:
    """Parse YAML front matter into ``doc.metadata``; return the text after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return text
    raw = match.group(1)
    try:
        data: Any = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        return _front_matter_as_text(raw, text[match.end() :], doc, f"is not valid YAML{where}")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return _front_matter_as_text(raw, text[match.end() :], doc, "is not a YAML mapping of keys to values")
    doc.metadata["front_matter"] = _plain_values(data)
    return text[match.end() :]


def _plain_values(value: Any) -> Any:
    """YAML dates and times as ISO strings, so metadata stays JSON-friendly."""
    if isinstance(value, dict):
        return {str(k): _plain_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_values(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _front_matter_as_text(raw: str, body: str, doc: RawDocument, problem: str) -> str:
    doc.warnings.append(f"The front matter {problem}; it is kept as text.")
    if raw.strip():
        doc.blocks.append(Block(raw.strip(), kind="paragraph"))
    return body


def _markdown_blocks(text: str) -> Iterator[Block]:
    tokens = _MD.parse(text)
    row: list[str] | None = None
    level: int | None = None
    for token in tokens:
        if token.type == "heading_open":
            level = int(token.tag[1:])
        elif token.type == "heading_close":
            level = None
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            yield Block(" | ".join(row), kind="paragraph")
            row = None
        elif token.type == "inline":
            yield from _inline_blocks(token, level, row)
        elif token.type in ("fence", "code_block"):
            yield Block(token.content.rstrip("\n"), kind="paragraph")
        elif token.type == "html_block":
            html = _HTML_TAG.sub("", _HTML_COMMENT.sub("", token.content)).strip()
            if html:
                yield Block(html, kind="paragraph")


def _inline_blocks(token: Token, level: int | None, row: list[str] | None) -> Iterator[Block]:
    lines = _inline_lines(token.children or [])
    if row is not None:
        row.append(" ".join(lines).strip())
    elif level is not None:
        yield Block(" ".join(lines).strip(), kind="heading", level=level)
    else:
        for line in lines:
            if line.strip():
                yield Block(line.strip(), kind="paragraph")


def _inline_lines(children: list[Token]) -> list[str]:
    """The text of inline tokens, split at hard line breaks."""
    lines = [""]
    for child in children:
        if child.type == "hardbreak":
            lines.append("")
        elif child.type == "softbreak":
            lines[-1] += " "
        elif child.type in ("text", "code_inline", "text_special"):
            lines[-1] += child.content
        elif child.type == "image":
            lines[-1] += " ".join(_inline_lines(child.children or []))
    return lines
