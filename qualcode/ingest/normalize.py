"""Text normalisation shared by readers and the structure step.

:func:`normalize_text` makes every transcript look the same whatever produced it: NFC, ``\\n`` line
endings, plain spaces, no invisible characters, no trailing spaces, no converter artefacts, at most one
blank line in a row. Apostrophes and quotation marks are kept exactly as written. It is idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from itertools import pairwise
from typing import Any

__all__ = [
    "clean_text",
    "describe_repairs",
    "is_hard_wrapped",
    "join_lines",
    "normalize_text",
    "remove_artefacts",
    "repair_mojibake",
]

_HYPHENATED = re.compile(r"\w-$")

# Every character Python counts as whitespace becomes "\n", " " or stays a tab.
_LINE_BREAKS = "\x0b\x0c\r\x1c\x1d\x1e\x85\u2028\u2029"
_SPACES = "\x1f\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
# Invisible characters: zero-width space, word joiner, BOM, Mongolian vowel separator, soft hyphen and the
# object replacement character that macOS textutil leaves for images.
_INVISIBLE = "\u200b\u2060\ufeff\u180e\xad\ufffc"
_CONTROLS = re.compile(r"[\x01-\x08\x0e-\x1b\x7f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Regular expressions rather than str.translate: they are much faster on text that needs few changes.
_REPLACEMENTS = [
    (re.compile("\r\n"), "\n"),
    (re.compile(f"[{_LINE_BREAKS}]"), "\n"),
    (re.compile(f"[{_SPACES}]"), " "),
    (re.compile(f"[{_INVISIBLE}]"), ""),
]

# Conversion artefacts: Apache Tika's ``[bookmark: _GoBack]`` and ``[image: alt]``, antiword's ``[pic]``,
# pandoc's empty anchors (``[]{#_GoBack .anchor}``, ``<span id="_GoBack" class="anchor"></span>``) and
# docx2python's ``----media/image1.png----``.
_ARTEFACTS = re.compile(
    r"\[(?:bookmark|image|img|picture|pic|graphic)(?::[^\]\n]{0,300})?\]"
    r"|\[\]\{#[^}\n]{0,200}\}"
    r"|<span\s+id=\"[^\"\n]{0,200}\"\s+class=\"anchor\">\s*</span>"
    r"|----media/[^\s-][^\n]{0,200}?----",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")

_REPAIRS = {
    "nul": "dropped {n} NUL character(s): the file may be damaged or UTF-16 read as another encoding.",
    "surrogate": "replaced {n} lone surrogate(s) with U+FFFD: the text was not valid Unicode.",
    "control": "dropped {n} control character(s).",
    "mojibake": "repaired {n} line(s) of text encoded twice (UTF-8 read as Windows-1252 and saved again, as in "
                "'lâ€™Ã©cole' for 'l’école') with ftfy; check them, and save the file again as UTF-8.",
}


def remove_artefacts(text: str) -> str:
    """Remove the markers that docx-to-text converters leave in the text (bookmarks, images, anchors)."""
    while True:
        text, count = _ARTEFACTS.subn("", text)
        if not count:
            return text


def _repair(text: str, counts: Counter[str]) -> str:
    """Drop NUL and control characters and replace lone surrogates, counting each repair."""
    if "\x00" in text:
        counts["nul"] += text.count("\x00")
        text = text.replace("\x00", "")
    text, n = _CONTROLS.subn("", text)
    counts["control"] += n
    text, n = _SURROGATES.subn("\ufffd", text)
    counts["surrogate"] += n
    return text


def repair_mojibake(text: str, counts: Counter[str]) -> str:
    """Repair the lines of text encoded twice (UTF-8 read as Windows-1252 or Latin-1 and saved again:
    ``lâ€™Ã©cole`` -> ``l’école``) with ftfy, counting them as ``"mojibake"``.

    Only lines that ftfy's badness measure flags are touched, and only their encoding is fixed (quotes,
    ligatures and widths stay as written): linear in the text, and a no-op on clean text.
    """
    if text.isascii() or not _badness().is_bad(text):
        return text
    from ftfy import fix_encoding

    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not line.isascii() and _badness().is_bad(line):
            fixed = fix_encoding(line)
            if fixed != line:
                lines[i] = fixed
                counts["mojibake"] += 1
    return "\n".join(lines)


@lru_cache(maxsize=1)
def _badness() -> Any:
    from ftfy import badness

    return badness


def clean_text(text: str) -> tuple[str, Counter[str]]:
    """Normalise ``text`` and count the repairs that deserve a warning.

    Returns
    -------
    The normalised text, and a Counter of repairs (``"nul"``, ``"surrogate"``, ``"control"``,
    ``"mojibake"``).
    """
    counts: Counter[str] = Counter()
    text = _repair(text, counts)
    for regex, replacement in _REPLACEMENTS:
        text = regex.sub(replacement, text)
    if not unicodedata.is_normalized("NFC", text):  # ftfy judges composed text: the same before and after
        text = unicodedata.normalize("NFC", text)
    text = repair_mojibake(text, counts)  # after line breaks: ftfy would read U+0085 as Windows-1252's "…"
    text = remove_artefacts(text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _TRAILING.sub("", text)
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n"), +counts


def describe_repairs(counts: Counter[str], *, file: str | None = None) -> list[str]:
    """Turn the repair counts of :func:`clean_text` into warning messages (naming ``file`` where it is
    the file's own text, not its reading, that was repaired)."""
    named = {"mojibake": f"{file}: "} if file else {}
    return [named.get(key, "") + _REPAIRS[key].format(n=n) for key, n in counts.items() if n and key in _REPAIRS]


def normalize_text(text: str) -> tuple[str, list[str]]:
    """Normalise a transcript's text.

    NFC; ``\\r\\n``, ``\\r`` and the other line separators become ``\\n``; no-break and other special
    spaces become plain spaces; zero-width characters, BOMs and converter artefacts (``[bookmark: ...]``,
    ``[image: ...]``) are removed; trailing spaces and tabs are dropped; runs of blank lines shrink to
    one; leading and trailing blank lines go. NUL bytes are dropped and lone surrogates replaced by
    U+FFFD, with a warning.

    Returns
    -------
    The normalised text and a list of warnings.
    """
    text, counts = clean_text(text)
    return text, describe_repairs(counts)


def join_lines(lines: list[str]) -> str:
    """Re-join the lines of one hard-wrapped paragraph into a single line.

    Lines are stripped and joined with one space. A line ending in a hyphen after a letter is joined to
    the next without a space: the hyphen is dropped when the two halves make a known French or English
    word (``"pa-"`` + ``"rents"`` -> ``"parents"``), and kept otherwise (``"two-"`` + ``"way"`` ->
    ``"two-way"``, ``"socio-"`` + ``"éducatif"``).
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif _HYPHENATED.search(out):
            out = out[:-1] + line if _syllable_split(out, line) else out + line
        else:
            out = f"{out} {line}"
    return out


_WORD_END = re.compile(r"(\w+)-$")
_WORD_START = re.compile(r"^\w+")


def _syllable_split(before: str, after: str) -> bool:
    head, tail = _WORD_END.search(before), _WORD_START.match(after)
    if not head or not tail or not after[0].islower():
        return False
    word = (head.group(1) + tail.group(0)).lower()
    return any(word in table for table in _lexicons())


@lru_cache(maxsize=1)
def _lexicons() -> tuple:
    """spaCy's French and English lookup tables of word forms (loaded on first use only)."""
    from qualcode.ingest.nlp import lookup_table

    return tuple(t for t in (lookup_table("fr"), lookup_table("en")) if t)


_SENTENCE_END = tuple(".!?:;»”\"')]")


def _wrap_width(lengths: list[int]) -> int:
    """The width a hard-wrapped text was wrapped at: the 90th percentile of its line lengths."""
    ordered = sorted(lengths)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def is_hard_wrapped(text: str) -> bool:
    """Tell hard-wrapped text (PDF extractions, e-mails) from text with one line per paragraph.

    Hard-wrapped text has most lines (those followed by another line of the same paragraph) close to a
    fixed width below 120 characters, and most of them break in mid-sentence.
    """
    lines = [line.strip() for line in text.split("\n")]
    inner = [a for a, b in pairwise(lines) if a and b]
    if len(inner) < 3:
        return False
    width = _wrap_width([len(line) for line in lines if line])
    if not 30 <= width <= 120:
        return False
    near = sum(len(line) >= width * 0.75 for line in inner)
    open_ended = sum(not line.endswith(_SENTENCE_END) for line in inner)
    return near >= 0.7 * len(inner) and open_ended >= 0.5 * len(inner)
