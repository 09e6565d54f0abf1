"""What a REFI-QDA file holds, as read and checked (:mod:`qualcode.ingest.refi.reader`) before anything is written.

Every object keeps its REFI GUID as written in the file; :func:`canon` gives the form used to compare them
(no braces, lower case). Positions of selections are already indices into the stored text of their source.
Also here: how REFI names become qualcode ids (code ids, document ids, coder names).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "RefiCase",
    "RefiCode",
    "RefiCoding",
    "RefiNote",
    "RefiProject",
    "RefiSelection",
    "RefiSource",
    "RefiVariable",
    "canon",
    "code_id",
    "coder_name",
    "datetime_or_none",
    "describe",
    "document_id",
    "parse_description",
    "plain_name",
    "unique",
]


def canon(guid: str) -> str:
    """A GUID as compared: without braces, lower case."""
    return guid.strip().strip("{}").lower()


@dataclass
class RefiCode:
    guid: str
    name: str
    description: str = ""
    color: str | None = None
    parent: str | None = None  # canonical GUID of the parent code
    codable: bool = True
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiCoding:
    guid: str
    code: str  # canonical GUID of the code
    user: str | None = None  # canonical GUID of the user
    created: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiSelection:
    guid: str
    start: int  # index into the stored text
    end: int
    user: str | None = None
    created: str | None = None
    description: str = ""
    codings: list[RefiCoding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiSource:
    guid: str
    name: str
    kind: str = "TextSource"
    text: str | None = None  # the stored text (``\n`` line endings); None when skipped
    skipped: str = ""  # why the source is not imported
    selections: list[RefiSelection] = field(default_factory=list)
    codings: list[RefiCoding] = field(default_factory=list)  # codings of the whole source
    notes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # canonical variable GUID -> value
    user: str | None = None
    created: str | None = None
    description: str = ""  # the document's memo


@dataclass
class RefiNote:
    guid: str
    text: str
    user: str | None = None
    created: str | None = None


@dataclass
class RefiVariable:
    guid: str
    name: str
    type: str = "Text"


@dataclass
class RefiCase:
    guid: str
    name: str
    values: dict[str, Any] = field(default_factory=dict)  # canonical variable GUID -> value
    sources: list[str] = field(default_factory=list)  # canonical source GUIDs


@dataclass
class RefiProject:
    """A REFI-QDA project or codebook, checked: every reference resolves, every position fits its text.

    ``positions`` is the reading used for the selections (``codepoints`` or ``nvivo``);
    ``word_boundaries`` maps each reading to the number of text selections that start and end on word
    boundaries with it, out of ``selections``. ``skipped`` lists what qualcode cannot hold, by object.
    """

    path: str
    name: str = ""
    origin: str = ""
    users: dict[str, str] = field(default_factory=dict)  # canonical GUID -> name
    user_guids: dict[str, str] = field(default_factory=dict)  # canonical GUID -> GUID as written
    codes: list[RefiCode] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    variables: list[RefiVariable] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    positions: str = "codepoints"
    word_boundaries: dict[str, int] = field(default_factory=dict)
    selections: int = 0
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# -- names --------------------------------------------------------------------------------------------------

_VALID_ID = re.compile(r"^[A-Za-z][\w.-]{0,59}\Z")  # qualcode.project.store.CODE_ID, not too long
_NOT_ID = re.compile(r"[^\w.-]+")
_SEPARATORS = re.compile(r"[._-]*_[._-]*|\.{2,}")
_MAX_ID = 60


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # embeddings, overrides, isolates and their ends


def plain_name(name: str, what: str, warnings: list[str]) -> str:
    """``name`` without bidirectional control characters, which would make a listing show another name
    (``"e1\u202egpj.exe"`` shows as ``e1exe.jpg``); a warning naming ``what`` is added when there were any."""
    if not _BIDI.search(name):
        return name
    plain = _BIDI.sub("", name)
    found = ", ".join(sorted({f"U+{ord(ch):04X}" for ch in _BIDI.findall(name)}))
    warnings.append(f"{what} {name!r} holds bidirectional control characters ({found}), which would make "
                    f"listings show another name; they were removed: {plain!r}.")
    return plain


_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def datetime_or_none(value: str | None) -> str | None:
    """``value`` if it is a whole xsd:dateTime (``2021-03-04T05:06:07Z``; nothing after it, not even a
    newline), else None."""
    return value if value and _DATETIME.fullmatch(value) else None


def code_id(name: str) -> str:
    """A valid qualcode code id for a REFI code name: ``"1. Oltás típusa"`` -> ``"c_1_Oltas_tipusa"``,
    ATLAS.ti's ``"Coke::diet Coke"`` -> ``"Coke.diet_Coke"``."""
    if _VALID_ID.match(name):
        return name
    slug = _NOT_ID.sub("_", _fold(name.strip()).replace("::", "."))
    slug = _SEPARATORS.sub(lambda m: "_" if "_" in m.group() else ".", slug).strip("._-")
    slug = slug[:_MAX_ID].rstrip("._-") or "code"
    return slug if slug[0].isascii() and slug[0].isalpha() else f"c_{slug}"


def document_id(name: str) -> str:
    """A document id for a REFI source name: the name without a document suffix, whitespace collapsed; a
    path keeps its ``/`` (as corpus ids do) but no empty, ``.`` or ``..`` part."""
    name = re.sub(r"\.(txt|docx?|pdf|rtf|odt|md)$", "", " ".join(name.split()), flags=re.IGNORECASE)
    parts = [p.strip() for p in name.replace("\\", "/").split("/")]
    return "/".join(p for p in parts if p not in ("", ".", "..")) or "source"


def coder_name(name: str, fallback: str) -> str:
    """A coder name for a REFI user name: trimmed, whitespace collapsed; ``fallback`` when empty."""
    name = " ".join(name.split())
    return name or fallback


def unique(wanted: str, taken: Callable[[str], bool], alternatives: tuple[str, ...] = ()) -> str:
    """``wanted``, or the first free alternative, or ``wanted`` with ``_2``, ``_3``... appended."""
    for candidate in (wanted, *alternatives):
        if not taken(candidate):
            return candidate
    n = 2
    while taken(f"{wanted}_{n}"):
        n += 1
    return f"{wanted}_{n}"


# -- descriptions -------------------------------------------------------------------------------------------

_LABELS = (("inclusion", "Inclusion: "), ("exclusion", "Exclusion: "), ("examples", "Example: "))


def describe(definition: str, inclusion: str = "", exclusion: str = "", examples: tuple[str, ...] = ()) -> str:
    """A code's REFI Description: the definition, then labelled paragraphs (``Inclusion: ...``).

    Each part is trimmed, except the whitespace before the definition and after the last part, which is
    kept: a description read by :func:`parse_description` comes back exactly as it was written."""
    parts = [(label, value) for label, value in (
        ("", definition), ("Inclusion: ", inclusion), ("Exclusion: ", exclusion),
        *(("Example: ", e) for e in examples)) if value.strip()]
    out = []
    for n, (label, value) in enumerate(parts):
        lead = value[:len(value) - len(value.lstrip())] if n == 0 and not label else ""
        trail = value[len(value.rstrip()):] if n == len(parts) - 1 else ""
        out.append(f"{label}{lead}{value.strip()}{trail}")
    return "\n\n".join(out)


def parse_description(text: str) -> dict[str, Any]:
    """The reverse of :func:`describe`: ``definition``, ``inclusion``, ``exclusion``, ``examples``, such that
    :func:`describe` gives ``text`` back (line endings made ``\n``); a text it would not give back exactly
    is kept whole as the definition."""
    text = text.replace("\r\n", "\n")
    out: dict[str, Any] = {"definition": [], "inclusion": "", "exclusion": "", "examples": []}
    for paragraph in text.strip().split("\n\n"):
        for key, label in _LABELS:
            if paragraph.startswith(label) and paragraph[len(label):].strip():
                value = paragraph[len(label):].strip()
                if key == "examples":
                    out[key].append(value)
                elif not out[key]:
                    out[key] = value
                else:
                    continue
                break
        else:
            out["definition"].append(paragraph)
    out["definition"] = "\n\n".join(out["definition"]).strip()
    order = [k for k in ("definition", "inclusion", "exclusion") if out[k]] + (["examples"] if out["examples"] else [])
    if order:  # the whitespace around the whole text goes to its first and last parts
        if order[0] == "definition":
            out["definition"] = text[:len(text) - len(text.lstrip())] + out["definition"]
        trail = text[len(text.rstrip()):]
        if order[-1] == "examples":
            out["examples"][-1] += trail
        else:
            out[order[-1]] += trail
    if describe(out["definition"], out["inclusion"], out["exclusion"], tuple(out["examples"])) != text:
        out = {"definition": text, "inclusion": "", "exclusion": "", "examples": []}
    return out
