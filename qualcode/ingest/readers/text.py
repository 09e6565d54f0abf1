"""Plain-text and Markdown readers, and the byte decoding shared by every text-based format.

:func:`decode_bytes` turns a file's bytes into text and names the encoding it used: a byte-order mark
wins, then strict UTF-8, then UTF-16 without BOM (seen from its NUL bytes), then, once binary content is
ruled out, charset-normalizer for non-Latin scripts, Mac Roman for text that only reads as words that way
(old Mac exports, with a warning) and Windows-1252 for everything else (the usual encoding of French text
exported on Windows; Latin-1 files decode the same).

Damaged text is read rather than refused, with a warning: a file that mixes UTF-8 with another encoding
(two exports pasted together) is read as UTF-8 with its stray bytes read as Windows-1252; lone surrogates
(UTF-8 written by Java, a UTF-16 emoji cut in half) and NUL bytes (a half-synced cloud file) are kept here
and replaced or dropped, and counted, by :func:`qualcode.ingest.normalize.normalize_text`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from charset_normalizer import from_bytes
from markdown_it import MarkdownIt
from markdown_it.token import Token

from qualcode.model.errors import BinaryFileError, DecodingError, EmptyFileError
from qualcode.model.transcript import Block, RawDocument

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
    (b"SQLite format 3\x00", "an SQLite database (a qualcode project?)"),
    (b"ID3\x02\x00", "an MP3 audio file"),
    (b"ID3\x03\x00", "an MP3 audio file"),
    (b"ID3\x04\x00", "an MP3 audio file"),
    (b"OggS\x00", "an Ogg audio file"),
    (b"fLaC\x00", "a FLAC audio file"),
)
_SAMPLE = 4096
_MAX_CONTROL_SHARE = 0.05
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # Unicode's Cc, less tab, line feed... carriage return
_NON_LATIN_RUN = 2.5  # mean length of runs of non-ASCII bytes from which text is not in a Latin script
_MULTI_BYTE_RUN = 2.0
_MULTI_BYTE = ("utf", "gb", "big5", "shift_jis", "cp932", "cp936", "cp949", "cp950", "euc", "iso2022", "hz")
_RESAVE = "Open it in a text editor and save it as UTF-8."
_MAX_NUL_SHARE = 0.01  # NUL bytes inside text (not as a trailing block) beyond which a file is binary
# One valid UTF-8 sequence of two to four bytes (no encoded surrogates), and encoded surrogates alone.
_UTF8_MULTI = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_UTF8_RUN = re.compile(rb"(?:[\x00-\x7f]|" + _UTF8_MULTI.pattern + rb")+")
_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")


def decode_bytes(data: bytes, path: str | Path, warnings: list[str] | None = None) -> tuple[str, str]:
    """Decode a text file's bytes.

    Parameters
    ----------
    data : the file's content.
    path : the file's path, for error messages.
    warnings : a list to which what the reader should know is appended (bytes read with a guessed
        encoding or replaced); NUL bytes and lone surrogates are left in the text for
        :func:`qualcode.ingest.normalize.normalize_text` to drop or replace, and count.

    Returns
    -------
    (text, encoding) : the decoded text, without BOM, and the lower-case Python codec name used
    (``"utf-8+cp1252"`` for UTF-8 mixed with Windows-1252).
    """
    warnings = [] if warnings is None else warnings
    if not data:
        raise EmptyFileError(path, "is empty.", "Check that you exported the right file.")
    if not data.strip():
        raise EmptyFileError(path, "holds only whitespace.", "Check that you exported the right file.")
    if not data.replace(b"\x00", b"").strip():
        raise EmptyFileError(
            path,
            "holds only NUL bytes, no text.",
            "It was probably never fully downloaded or synced: sync the folder again, or restore the file.",
        )
    text, encoding = _decode(data, path, warnings)
    if not text.replace("\x00", "").strip():
        raise EmptyFileError(path, "holds only whitespace.", "Check that you exported the right file.")
    _check_controls(text, path)
    return text, encoding


def _decode(data: bytes, path: str | Path, warnings: list[str]) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _lenient(data[len(bom) :], encoding, warnings), encoding
    _check_magic(data, path)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _lenient(data, utf16, warnings), utf16
    inner = data.rstrip(b"\x00")
    if inner.count(0) > _MAX_NUL_SHARE * len(inner):
        raise _binary(path, "holds binary data (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _guess(data, path, warnings)


def _lenient(data: bytes, encoding: str, warnings: list[str]) -> str:
    """``data`` in ``encoding`` (whose byte-order mark or NUL bytes were seen), damaged parts included.

    Lone surrogates are kept (normalisation replaces and counts them); anything else that does not decode
    (an odd last byte of UTF-16 cut short) is replaced with U+FFFD, with a warning.
    """
    try:
        return _join_surrogates(data.decode(encoding, "surrogatepass"))
    except UnicodeDecodeError:
        if encoding == "utf-8-sig":
            return _utf8_mixed(data, _stray_bytes(data), warnings)
        text = _join_surrogates(data.decode(encoding, "replace"))
        bad = text.count("\ufffd") - _join_surrogates(data.decode(encoding, "ignore")).count("\ufffd")
        warnings.append(f"{bad} invalid {encoding} byte sequence(s) (a file cut short?) were replaced with "
                        "U+FFFD.")
        return text


def _join_surrogates(text: str) -> str:
    """Surrogate pairs decoded one half at a time (from UTF-8 as Java writes it) joined into characters."""
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


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
    """'utf-16-le' or 'utf-16-be' when most of every other byte is NUL, as in Latin-script UTF-16 text.

    The other half may hold a few NULs too: U+0100 (Ā), U+0200... have a NUL low byte, and a short text
    with one of them must still be seen as UTF-16 (the decoded text is checked for control characters).
    """
    sample = data[:_SAMPLE]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.5 and odd_nul - even_nul > 0.4:
        return "utf-16-le"
    if even_nul > 0.5 and even_nul - odd_nul > 0.4:
        return "utf-16-be"
    return None


def _guess(data: bytes, path: str | Path, warnings: list[str]) -> tuple[str, str]:
    """Non-UTF-8 text: UTF-8 with surrogates or mixed with Windows-1252, charset-normalizer for non-Latin
    scripts, Windows-1252 for the rest.

    Accented Latin letters come alone between ASCII letters (``élève``); the bytes of CJK or
    Cyrillic text come in runs, which is when charset-normalizer's guess is trusted.
    """
    stray = _stray_bytes(data)
    if all(_SURROGATE.fullmatch(chunk) for chunk in stray):
        return _join_surrogates(data.decode("utf-8", "surrogatepass")), "utf-8"
    best = from_bytes(data).best()
    if best is not None:
        run = _mean_non_ascii_run(data)
        if run >= (_MULTI_BYTE_RUN if _is_multi_byte(best.encoding) else _NON_LATIN_RUN):
            return _decode_as(data, best.encoding, path)
    if _mostly_utf8(data):
        return _utf8_mixed(data, stray, warnings), "utf-8+cp1252"
    if _is_mac_roman(data):
        warnings.append(
            f"{Path(path).name}: read as Mac Roman (the encoding of old Mac exports): its accented letters "
            "read as French or English words only that way; check them, and save the file as UTF-8."
        )
        return data.decode("mac_roman"), "mac-roman"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        if best is not None and best.coherence > 0:
            return _decode_as(data, best.encoding, path)
        raise DecodingError(
            path, f"is not UTF-8 and could not be decoded in any known encoding (byte {exc.start}).", _RESAVE
        ) from exc


# Lower-case accented letters and typographic punctuation of French and English text: in the right
# encoding they stand inside words (``élève``) or between words (``l’école``, ``« oui »``).
_LATIN_LETTERS = "àâäçéèêëîïôöùûüÿœæñ"
_PUNCTUATION = "’‘“”«»–—…"


def _plausible(text: str) -> int:
    """How many of ``text``'s non-ASCII characters are accented letters within words or typographic
    punctuation between them."""
    count = 0
    for match in re.finditer(r"[^\x00-\x7f]", text):
        char, i = match.group(), match.start()
        before, after = text[i - 1 : i], text[i + 1 : i + 2]
        if char in _PUNCTUATION or (char in _LATIN_LETTERS and (before.isalpha() or after.isalpha())):
            count += 1
    return count


def _is_mac_roman(data: bytes) -> bool:
    """Whether non-UTF-8 Latin text reads far better as Mac Roman than as Windows-1252: on Mac Roman
    bytes, Windows-1252 gives ``Ž``, ``ˆ``, ``Õ`` or undefined bytes where Mac Roman gives ``é``, ``à``, ``’``."""
    sample = data[: _SAMPLE * 16]
    mac = _plausible(sample.decode("mac_roman"))
    windows = _plausible(sample.decode("cp1252", "replace"))
    return mac >= 3 and mac > 2 * windows


def _stray_bytes(data: bytes) -> list[bytes]:
    """The runs of bytes of ``data`` that are not valid UTF-8."""
    return [chunk for chunk in _UTF8_RUN.split(data) if chunk]


def _mostly_utf8(data: bytes) -> bool:
    """Whether non-UTF-8 ``data`` still holds UTF-8 text: accented letters and typographic punctuation.

    In Windows-1252 text, byte pairs that happen to be valid UTF-8 decode to rarer characters (``É`` and a
    no-break space make U+0260), so only the characters of a Western UTF-8 text count.
    """
    decoded = [m.group().decode("utf-8") for m in _UTF8_MULTI.finditer(data)]
    western = sum(1 for c in decoded if "\xa0" <= c <= "\u024f" or "\u2000" <= c <= "\u20cf")
    return western >= 1 and western >= 0.5 * len(decoded)


def _utf8_mixed(data: bytes, stray: list[bytes], warnings: list[str]) -> str:
    """UTF-8 whose stray bytes are read as Windows-1252 (U+FFFD where that fails too), with a warning."""
    parts = _UTF8_RUN.split(data)
    runs = [m.group() for m in _UTF8_RUN.finditer(data)]
    text = "".join(
        chunk.decode("cp1252", "replace") + (runs[i].decode("utf-8") if i < len(runs) else "")
        for i, chunk in enumerate(parts)
    )
    count = sum(map(len, stray))
    replaced = sum(chunk.decode("cp1252", "replace").count("\ufffd") for chunk in stray)
    warnings.append(
        f"the file mixes encodings: {count} byte(s) that are not valid UTF-8 were read as Windows-1252"
        + (f" ({replaced} of them, undefined there too, replaced with U+FFFD)" if replaced else "")
        + "; check the accented letters there, and save the file as UTF-8."
    )
    return text


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
    sample = text[:_SAMPLE].replace("\x00", "")
    if not sample:
        return
    controls = len(_CONTROLS.findall(sample))
    if controls / len(sample) > _MAX_CONTROL_SHARE:
        raise _binary(path, "holds binary data (many control characters), not text")


def read_txt(path: Path) -> RawDocument:
    """Read a plain-text file as one text block."""
    warnings: list[str] = []
    text, encoding = decode_bytes(Path(path).read_bytes(), path, warnings)
    return RawDocument(blocks=[Block(text, kind="text")], format="txt", encoding=encoding, warnings=warnings)


# --- Markdown -------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def read_md(path: Path) -> RawDocument:
    """Read a Markdown file: front matter into metadata, headings and paragraphs as blocks."""
    warnings: list[str] = []
    text, encoding = decode_bytes(Path(path).read_bytes(), path, warnings)
    doc = RawDocument(blocks=[], format="md", encoding=encoding, warnings=warnings)
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
