"""Importing REFI-QDA projects (.qdpx) and codebooks (.qdc) into a qualcode project.

The file is read and checked in full first (:mod:`qualcode.ingest.refi.reader`): an unsafe or inconsistent
archive is refused before the project is touched. The import then runs in one transaction
(:mod:`qualcode.exchange.merge`): all of it is written, or nothing.

Merging into a project that already has content: an object with a GUID the project knows (imported
before, or derived by an export of this project) is the same object. When the file says something else
about it (another text, name or value), the project's version is kept and the difference is reported in
``ImportSummary.conflicts``. Nothing already in the project is removed or changed, human codings least
of all.
"""

from __future__ import annotations

import os
from pathlib import Path

from qualcode.exchange.merge import ImportSummary, merge
from qualcode.ingest.refi.model import RefiProject
from qualcode.ingest.refi.reader import read_codebook_model, read_project_model
from qualcode.project.store import Project

__all__ = ["ImportSummary", "import_qdc", "import_qdpx", "read_qdpx"]


def read_qdpx(path: str | os.PathLike[str], *, positions: str = "auto") -> RefiProject:
    """Read and check a .qdpx archive without importing it (see :func:`import_qdpx`).

    Raises
    ------
    RefiError : the archive is unsafe (paths outside it, links, a zip bomb, a DOCTYPE) or inconsistent
        (positions outside a text, references to unknown codes, sources, notes or variables): every
        problem is listed, each naming the archive and the entry or object.
    """
    return read_project_model(path, positions=positions)


def import_qdpx(
    path: str | os.PathLike[str] | RefiProject, project: Project, *, positions: str = "auto"
) -> ImportSummary:
    """Import a REFI-QDA project (.qdpx) into ``project``, all or nothing.

    Text sources become documents (text kept as the file holds it, with ``\\n`` line endings), the
    codebook becomes codes (without rules: for human coding), users become coders (by name), codings
    become codings placed on the same text, notes become memos, cases and variables become attributes.
    Picture, PDF, audio and video sources, sets, links and graphs are listed in the summary, not imported.

    Parameters
    ----------
    path : the .qdpx archive, or what :func:`read_qdpx` returned.
    project : an open project (new or with content: see the module's notes on merging).
    positions : how the file counts positions: ``"codepoints"`` (the standard), ``"nvivo"`` (UTF-16
        units) or ``"auto"``: the reading that puts more selections on word boundaries, NVivo's when the
        file comes from NVivo and both readings score the same.

    Raises
    ------
    RefiError : see :func:`read_qdpx`; the project is left unchanged.
    """
    model = path if isinstance(path, RefiProject) else read_qdpx(path, positions=positions)
    summary = ImportSummary(model.path, "qdpx", model.positions, dict(model.word_boundaries), model.selections)
    summary.skipped += model.skipped
    summary.warnings += model.warnings
    merge(model, project, summary, name=Path(model.path).stem)
    return summary


def import_qdc(path: str | os.PathLike[str], project: Project) -> ImportSummary:
    """Import the codes of a REFI-QDA codebook (.qdc) into ``project`` (codes without rules, for human
    coding); codes whose GUID the project knows are kept as they are, differences reported."""
    model = read_codebook_model(path)
    summary = ImportSummary(model.path, "qdc")
    summary.skipped += model.skipped
    summary.warnings += model.warnings
    merge(model, project, summary, name=Path(model.path).stem)
    return summary
