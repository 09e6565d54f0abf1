"""Reading, validating and writing codebooks: YAML (native) and spreadsheet-style CSV.

Validation reports every problem at once, each with the file and line where there is one. This module
imports neither spaCy nor pandas, so ``qualcode codebook check`` starts fast.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import reprlib
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from qualcode.model.codebook import ANY_LANGUAGE, Code, Codebook, NearRule, RegexRule, Rules, TokenRule
from qualcode.model.errors import CodebookError, Problem, ReadError

__all__ = ["codebook_from_dict", "default_codebook", "read_codebook", "validate_codebook", "write_codebook"]

_ID = re.compile(r"^[A-Za-z][\w.-]*$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_LANG = re.compile(r"^([a-z]{2,3}|any)$")
_RULE_KINDS = ("terms", "patterns", "near", "regex", "exclude")
_CODE_KEYS = {"id", "name", "parent", "definition", "inclusion", "exclusion", "examples", "color", "rules"}
_TOKEN_KEYS = {
    "ORTH", "TEXT", "LOWER", "NORM", "LEMMA", "POS", "TAG", "MORPH", "DEP", "ENT_TYPE", "SHAPE", "PREFIX",
    "SUFFIX", "LENGTH", "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT",
    "IS_SPACE", "IS_STOP", "IS_SENT_START", "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL", "SENT_START", "OP",
}
_OP = re.compile(r"^([!?+*]|\{\d*(,\d*)?\})$")
_PROBES = ("a" * 28 + "!", "ab " * 20 + "!", "x" * 40 + "\n", "aaaa-" * 12 + "!", "1" * 30 + "a")
REGEX_TIMEOUT = 0.05
# A group containing a quantifier, itself quantified: (a+)+, (\w*\s?)*, (x+){2,}...
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*(?:[+*]|\{\d*,\d*\})\)(?:[+*]|\{\d*,\d*\})")


class _Short(reprlib.Repr):
    """Short reprs of values from a file, without the loader's ``__line__`` keys."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring, self.maxother, self.maxlist, self.maxdict, self.maxlevel = 120, 60, 6, 6, 3

    def repr_dict(self, x: dict, level: int) -> str:
        return super().repr_dict({k: v for k, v in x.items() if k != "__line__"}, level)


_SHOWN = _Short()


def _show(value: Any) -> str:
    """A short repr of a value from the file: a hostile codebook must not make a 25 MB message."""
    return _SHOWN.repr(value)


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser: 10x faster
    """A YAML loader that records the line of every mapping as ``__line__``."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def default_codebook() -> Codebook:
    """qualcode's default thematic codebook: temporality, trust, family engagement, turnover (fr, en)."""
    text = resources.files("qualcode").joinpath("codebooks/default.yml").read_text(encoding="utf-8")
    return _from_yaml_text(text, "qualcode/codebooks/default.yml")


def read_codebook(path: str | os.PathLike[str]) -> Codebook:
    """Read a codebook from YAML (``.yml``/``.yaml``), CSV (``.csv``) or REFI-QDA (``.qdc``), validating it.

    Raises
    ------
    CodebookError : listing every problem found, each with file and line.
    """
    path = Path(path)
    if path.suffix.lower() == ".qdc":
        from qualcode.exchange.qdc import read_qdc

        return read_qdc(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CodebookError([Problem(f"cannot be read ({exc.strerror}); check the path.", str(path))]) from exc
    from qualcode.ingest.readers.text import decode_bytes

    try:
        text, _ = decode_bytes(data, path)
    except ReadError as exc:
        raise CodebookError([Problem(f"{exc.problem} {exc.hint}".strip(), str(path))]) from exc
    suffix = path.suffix.lower()
    if suffix in (".yml", ".yaml"):
        return _from_yaml_text(text, str(path))
    if suffix == ".csv":
        return _from_csv_text(text, str(path))
    raise CodebookError([Problem(f"unknown codebook format {_show(suffix)}; use .yml, .yaml, .csv or .qdc.", str(path))])


def _from_yaml_text(text: str, source: str) -> Codebook:
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise CodebookError([Problem(f"is not valid YAML: {getattr(exc, 'problem', exc)}", source, line)]) from exc
    return codebook_from_dict(data, source=source)


def codebook_from_dict(data: Any, *, source: str | None = None) -> Codebook:
    """Build a Codebook from plain data (as loaded from YAML), validating it; raise CodebookError."""
    problems = validate_codebook(data, source=source)
    if problems:
        raise CodebookError(problems)
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
        exclude=tuple(str(t) for t in r.get("exclude") or ()),
    )


def validate_codebook(data: Any, *, source: str | None = None) -> list[Problem]:
    """Every problem of a codebook given as plain data; an empty list when it is valid."""
    if not isinstance(data, dict):
        return [Problem("must be a mapping with 'version' and 'codes' keys.", source, 1)]
    problems: list[Problem] = []
    if "version" not in data:
        problems.append(Problem("has no 'version' field; add e.g. 'version: 1' at the top.", source, 1))
    elif isinstance(data["version"], bool) or not isinstance(data["version"], str | int | float):
        problems.append(Problem(f"version {_show(data['version'])} must be a number or a short text such as "
                                "'1' or '2024-05'.", source, 1))
    for key in ("name", "description"):
        if data.get(key) is not None and not isinstance(data[key], str | int | float):
            problems.append(Problem(f"'{key}' must be text; got {_show(data[key])}.", source, 1))
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
        return [Problem(f"each code must be a mapping with an 'id'; got {_show(entry)}.", source)]
    line = entry.get("__line__")
    code_id = entry.get("id")
    if not isinstance(code_id, str) or not _ID.match(code_id):
        return [Problem(f"invalid code id {_show(code_id)}: use letters, digits, '_', '-' or '.', starting with a "
                        "letter (e.g. family_engagement).", source, line)]
    out: list[Problem] = []

    def problem(message: str, at: int | None = line) -> None:
        out.append(Problem(message, source, at, code_id))

    if code_id in seen:
        problem(f"duplicate id (first defined at line {seen[code_id]}); give each code its own id.")
    seen.setdefault(code_id, line)
    unknown = set(entry) - _CODE_KEYS - {"__line__"}
    if unknown:
        problem(f"unknown field(s) {', '.join(sorted(map(str, unknown)))}; allowed: {', '.join(sorted(_CODE_KEYS))}.")
    parent = entry.get("parent")
    if parent is not None and not isinstance(parent, str):
        problem(f"parent {_show(parent)} must be the id of another code.")
    for key in ("name", "definition", "inclusion", "exclusion"):
        if not _text_or_languages(entry.get(key)):
            problem(f"'{key}' must be text, or a mapping of languages to texts such as {{fr: ..., en: ...}}; "
                    f"got {_show(entry.get(key))}.")
    examples = entry.get("examples")
    if examples is not None and not (isinstance(examples, str) or (
            isinstance(examples, list) and all(isinstance(e, str | int | float) for e in examples))):
        problem(f"'examples' must be a list of texts; got {_show(examples)}.")
    color = entry.get("color")
    if color is not None and not (isinstance(color, str) and _COLOR.match(color)):
        problem(f"color {_show(color)} is not of the form '#RRGGBB'.")
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
        if not _LANG.match(str(lang)):
            problem(f"rules language {_show(lang)} is not a language code such as 'fr', 'en' or 'any'.", where)
        out.extend(Problem(m, source, where, code_id) for m in _check_rules(body, lang))
    return out


def _text_or_languages(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float):
        return True
    return isinstance(value, dict) and all(
        isinstance(v, str | int | float) for k, v in value.items() if k != "__line__"
    )


def _check_rules(body: Any, lang: str) -> list[str]:
    if not isinstance(body, dict) or not any(body.get(k) for k in _RULE_KINDS):
        return [f"rules for {_show(lang)} are empty; give terms, patterns, near or regex rules, or remove them."]
    out = [f"unknown rule kind {_show(k)}; allowed: {', '.join(_RULE_KINDS)}." for k in body
           if k not in _RULE_KINDS and k != "__line__"]
    for kind in ("terms", "exclude"):
        for term in _as_list(body.get(kind), kind, out):
            if not isinstance(term, str) or not any(ch.isalnum() for ch in term):
                out.append(f"{kind} entry {_show(term)} in {_show(lang)} has no letter or digit; remove it.")
    for p in _as_list(body.get("patterns"), "patterns", out):
        out.extend(_check_pattern(p))
    for n in _as_list(body.get("near"), "near", out):
        out.extend(_check_near(n))
    for r in _as_list(body.get("regex"), "regex", out):
        if isinstance(r, dict) and not isinstance(r.get("id"), str | None):
            out.append(f"regex rule id {_show(r.get('id'))} must be text.")
        out.extend(check_regex(r if isinstance(r, str) else (r or {}).get("pattern") if isinstance(r, dict) else r))
    if not any(body.get(k) for k in ("terms", "patterns", "near", "regex")):
        out.append(f"rules for {_show(lang)} have only exclusions; an exclusion needs something to cancel.")
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
        return [f"a token pattern must be a mapping with 'id' and a non-empty 'pattern' list; got {_show(p)}."]
    pid = p.get("id")
    if not isinstance(pid, str) or not pid:
        return ["a token pattern has no 'id'; give it one so codings can name the rule."]
    out = []
    for i, token in enumerate(p["pattern"], start=1):
        if not isinstance(token, dict):
            out.append(f"pattern {_show(pid)}: token {i} must be a mapping such as {{'LEMMA': 'temps'}}.")
            continue
        bad = set(token) - _TOKEN_KEYS - {"__line__"}
        if bad:
            out.append(f"pattern {_show(pid)}: token {i} has unknown attribute(s) {', '.join(sorted(map(str, bad)))}; "
                       "use spaCy token attributes such as LEMMA, LOWER, NORM, POS, OP.")
        op = token.get("OP")
        if op is not None and not (isinstance(op, str) and _OP.match(op)):
            out.append(f"pattern {_show(pid)}: token {i} has OP {_show(op)}; allowed: !, ?, +, *, {{n}}, {{n,m}}.")
        elif isinstance(op, str) and set(token) - {"__line__"} == {"OP"} and _unbounded_gap(op):
            out.append(f"pattern {_show(pid)}: token {i} is a wildcard with OP {_show(op)}; an open or long gap makes "
                       f"matching exponentially slow: use {{0,N}} with N <= {_MAX_GAP}, or a near rule.")
        for key in _TEXT_KEYS & set(token):
            if not _text_value(token[key]):
                out.append(f"pattern {_show(pid)}: token {i} {key} must be text or {{IN: [texts]}}; got "
                           f"{_show(token[key])} (quote words such as 'no', 'yes', 'on' that YAML reads as booleans).")
    if all(set(t) - {"__line__"} <= {"OP"} for t in p["pattern"] if isinstance(t, dict)):
        out.append(f"pattern {_show(pid)} has only wildcard tokens and would match everything.")
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
        return [f"a near rule needs 'id' and 'words': two or more non-empty lists of words; got {_show(n)}."]
    out = []
    if not isinstance(n.get("id"), str):
        out.append("a near rule has no 'id'; give it one so codings can name the rule.")
    window = n.get("window", 4)
    if isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= 30:
        out.append(f"near rule {_show(n.get('id'))}: window {_show(window)} must be a whole number from 0 to 30.")
    if any(not isinstance(w, str) or " " in w.strip() or not w.strip() for g in words for w in g):
        out.append(f"near rule {_show(n.get('id'))}: each word must be a single word (a lemma).")
    return out


def check_regex(pattern: Any) -> list[str]:
    """Problems of one regular expression: not compiling, or backtracking catastrophically on probes."""
    import regex

    if not isinstance(pattern, str) or not pattern:
        return [f"a regex must be a non-empty string; got {_show(pattern)}."]
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE)
    except regex.error as exc:
        return [f"regex {_show(pattern)} does not compile: {exc}."]
    if _NESTED_QUANTIFIER.search(pattern):
        return [f"regex {_show(pattern)} can backtrack catastrophically (a repeated group that itself repeats, "
                "such as '(a+)+'); rewrite it, e.g. '(a+)+' as 'a+'."]
    if compiled.search(""):
        return [f"regex {_show(pattern)} matches the empty string and would code every segment."]
    for probe in _PROBES:
        try:
            compiled.search(probe * 4, timeout=REGEX_TIMEOUT)
        except TimeoutError:
            return [f"regex {_show(pattern)} can backtrack catastrophically (it ran too long on a short test "
                    "string); rewrite it without overlapping alternatives or repeated groups that repeat."]
    return []


def _check_parents(codes: list[Any], seen: dict[str, int | None], source: str | None) -> list[Problem]:
    entries = [c for c in codes if isinstance(c, dict) and isinstance(c.get("id"), str)
               and isinstance(c.get("parent"), str | None)]
    out = [Problem(f"parent {_show(c['parent'])} is not a code of this codebook.", source, c.get("__line__"), c["id"])
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

_CSV_LISTS = ("terms", "exclude", "regex")


def _from_csv_text(text: str, source: str) -> Codebook:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return _csv_codebook(csv.DictReader(io.StringIO(text, newline=""), dialect=dialect), source)
    except csv.Error as exc:
        raise CodebookError([Problem(f"is not a readable CSV file ({exc}); save it again as CSV from your "
                                     "spreadsheet.", source)]) from exc


def _csv_codebook(reader: csv.DictReader, source: str) -> Codebook:
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    if "code" not in header and "id" not in header:
        raise CodebookError([Problem("a CSV codebook needs a 'code' column (then parent, definition, terms...).",
                                     source, 1)])
    codes, problems = [], []
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(Problem(f"this row has {len(row[None])} more field(s) than the header; quote cells "
                                    "that contain the delimiter.", source, line))
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        try:
            codes.append(_csv_code(row, line))
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"a patterns/near cell is not valid JSON: {exc}.", source, line))
    data = {"version": "1", "name": Path(source).stem, "codes": codes, "__line__": 1}
    problems += validate_codebook(data, source=source)
    if problems:
        raise CodebookError(problems)
    return codebook_from_dict(data, source=source)


def _csv_code(row: dict[str, str], line: int) -> dict[str, Any]:
    code: dict[str, Any] = {"id": row.get("code") or row.get("id"), "__line__": line}
    for key in ("parent", "color", "definition", "inclusion", "exclusion"):
        if row.get(key):
            code[key] = row[key]
    names = {k[5:]: v for k, v in row.items() if k.startswith("name_") and v}
    code["name"] = names or row.get("name") or code["id"]
    rules: dict[str, Any] = {}
    for key, value in row.items():
        kind, _, lang = key.partition("_")
        if kind in (*_CSV_LISTS, "patterns", "near") and value:
            body = rules.setdefault(lang or ANY_LANGUAGE, {"__line__": line})
            body[kind] = json.loads(value) if kind in ("patterns", "near") else _split(value)
    if rules:
        code["rules"] = {**rules, "__line__": line}
    return code


def _split(value: str) -> list[str]:
    return [t.strip() for t in value.split("|") if t.strip()]


def write_codebook(codebook: Codebook, path: str | os.PathLike[str]) -> None:
    """Write ``codebook`` as YAML, CSV or REFI-QDA .qdc (by suffix), atomically. CSV keeps patterns as JSON
    cells; a .qdc has no place for rules."""
    path = Path(path)
    if path.suffix.lower() == ".qdc":
        from qualcode.exchange.qdc import export_qdc

        export_qdc(codebook, path)
        return
    if path.suffix.lower() == ".csv":
        text = _to_csv(codebook)
    else:
        header = f"# {codebook.name} — qualcode codebook (version {codebook.version}, hash {codebook.hash})\n"
        text = header + yaml.safe_dump(codebook.to_dict(), allow_unicode=True, sort_keys=False, width=100)
    from qualcode.model.files import write_atomic

    write_atomic(path, lambda handle: handle.write(text.encode("utf-8")))


def _to_csv(codebook: Codebook) -> str:
    langs = codebook.languages
    name_langs = list(dict.fromkeys(k for c in codebook.codes if not isinstance(c.name, str) for k in c.name))
    columns = ["code", "parent", *(f"name_{lang}" for lang in name_langs), "color", "definition", "inclusion",
               "exclusion"]
    if not name_langs:
        columns.insert(2, "name")
    for lang in langs:
        columns += [f"{k}_{lang}" for k in ("terms", "exclude", "regex", "patterns", "near")]
    rows = []
    for code, data in zip(codebook.codes, codebook.to_dict()["codes"], strict=True):
        row = {"code": code.id, "parent": code.parent or "", "color": code.color or ""}
        if name_langs:
            row.update({f"name_{lang}": code.label(lang) for lang in name_langs})
        else:
            row["name"] = code.label()
        for key in ("definition", "inclusion", "exclusion"):
            row[key] = _first(getattr(code, key))
        for lang, body in data.get("rules", {}).items():
            for kind in _CSV_LISTS:
                row[f"{kind}_{lang}"] = " | ".join(x if isinstance(x, str) else x["pattern"] for x in body.get(kind, []))
            for kind in ("patterns", "near"):
                if body.get(kind):
                    row[f"{kind}_{lang}"] = json.dumps(body[kind], ensure_ascii=False)
        rows.append(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _first(text: Any) -> str:
    return text if isinstance(text, str) else next(iter(text.values()), "")
