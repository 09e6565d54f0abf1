"""The codebook model: codes with their definitions and detection rules per language.

A codebook is plain data. :mod:`qualcode.ingest.codebook_io` reads, validates and writes it (YAML, CSV);
:class:`qualcode.coding.coder.Coder` compiles its rules into spaCy matchers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Code", "Codebook", "ContextRule", "NearRule", "RegexRule", "Rules", "TokenRule"]
SPEAKER_ROLES = ("interviewer", "participant", "unknown")

Text = str | Mapping[str, str]
ANY_LANGUAGE = "any"


@dataclass(frozen=True)
class TokenRule:
    """A spaCy ``Matcher`` token pattern, e.g. ``[{"LEMMA": "plus"}, {"OP": "{0,3}"}, {"LEMMA": "temps"}]``.

    String values of ``LEMMA``, ``NORM`` and ``LOWER`` are matched folded (lower case, no accents).
    """

    id: str
    pattern: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class NearRule:
    """Words of every group within ``window`` tokens of each other, in any order.

    ``words=(("changement", "changer"), ("interlocuteur", "contact"))`` matches "changements
    d'interlocuteur" and "les interlocuteurs changent" (lemmas, folded).
    """

    id: str
    words: tuple[tuple[str, ...], ...]
    window: int = 4


@dataclass(frozen=True)
class ContextRule:
    """Terms that count only with a word of context in the same segment.

    ``terms=("parents",), context=("école", "enseignant")`` codes "les parents viennent à l'école" but
    not "les parents de mon mari" (terms and context words are matched like ``terms``: lemmas, folded).
    """

    id: str
    terms: tuple[str, ...]
    context: tuple[str, ...]


@dataclass(frozen=True)
class RegexRule:
    """A regular expression (``regex`` module syntax, case-insensitive) searched in the segment's text."""

    id: str
    pattern: str


@dataclass(frozen=True)
class Rules:
    """The detection rules of one code in one language.

    ``terms`` are words and phrases matched on lemmas and on folded forms; ``context`` rules are terms that
    count only with a context word in the same segment. Three guards narrow what the others find:
    ``unless`` phrases cancel only the matches they overlap (« à partir de » cancels "partir", "my mum"
    cancels "mum"); ``exclude`` phrases, found anywhere in the segment, cancel the code there; ``speakers``
    (roles: interviewer, participant, unknown), when given, keep the code only in those speakers' segments.
    """

    terms: tuple[str, ...] = ()
    patterns: tuple[TokenRule, ...] = ()
    near: tuple[NearRule, ...] = ()
    regex: tuple[RegexRule, ...] = ()
    context: tuple[ContextRule, ...] = ()
    exclude: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.terms or self.patterns or self.near or self.regex or self.context)


@dataclass(frozen=True)
class Code:
    """One code (theme) of a codebook.

    ``name``, ``definition``, ``inclusion`` and ``exclusion`` are a plain string or a mapping of language to
    string. ``rules`` maps a language (``"fr"``, ``"en"``, or ``"any"`` for every language) to its rules.
    """

    id: str
    name: Text = ""
    parent: str | None = None
    definition: Text = ""
    inclusion: Text = ""
    exclusion: Text = ""
    examples: tuple[str, ...] = ()
    color: str | None = None
    rules: Mapping[str, Rules] = field(default_factory=dict)

    def label(self, language: str | None = None) -> str:
        """The display name in ``language`` (or the first one given), else the id."""
        return _text_in(self.name, language) or self.id

    def describe(self, language: str | None = None) -> str:
        """The definition in ``language``, else in the first language given."""
        return _text_in(self.definition, language)

    def rules_for(self, language: str) -> list[Rules]:
        """The rules that apply to a transcript in ``language``: its own and those for any language."""
        return [r for key in (language, ANY_LANGUAGE) if (r := self.rules.get(key))]


def _text_in(text: Text, language: str | None) -> str:
    if isinstance(text, str):
        return text
    if language and text.get(language):
        return text[language]
    return next((v for v in text.values() if v), "")


@dataclass
class Codebook:
    """A named, versioned list of codes, possibly hierarchical (``Code.parent``)."""

    name: str
    codes: list[Code]
    version: str = "1"
    description: str = ""
    source: str | None = field(default=None, compare=False)

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, code_id: object) -> bool:
        return any(c.id == code_id for c in self.codes)

    def __getitem__(self, code_id: str) -> Code:
        for code in self.codes:
            if code.id == code_id:
                return code
        raise KeyError(f"No code {code_id!r} in codebook {self.name!r}. Codes: {', '.join(self.ids)}.")

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.codes]

    @property
    def languages(self) -> list[str]:
        """Languages that have rules, in order of first appearance."""
        return list(dict.fromkeys(lang for c in self.codes for lang in c.rules))

    def children(self, code_id: str | None) -> list[Code]:
        """The codes whose parent is ``code_id`` (``None``: the top-level codes)."""
        return [c for c in self.codes if c.parent == code_id]

    def ancestors(self, code_id: str) -> list[str]:
        """The ids of the code's parent, grandparent... (nearest first)."""
        out: list[str] = []
        parent = self[code_id].parent
        while parent and parent not in out and parent in self:
            out.append(parent)
            parent = self[parent].parent
        return out

    def tree(self, language: str | None = None) -> list[str]:
        """The hierarchy as indented lines: ``id  Name  (n rules)``."""
        lines: list[str] = []

        def walk(parent: str | None, depth: int) -> None:
            for code in self.children(parent):
                count = sum(len(r.terms) + len(r.patterns) + len(r.near) + len(r.regex) for r in code.rules.values())
                lines.append(f"{'  ' * depth}{code.id}  {code.label(language)}  ({count} rules)")
                walk(code.id, depth + 1)

        walk(None, 0)
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The codebook as plain data (what the YAML file holds)."""
        return {
            "version": self.version,
            "name": self.name,
            "description": self.description,
            "codes": [_code_to_dict(c) for c in self.codes],
        }

    @property
    def hash(self) -> str:
        """A content hash (12 hex digits) of everything that defines the codebook, recorded with each run.

        Codes are immutable, so the hash is computed once per set of codes (a large codebook takes a second).
        """
        key = (self.name, self.version, self.description, tuple(self.codes))  # holds the codes: ids stay valid
        cached = self.__dict__.get("_hash_cache")
        if cached is None or cached[0][:3] != key[:3] or not _same_objects(cached[0][3], key[3]):
            blob = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            cached = self.__dict__["_hash_cache"] = (key, hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12])
        return cached[1]


def _same_objects(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _code_to_dict(code: Code) -> dict[str, Any]:
    out: dict[str, Any] = {"id": code.id, "name": _plain(code.name)}
    for key in ("parent", "color"):
        if getattr(code, key):
            out[key] = getattr(code, key)
    for key in ("definition", "inclusion", "exclusion"):
        if getattr(code, key):
            out[key] = _plain(getattr(code, key))
    if code.examples:
        out["examples"] = list(code.examples)
    if code.rules:
        out["rules"] = {lang: _rules_to_dict(r) for lang, r in code.rules.items()}
    return out


def _plain(text: Text) -> str | dict[str, str]:
    return text if isinstance(text, str) else dict(text)


def _rules_to_dict(rules: Rules) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rules.terms:
        out["terms"] = list(rules.terms)
    if rules.patterns:
        out["patterns"] = [{"id": p.id, "pattern": [dict(t) for t in p.pattern]} for p in rules.patterns]
    if rules.near:
        out["near"] = [{"id": n.id, "words": [list(w) for w in n.words], "window": n.window} for n in rules.near]
    if rules.regex:
        out["regex"] = [{"id": r.id, "pattern": r.pattern} for r in rules.regex]
    if rules.context:
        out["context"] = [{"id": c.id, "terms": list(c.terms), "context": list(c.context)} for c in rules.context]
    if rules.exclude:
        out["exclude"] = list(rules.exclude)
    if rules.unless:
        out["unless"] = list(rules.unless)
    if rules.speakers:
        out["speakers"] = list(rules.speakers)
    return out
