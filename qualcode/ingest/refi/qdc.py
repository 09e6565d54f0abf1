"""REFI-QDA codebooks (.qdc) as files: reading one into a qualcode Codebook, writing codes as one.

Codes read from a .qdc have no detection rules: they are for human coding (add rules to use them with the
automatic coder). Names become code ids (``"1. Oltás típusa"`` -> ``c_1_Oltas_tipusa``; the name is kept
as the code's name), nesting becomes ``parent``, ``Description`` the definition (with ``Inclusion:``,
``Exclusion:`` and ``Example:`` paragraphs read back), colours ``#RRGGBB``. A project's codes as a .qdc
(with the GUIDs of its .qdpx export) are :func:`qualcode.exchange.export_qdc`'s.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from typing import Any

from lxml import etree

from qualcode.ingest.codebook_check import codebook_from_dict
from qualcode.ingest.refi.model import RefiCode, canon, code_id, describe, parse_description, unique
from qualcode.ingest.refi.reader import read_codebook_model
from qualcode.ingest.refi.writer import CODEBOOK_NS, ExportCode, add_codes, serialise, validate, write_atomic
from qualcode.model.codebook import Codebook
from qualcode.model.errors import CodebookError, Problem, RefiError
from qualcode.model.version import __version__

__all__ = ["codebook_codes", "codebook_from_refi", "derived_codebook_guid", "read_qdc", "write_qdc", "write_tags_csv"]


def derived_codebook_guid(codebook_name: str, code_id: str) -> str:
    """The GUID of a code of a codebook exported on its own (no project): the same at every export."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"qualcode:codebook:{codebook_name}\x1f{code_id}"))


def codebook_from_refi(
    codes: list[RefiCode], name: str, *, source: str | None = None, taken: set[str] | None = None,
    known: dict[str, str] | None = None,
) -> tuple[Codebook, dict[str, str]]:
    """A Codebook of REFI ``codes`` and the map canonical GUID -> code id.

    ``known`` maps the GUIDs of codes that already have an id (a project's); ``taken`` holds ids that new
    codes may not use.
    """
    ids: dict[str, str] = dict(known or {})
    used = set(taken or ()) | set(ids.values())
    entries: list[dict[str, Any]] = []
    written: set[str] = set()
    for code in codes:
        guid = canon(code.guid)
        parent = ids.get(code.parent) if code.parent else None
        if guid not in ids:
            wanted = code_id(code.name)
            ids[guid] = unique(wanted, used.__contains__, (f"{parent}.{wanted}",) if parent else ())
            used.add(ids[guid])
        parts = parse_description(code.description)
        entry: dict[str, Any] = {"id": ids[guid], "name": code.name or ids[guid]}
        entry.update({k: v for k, v in parts.items() if v})
        if parent and parent != ids[guid]:
            entry["parent"] = parent
        if code.color:
            entry["color"] = code.color
        if entry["id"] not in written:  # a set: a list searched for each code was quadratic
            written.add(entry["id"])
            entries.append(entry)
    data = {"version": "1", "name": name, "codes": entries}
    return codebook_from_dict(data, source=source), ids


def read_qdc(path: str | os.PathLike[str]) -> Codebook:
    """Read a REFI-QDA codebook (.qdc, from NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette...).

    Raises
    ------
    CodebookError : the file cannot be read, is not a REFI-QDA codebook, or is unsafe (a DOCTYPE).
    """
    try:
        model = read_codebook_model(path)
    except RefiError as exc:
        raise CodebookError([Problem(p, exc.path) for p in exc.problems]) from exc
    for warning in model.warnings:
        logging.getLogger("qualcode").warning("%s: %s", path, warning)
    return codebook_from_refi(model.codes, Path(path).stem, source=str(path))[0]


def codebook_codes(codebook: Codebook, language: str | None = None) -> list[ExportCode]:
    def text(value: Any) -> str:
        return value if isinstance(value, str) else (value.get(language) or next(iter(value.values()), "")) if value else ""

    return [
        ExportCode(c.id, derived_codebook_guid(codebook.name, c.id), c.label(language),
                   describe(text(c.definition), text(c.inclusion), text(c.exclusion), c.examples),
                   c.color.upper() if c.color else None, c.parent)
        for c in codebook.codes
    ]


def write_qdc(
    codes: list[ExportCode], path: str | os.PathLike[str], *, schema: str | os.PathLike[str] | None = None
) -> int:
    """Write ``codes`` as a .qdc file (atomically), validated against ``schema`` (an XSD) if given; return how
    many codes were written."""
    if not codes:
        raise RefiError(path, "cannot be written: the codebook has no codes (a .qdc needs at least one).")
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS})
    root.set("origin", f"qualcode {__version__}")
    add_codes(root, codes, notes=False)
    if schema is not None:
        validate(root, schema, path)
    data = serialise(root)
    write_atomic(path, lambda handle: handle.write(data))
    return len(codes)


def write_tags_csv(codes: list[ExportCode], path: str | os.PathLike[str]) -> int:
    """Write ``codes`` as the ``tag,description`` CSV that Taguette imports as a codebook (it reads neither
    .qdc nor .qdpx), atomically; a child code's tag is its path from the top (``Parent/Child``). Return how
    many codes were written."""
    import csv
    import io

    from qualcode.model.cells import neutralise
    from qualcode.model.files import write_atomic

    if not codes:
        raise RefiError(path, "cannot be written: the codebook has no codes.")
    by_id = {c.id: c for c in codes}

    def tag(code: ExportCode) -> str:
        parts, seen = [code.name], {code.id}
        while code.parent in by_id and code.parent not in seen:
            code = by_id[code.parent]
            seen.add(code.id)
            parts.append(code.name)
        return "/".join(reversed(parts))

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["tag", "description"])
    writer.writerows([neutralise(tag(c)), neutralise(c.description)] for c in codes)  # it opens in Excel too
    write_atomic(path, lambda handle: handle.write(text.getvalue().encode("utf-8")))
    return len(codes)
