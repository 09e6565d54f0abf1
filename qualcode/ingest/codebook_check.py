"""Validating codebooks and building them from plain data (as loaded from YAML, CSV or a .qdc).

Validation reports every problem at once, each with the file and line where there is one. Imports neither
spaCy nor pandas, so ``qualcode codebook check`` starts fast.
"""

from __future__ import annotations

import difflib
import math
import re
import reprlib
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

from qualcode.ingest.language import language_code
from qualcode.model.codebook import (
    SPEAKER_ROLES,
    Code,
    Codebook,
    ContextRule,
    NearRule,
    RegexRule,
    Rules,
    TokenRule,
)
from qualcode.model.errors import CodebookError, Problem

__all__ = ["Key", "check_regex", "codebook_from_dict", "show", "unknown_keys", "validate_codebook"]

_ID = re.compile(r"^[A-Za-z][\w.-]*\Z")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}\Z")
_RULE_KINDS = ("terms", "patterns", "near", "regex", "context", "exclude", "unless", "speakers")
_FINDING = ("terms", "patterns", "near", "regex", "context")  # the kinds that find passages; the rest guard them
_RULE_LANGUAGES = ("fr", "en", "any")  # qualcode's languages (qualcode.ingest.language.LANGUAGES) and any
_TOP_KEYS = ("version", "name", "description", "codes")
_CODE_KEYS = {"id", "name", "parent", "definition", "inclusion", "exclusion", "examples", "color", "rules"}
_TOKEN_KEYS = {
    "ORTH", "TEXT", "LOWER", "NORM", "LEMMA", "POS", "TAG", "MORPH", "DEP", "ENT_TYPE", "SHAPE", "PREFIX",
    "SUFFIX", "LENGTH", "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT",
    "IS_SPACE", "IS_STOP", "IS_SENT_START", "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL", "SENT_START", "OP",
}
_OP = re.compile(r"^([!?+*]|\{\d*(,\d*)?\})\Z")
_PROBES = ("a" * 28 + "!", "ab " * 20 + "!", "x" * 40 + "\n", "aaaa-" * 12 + "!", "1" * 30 + "a")
REGEX_TIMEOUT = 0.05
# A group containing a quantifier, itself quantified: (a+)+, (\w*\s?)*, (x+){2,}...
MAX_REPEAT = 1000  # the largest {n} or {n,m} a regex rule may hold
_REPEAT = re.compile(r"(?<!\\)\{(\d+)(?:,(\d*))?\}")
_LITERAL = re.compile(r"(?<!\\)([^\W\d_])")  # a letter of the pattern that is not an escape's (\b, \w...)
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*(?:[+*]|\{\d*,\d*\})\)(?:[+*]|\{\d*,\d*\})")


class _Short(reprlib.Repr):
    """Short reprs of values from a file, without the loader's ``__line__`` keys."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring, self.maxother, self.maxlist, self.maxdict, self.maxlevel = 120, 60, 6, 6, 3

    def repr_dict(self, x: dict, level: int) -> str:
        return super().repr_dict({k: v for k, v in x.items() if k != "__line__"}, level)


_SHOWN = _Short()


def show(value: Any) -> str:
    """A short repr of a value from the file: a hostile codebook must not make a 25 MB message."""
    return _SHOWN.repr(value)


def codebook_from_dict(data: Any, *, source: str | None = None) -> Codebook:
    """Build a Codebook from plain data (as loaded from YAML), validating it; raise CodebookError."""
    problems = validate_codebook(data, source=source)
    if problems:
        raise CodebookError(problems)
    data = _plain_keys(data)
    codes = [_code(c) for c in data["codes"]]
    return Codebook(
        name=str(data.get("name") or Path(source or "codebook").stem),
        codes=codes,
        version=str(data["version"]),
        description=str(data.get("description") or ""),
        source=source,
    )


def _code(d: dict[str, Any]) -> Code:
    def text(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: str(v) for k, v in _strip_lines(value).items()}
        return "" if value is None else str(value)

    rules = {lang: _rules(r) for lang, r in (d.get("rules") or {}).items() if lang != "__line__"}
    return Code(
        id=d["id"],
        name=text(d.get("name")),
        parent=d.get("parent") or None,
        definition=text(d.get("definition")),
        inclusion=text(d.get("inclusion")),
        exclusion=text(d.get("exclusion")),
        examples=(d["examples"],) if isinstance(d.get("examples"), str) else tuple(
            str(e) for e in d.get("examples") or ()
        ),
        color=d.get("color"),
        rules=rules,
    )


def _plain_keys(value: Any) -> Any:
    """The value with the loader's line-aware keys made plain strings again, at any depth."""
    if isinstance(value, dict):
        return {str(k) if isinstance(k, Key) else k: _plain_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_keys(v) for v in value]
    return value


def _strip_lines(value: Any) -> Any:
    """The value without the ``__line__`` bookkeeping keys of the YAML loader, at any depth."""
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _rules(r: dict[str, Any]) -> Rules:
    strip = _strip_lines

    return Rules(
        terms=tuple(str(t) for t in r.get("terms") or ()),
        patterns=tuple(
            TokenRule(p["id"], tuple(strip(t) for t in p["pattern"])) for p in r.get("patterns") or ()
        ),
        near=tuple(
            NearRule(n["id"], tuple(tuple(str(w) for w in g) for g in n["words"]), int(n.get("window", 4)))
            for n in r.get("near") or ()
        ),
        regex=tuple(
            RegexRule(x, x) if isinstance(x, str) else RegexRule(x.get("id") or x["pattern"], x["pattern"])
            for x in r.get("regex") or ()
        ),
        context=tuple(
            ContextRule(str(c["id"]), tuple(str(t) for t in c["terms"]), tuple(str(t) for t in c["context"]))
            for c in r.get("context") or ()
        ),
        exclude=tuple(str(t) for t in r.get("exclude") or ()),
        unless=tuple(str(t) for t in r.get("unless") or ()),
        speakers=tuple(str(t) for t in r.get("speakers") or ()),
    )


class Key(str):
    """A mapping key read from a codebook file, which knows its line (equal to, and hashed as, the plain text)."""

    line: int | None

    def __new__(cls, text: str, line: int | None = None) -> Key:
        key = super().__new__(cls, text)
        key.line = line
        return key


class _Located(str):
    """A problem's message that knows its own line (that of the rule's mapping in the file)."""

    line: int | None = None


def _at(message: str, mapping: Any) -> _Located:
    located = _Located(message)
    located.line = mapping.get("__line__") if isinstance(mapping, dict) else None
    return located


def unknown_keys(mapping: Any, allowed: Iterable[str], what: str) -> list[str]:
    """A message for each key of ``mapping`` (from a codebook file) that is not ``allowed``, naming the known
    key it most likely stands for: ``widow`` in a near rule -> "did you mean 'window'?". Each message is a
    ``str`` that carries its line in a ``line`` attribute, where the file gives one."""
    if not isinstance(mapping, dict):
        return []
    allowed = sorted(allowed)
    out: list[str] = []
    for key in mapping:
        if key == "__line__" or key in allowed:
            continue
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        shown = show(str(key) if isinstance(key, Key) else key)
        message = _at(f"unknown key {shown} in {what}{hint} (allowed: {', '.join(allowed)}).", mapping)
        message.line = getattr(key, "line", None) or message.line
        out.append(message)
    return out


def validate_codebook(data: Any, *, source: str | None = None) -> list[Problem]:
    """Every problem of a codebook given as plain data; an empty list when it is valid."""
    if not isinstance(data, dict):
        return [Problem("must be a mapping with 'version' and 'codes' keys.", source, 1)]
    problems = [Problem(m, source, getattr(m, "line", None) or 1) for m in unknown_keys(data, _TOP_KEYS, "the codebook")]
    if "version" not in data:
        problems.append(Problem("has no 'version' field; add e.g. 'version: 1' at the top.", source, 1))
    elif isinstance(data["version"], bool) or not isinstance(data["version"], str | int | float) or (
            isinstance(data["version"], float) and not math.isfinite(data["version"])):
        problems.append(Problem(f"version {show(data['version'])} must be a number or a short text such as "
                                "'1' or '2024-05'.", source, 1))
    for key in ("name", "description"):
        if data.get(key) is not None and not isinstance(data[key], str | int | float):
            problems.append(Problem(f"'{key}' must be text; got {show(data[key])}.", source, 1))
    codes = data.get("codes")
    if not isinstance(codes, list) or not codes:
        problems.append(Problem("needs a non-empty 'codes' list.", source, data.get("__line__")))
        return problems
    seen: dict[str, int | None] = {}
    for entry in codes:
        problems.extend(_check_code(entry, seen, source))
    problems.extend(_check_parents(codes, seen, source))
    return problems


def _check_code(entry: Any, seen: dict[str, int | None], source: str | None) -> list[Problem]:
    if not isinstance(entry, dict):
        return [Problem(f"each code must be a mapping with an 'id'; got {show(entry)}.", source)]
    line = entry.get("__line__")
    code_id = entry.get("id")
    if not isinstance(code_id, str) or not _ID.match(code_id):
        return [Problem(f"invalid code id {show(code_id)}: use letters, digits, '_', '-' or '.', starting with a "
                        "letter (e.g. family_engagement).", source, line)]
    out: list[Problem] = []

    def problem(message: str, at: int | None = line) -> None:
        out.append(Problem(message, source, at, code_id))

    if code_id in seen:
        problem(f"duplicate id (first defined at line {seen[code_id]}); give each code its own id.")
    seen.setdefault(code_id, line)
    for message in unknown_keys(entry, _CODE_KEYS, "a code"):
        problem(message, getattr(message, "line", None) or line)
    parent = entry.get("parent")
    if parent is not None and not isinstance(parent, str):
        problem(f"parent {show(parent)} must be the id of another code.")
    for key in ("name", "definition", "inclusion", "exclusion"):
        if not _text_or_languages(entry.get(key)):
            problem(f"'{key}' must be text, or a mapping of languages to texts such as {{fr: ..., en: ...}}; "
                    f"got {show(entry.get(key))}.")
    examples = entry.get("examples")
    if examples is not None and not (isinstance(examples, str) or (
            isinstance(examples, list) and all(isinstance(e, str | int | float) for e in examples))):
        problem(f"'examples' must be a list of texts; got {show(examples)}.")
    color = entry.get("color")
    if color is not None and not (isinstance(color, str) and _COLOR.match(color)):
        problem(f"color {show(color)} is not of the form '#RRGGBB'.")
    rules = entry.get("rules")
    if rules is None:
        return out
    if not isinstance(rules, dict) or not set(rules) - {"__line__"}:
        problem("'rules' must map languages (fr, en, any) to rules; it is empty or not a mapping.")
        return out
    for lang, body in rules.items():
        if lang == "__line__":
            continue
        where = body.get("__line__", line) if isinstance(body, dict) else line
        if str(lang) not in _RULE_LANGUAGES:
            named = language_code(lang)  # 'French', 'fr-FR'; 'es' is a language, not a typo of 'en'
            close = [named] if named in _RULE_LANGUAGES else [] if named else difflib.get_close_matches(
                str(lang), _RULE_LANGUAGES, n=1, cutoff=0.5)
            hint = (f"did you mean {close[0]!r}? " if close else
                    "its rules would never be used, qualcode codes French and English only " if named else "")
            problem(f"rules language {show(lang)} is not one qualcode codes in; {hint}(allowed: "
                    f"{', '.join(_RULE_LANGUAGES)}: French, English, or any language).", where)
        out.extend(Problem(m, source, getattr(m, "line", None) or where, code_id) for m in _check_rules(body, lang))
    return out


def _text_or_languages(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float):
        return True
    return isinstance(value, dict) and all(
        isinstance(v, str | int | float) for k, v in value.items() if k != "__line__"
    )


def _check_rules(body: Any, lang: str) -> list[str]:
    unknown = unknown_keys(body, _RULE_KINDS, f"the rules for {show(lang)}")
    if not isinstance(body, dict) or not any(body.get(k) for k in _RULE_KINDS):
        return [*unknown, f"rules for {show(lang)} are empty; give terms, patterns, near, regex or context "
                "rules, or remove them."]
    out = list(unknown)
    for kind in ("terms", "exclude", "unless"):
        for term in _as_list(body.get(kind), kind, out):
            if not isinstance(term, str) or not any(ch.isalnum() for ch in term):
                out.append(f"{kind} entry {show(term)} in {show(lang)} has no letter or digit; remove it.")
    for p in _as_list(body.get("patterns"), "patterns", out):
        out.extend(_check_pattern(p))
    for n in _as_list(body.get("near"), "near", out):
        out.extend(_check_near(n))
    for r in _as_list(body.get("regex"), "regex", out):
        out.extend(unknown_keys(r, ("id", "pattern"), "a regex rule"))
        if isinstance(r, dict) and not isinstance(r.get("id"), str | None):
            out.append(f"regex rule id {show(r.get('id'))} must be text.")
        out.extend(check_regex(r if isinstance(r, str) else (r or {}).get("pattern") if isinstance(r, dict) else r))
    for c in _as_list(body.get("context"), "context", out):
        out.extend(_check_context(c))
    for role in _as_list(body.get("speakers"), "speakers", out):
        if role not in SPEAKER_ROLES:
            out.append(f"speakers entry {show(role)} in {show(lang)} is not a speaker role; use "
                       f"{', '.join(SPEAKER_ROLES)}.")
    if not any(body.get(k) for k in _FINDING):
        out.append(f"rules for {show(lang)} have only guards (exclude, unless, speakers); a guard needs "
                   "terms, patterns, near, regex or context rules to narrow.")
    return out


def _check_context(c: Any) -> list[str]:
    if not isinstance(c, dict):
        return [f"a context rule is a mapping with 'id', 'terms' and 'context' (lists of words or phrases); "
                f"got {show(c)}."]
    out = unknown_keys(c, ("id", "terms", "context"), f"context rule {show(c.get('id'))}")
    if not isinstance(c.get("id"), str):
        out.append("a context rule has no 'id'; give it one so codings can name the rule.")
    for kind in ("terms", "context"):
        entries = c.get(kind)
        if not isinstance(entries, list) or not entries:
            out.append(f"context rule {show(c.get('id'))}: '{kind}' must be a non-empty list of words or phrases.")
        elif any(not isinstance(t, str) or not any(ch.isalnum() for ch in t) for t in entries):
            out.append(f"context rule {show(c.get('id'))}: every '{kind}' entry must be text with a letter or digit.")
    return out


def _as_list(value: Any, kind: str, out: list[str]) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        out.append(f"'{kind}' must be a list; got {type(value).__name__}.")
        return []
    if not value:
        out.append(f"'{kind}' is an empty list; remove it or add entries.")
    return value


def _check_pattern(p: Any) -> list[str]:
    if not isinstance(p, dict) or not isinstance(p.get("pattern"), list) or not p["pattern"]:
        return [f"a token pattern must be a mapping with 'id' and a non-empty 'pattern' list; got {show(p)}."]
    pid = p.get("id")
    if not isinstance(pid, str) or not pid:
        return ["a token pattern has no 'id'; give it one so codings can name the rule."]
    out = unknown_keys(p, ("id", "pattern"), f"token pattern {show(pid)}")
    for i, token in enumerate(p["pattern"], start=1):
        if not isinstance(token, dict):
            out.append(f"pattern {show(pid)}: token {i} must be a mapping such as {{'LEMMA': 'temps'}}.")
            continue
        for key in sorted(str(k) for k in set(token) - _TOKEN_KEYS - {"__line__"}):
            close = difflib.get_close_matches(key.upper(), sorted(_TOKEN_KEYS), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            out.append(f"pattern {show(pid)}: token {i} has unknown attribute {show(key)}; {hint}use spaCy token "
                       "attributes such as LEMMA, LOWER, NORM, POS, OP.")
        op = token.get("OP")
        if op is not None and not (isinstance(op, str) and _OP.match(op)):
            out.append(f"pattern {show(pid)}: token {i} has OP {show(op)}; allowed: !, ?, +, *, {{n}}, {{n,m}}.")
        elif isinstance(op, str) and set(token) - {"__line__"} == {"OP"} and _unbounded_gap(op):
            out.append(f"pattern {show(pid)}: token {i} is a wildcard with OP {show(op)}; an open or long gap makes "
                       f"matching exponentially slow: use {{0,N}} with N <= {_MAX_GAP}, or a near rule.")
        for key in _TEXT_KEYS & set(token):
            if not _text_value(token[key]):
                out.append(f"pattern {show(pid)}: token {i} {key} must be text or {{IN: [texts]}}; got "
                           f"{show(token[key])} (quote words such as 'no', 'yes', 'on' that YAML reads as booleans).")
    if all(set(t) - {"__line__"} <= {"OP"} for t in p["pattern"] if isinstance(t, dict)):
        out.append(f"pattern {show(pid)} has only wildcard tokens and would match everything.")
    return out


_TEXT_KEYS = {"ORTH", "TEXT", "LOWER", "NORM", "LEMMA"}
_MAX_GAP = 10


def _unbounded_gap(op: str) -> bool:
    if op in ("*", "+"):
        return True
    bounds = re.findall(r"\d+", op)
    return op.startswith("{") and (op.endswith(",}") or (bool(bounds) and int(bounds[-1]) > _MAX_GAP))


def _text_value(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, dict):
        lists = [v for k, v in value.items() if k != "__line__"]
        return bool(lists) and all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in lists)
    return False


def _check_near(n: Any) -> list[str]:
    words = n.get("words") if isinstance(n, dict) else None
    if not isinstance(words, list) or len(words) < 2 or not all(isinstance(g, list) and g for g in words):
        return [f"a near rule needs 'id' and 'words': two or more non-empty lists of words; got {show(n)}."]
    out = unknown_keys(n, ("id", "window", "words"), f"near rule {show(n.get('id'))}")
    if not isinstance(n.get("id"), str):
        out.append("a near rule has no 'id'; give it one so codings can name the rule.")
    window = n.get("window", 4)
    if isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= 30:
        out.append(f"near rule {show(n.get('id'))}: window {show(window)} must be a whole number from 0 to 30.")
    if any(not isinstance(w, str) or " " in w.strip() or not w.strip() for g in words for w in g):
        out.append(f"near rule {show(n.get('id'))}: each word must be a single word (a lemma).")
    return out


def check_regex(pattern: Any) -> list[str]:
    """Problems of one regular expression: not compiling, or backtracking catastrophically on probes."""
    import regex

    if not isinstance(pattern, str) or not pattern:
        return [f"a regex must be a non-empty string; got {show(pattern)}."]
    counts = [int(n) for match in _REPEAT.finditer(pattern) for n in match.groups() if n]
    if counts and max(counts) > MAX_REPEAT:
        return [f"regex {show(pattern)} repeats something {max(counts):,} times; compiling it would take gigabytes "
                f"of memory. Use a repeat count of at most {MAX_REPEAT:,}, or '+'/'*'."]
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE)
    except regex.error as exc:
        return [f"regex {show(pattern)} does not compile: {exc}."]
    if _NESTED_QUANTIFIER.search(pattern):
        return [f"regex {show(pattern)} can backtrack catastrophically (a repeated group that itself repeats, "
                "such as '(a+)+'); rewrite it, e.g. '(a+)+' as 'a+'."]
    if compiled.search(""):
        return [f"regex {show(pattern)} matches the empty string and would code every segment."]
    for probe in (*(p * 4 for p in _PROBES), *_probes_of(pattern)):
        try:
            compiled.search(probe, timeout=REGEX_TIMEOUT)
        except TimeoutError:
            return [f"regex {show(pattern)} can backtrack catastrophically (it ran too long on a short test "
                    "string); rewrite it without overlapping alternatives or repeated groups that repeat."]
    return []


def _probes_of(pattern: str) -> list[str]:
    """Test strings made of the pattern's own letters: each letter, and each pair of letters that follow each
    other, repeated, then a character no pattern expects. Ambiguous repeats such as ``(e|ee)+z`` backtrack
    exponentially on a run of their letter that does not end as the pattern wants."""
    letters = [m.group(1) for m in _LITERAL.finditer(pattern)]
    singles = list(dict.fromkeys(letters))[:12]
    pairs = list(dict.fromkeys(a + b for a, b in pairwise(letters) if a != b))[:12]
    return [c * 32 + "\u00a7" for c in singles] + [p * 16 + "\u00a7" for p in pairs]


def _check_parents(codes: list[Any], seen: dict[str, int | None], source: str | None) -> list[Problem]:
    entries = [c for c in codes if isinstance(c, dict) and isinstance(c.get("id"), str)
               and isinstance(c.get("parent"), str | None)]
    out = [Problem(f"parent {show(c['parent'])} is not a code of this codebook.", source, c.get("__line__"), c["id"])
           for c in entries if c.get("parent") is not None and c["parent"] not in seen]
    parents = {c["id"]: c.get("parent") for c in entries}
    reported: set[str] = set()
    for start in parents:
        chain, node = [], start
        while node in parents and node not in chain:
            chain.append(node)
            node = parents[node]
        if node in chain and node not in reported:
            cycle = chain[chain.index(node):]
            reported.update(cycle)
            out.append(Problem(f"parents form a cycle: {' -> '.join([*cycle, node])}; break it.", source,
                               seen.get(node), node))
    return out


# --- CSV ---------------------------------------------------------------------------------------------
