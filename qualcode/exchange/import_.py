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
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.ingest.refi.model import RefiProject
from qualcode.ingest.refi.reader import read_codebook_model, read_project_model
from qualcode.project.store import Project

__all__ = ["ImportSummary", "import_qdc", "import_qdpx", "read_qdpx"]


@dataclass
class ImportSummary:
    """What an import did. Lists hold document ids, code ids or one-line descriptions."""

    path: str
    format: str
    positions: str | None = None
    word_boundaries: dict[str, int] = field(default_factory=dict)
    selections: int = 0
    sources_added: list[str] = field(default_factory=list)
    sources_existing: list[str] = field(default_factory=list)
    sources_skipped: list[str] = field(default_factory=list)
    codes_added: list[str] = field(default_factory=list)
    codes_existing: int = 0
    users: dict[str, str] = field(default_factory=dict)  # REFI user name -> coder
    codings_added: int = 0
    codings_existing: int = 0
    codings_skipped: int = 0
    notes_added: int = 0
    notes_existing: int = 0
    attributes_set: int = 0
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.format == "qdc":
            return "\n".join([f"Imported from {self.path}: {len(self.codes_added)} codes added ({self.codes_existing} "
                              "already there).", *(f"not imported: {s}" for s in self.skipped),
                              *(f"conflict: {c}" for c in self.conflicts)])
        lines = [
            f"Imported from {self.path}: {len(self.sources_added)} sources added"
            f" ({len(self.sources_existing)} already there, {len(self.sources_skipped)} skipped), "
            f"{len(self.codes_added)} codes added ({self.codes_existing} already there), "
            f"{self.codings_added} codings added ({self.codings_existing} already there), "
            f"{self.notes_added} notes added, {self.attributes_set} attribute values set."
        ]
        if self.format == "qdpx" and self.selections:
            units = "UTF-16 units (NVivo)" if self.positions == "nvivo" else "code points"
            lines.append(
                f"Positions read as {units}: {self.word_boundaries.get(self.positions or '', 0)} of "
                f"{self.selections} selections start and end on word boundaries "
                f"({self.word_boundaries.get('codepoints', 0)} as code points, "
                f"{self.word_boundaries.get('nvivo', 0)} as UTF-16 units).")
        if self.users:
            lines.append("Users: " + ", ".join(f"{k!r} -> coder {v!r}" for k, v in self.users.items()) + ".")
        lines += [f"skipped source: {s}" for s in self.sources_skipped]
        lines += [f"not imported: {s}" for s in self.skipped]
        lines += [f"conflict: {c}" for c in self.conflicts]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


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
    from qualcode.exchange.merge import merge

    model = path if isinstance(path, RefiProject) else read_qdpx(path, positions=positions)
    summary = ImportSummary(model.path, "qdpx", model.positions, dict(model.word_boundaries), model.selections)
    summary.skipped += model.skipped
    summary.warnings += model.warnings
    merge(model, project, summary, name=Path(model.path).stem)
    return summary


def import_qdc(path: str | os.PathLike[str], project: Project) -> ImportSummary:
    """Import the codes of a REFI-QDA codebook (.qdc) into ``project`` (codes without rules, for human
    coding); codes whose GUID the project knows are kept as they are, differences reported."""
    from qualcode.exchange.merge import merge

    model = read_codebook_model(path)
    summary = ImportSummary(model.path, "qdc")
    summary.skipped += model.skipped
    merge(model, project, summary, name=Path(model.path).stem)
    return summary
