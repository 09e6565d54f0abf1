"""Reading and writing codebook files: YAML (native), spreadsheet-style CSV and REFI-QDA .qdc.

Every codebook read is validated by :mod:`qualcode.ingest.codebook_check`. Imports neither spaCy nor pandas,
so ``qualcode codebook check`` starts fast.
"""

from __future__ import annotations

import csv
import io
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from qualcode.ingest.codebook_check import Key, codebook_from_dict, show, unknown_keys, validate_codebook
from qualcode.model.codebook import ANY_LANGUAGE, Codebook
from qualcode.model.errors import CodebookError, Problem, ReadError

__all__ = ["codebook_from_dict", "default_codebook", "read_codebook", "validate_codebook", "write_codebook"]



try:  # libyaml's parser: 10x faster
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    # The pure-Python loader has the C one's API but not its class: mypy sees two types for one name.
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _LineLoader(_SafeLoader):
    """A YAML loader that records the line of every mapping as ``__line__``, and of every key (its text keys
    are :class:`~qualcode.ingest.codebook_check.Key` strings, equal to plain ones, that know their line)."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    out: dict[Any, Any] = {(Key(key, lines[key]) if isinstance(key, str) and key in lines else key): value
                           for key, value in mapping.items()}
    out["__line__"] = node.start_mark.line + 1
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)
_MAX_DIGITS = 100


def _int(loader: _LineLoader, node: yaml.ScalarNode) -> int:
    """An integer of at most 100 digits: Python refuses to read one of over 4,300 (a crafted ``version:``)."""
    digits = sum(ch.isalnum() for ch in node.value)
    if digits > _MAX_DIGITS:
        raise yaml.constructor.ConstructorError(
            None, None, f"a number of {digits} digits ({node.value[:12]}...); write at most {_MAX_DIGITS}, or quote "
            "it to make it text", node.start_mark)
    return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)


_LineLoader.add_constructor("tag:yaml.org,2002:int", _int)


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
        from qualcode.ingest.refi.qdc import read_qdc

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
    raise CodebookError([Problem(f"unknown codebook format {show(suffix)}; use .yml, .yaml, .csv or .qdc.", str(path))])


def _from_yaml_text(text: str, source: str) -> Codebook:
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise CodebookError([Problem(f"is not valid YAML: {getattr(exc, 'problem', exc)}", source, line)]) from exc
    return codebook_from_dict(data, source=source)


_CSV_LISTS = ("terms", "exclude", "unless", "speakers", "regex")
_CSV_JSON = ("patterns", "near", "context")


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
    codes, problems = [], _unknown_columns(header, source)
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(Problem(f"this row has {len(row[None])} more field(s) than the header; quote cells "
                                    "that contain the delimiter.", source, line))
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        try:
            codes.append(_csv_code(row, line))
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"a patterns, near or context cell is not valid JSON: {exc}.", source, line))
    data = {"version": "1", "name": Path(source).stem, "codes": codes, "__line__": 1}
    problems += validate_codebook(data, source=source)
    if problems:
        raise CodebookError(problems)
    return codebook_from_dict(data, source=source)


_CSV_COLUMNS = ("code", "id", "parent", "name", "color", "definition", "inclusion", "exclusion", "examples")


def _unknown_columns(header: list[str], source: str) -> list[Problem]:
    """A problem for each column of a CSV codebook that qualcode does not read (checked as a YAML file's keys
    are: ``defintion`` -> "did you mean 'definition'?"). A column is a code field (``name`` and rule kinds
    may end in ``_<language>``: ``name_fr``, ``terms_en``)."""
    out = []
    allowed = (*_CSV_COLUMNS, *_CSV_LISTS, *_CSV_JSON)
    for column in dict.fromkeys(h for h in header if h):
        stem = column.partition("_")[0]
        where = "the CSV header" if stem == column else f"column {show(column)}"
        out += [Problem(m, source, 1) for m in unknown_keys({Key(stem, 1): None}, allowed, where)]
    return out


def _csv_code(row: dict[str, str], line: int) -> dict[str, Any]:
    code: dict[str, Any] = {"id": row.get("code") or row.get("id"), "__line__": line}
    for key in ("parent", "color", "definition", "inclusion", "exclusion"):
        if row.get(key):
            code[key] = row[key]
    if row.get("examples"):
        code["examples"] = _split(row["examples"])
    names = {k[5:]: v for k, v in row.items() if k.startswith("name_") and v}
    code["name"] = names or row.get("name") or code["id"]
    rules: dict[str, Any] = {}
    for key, value in row.items():
        kind, _, lang = key.partition("_")
        if kind in (*_CSV_LISTS, *_CSV_JSON) and value:
            body = rules.setdefault(lang or ANY_LANGUAGE, {"__line__": line})
            body[kind] = json.loads(value) if kind in _CSV_JSON else _split(value)
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
        from qualcode.ingest.refi.qdc import codebook_codes, write_qdc

        write_qdc(codebook_codes(codebook), path)
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
               "exclusion", *(["examples"] if any(c.examples for c in codebook.codes) else [])]
    if not name_langs:
        columns.insert(2, "name")
    for lang in langs:
        used = {k for c in codebook.codes if lang in c.rules for k in ("unless", "speakers", "context")
                if getattr(c.rules[lang], k)}
        columns += [f"{k}_{lang}" for k in ("terms", "exclude", "regex", "patterns", "near")]
        columns += [f"{k}_{lang}" for k in ("context", "unless", "speakers") if k in used]
    rows = []
    for code, data in zip(codebook.codes, codebook.to_dict()["codes"], strict=True):
        row = {"code": code.id, "parent": code.parent or "", "color": code.color or ""}
        if name_langs:
            row.update({f"name_{lang}": code.label(lang) for lang in name_langs})
        else:
            row["name"] = code.label()
        for key in ("definition", "inclusion", "exclusion"):
            row[key] = _first(getattr(code, key))
        if code.examples:  # the column is written only when some code has examples
            row["examples"] = " | ".join(code.examples)
        for lang, body in data.get("rules", {}).items():
            for kind in (k for k in _CSV_LISTS if k in body or k in ("terms", "exclude", "regex")):
                row[f"{kind}_{lang}"] = " | ".join(x if isinstance(x, str) else x["pattern"] for x in body.get(kind, []))
            for kind in _CSV_JSON:
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
