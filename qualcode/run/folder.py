"""The main job: code a folder of transcripts into an output folder and/or a project, as ``qualcode code`` does.

:func:`code_folder` is the whole of ``qualcode code`` as a library call, so that a notebook gets the same
outputs as the command: the codebook, the attributes and the output folder are checked before anything is
read; every file is read and coded once (in worker processes, from the cache where it can); the documents
go into the project (re-coded only where needed, human codings kept) and the tables, charts and report
into the output folder. A file that cannot be read is recorded, not raised: the others are still coded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from qualcode.coding.coder import Coder
from qualcode.coding.engine import auto_jobs, code_files
from qualcode.ingest.codebook_io import default_codebook, read_codebook
from qualcode.ingest.corpus import Corpus, join_attributes, read_attributes
from qualcode.ingest.readers import READERS
from qualcode.ingest.speakers import speaker_settings
from qualcode.model.codebook import Codebook
from qualcode.model.errors import InputError
from qualcode.model.progress import OnProgress, Step
from qualcode.project.store import ProjectError, ProjectSummary, open_project
from qualcode.run.outputs import check_output_folder, prepare_outputs, write_outputs
from qualcode.views.report import render_coded

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.coding.cache import Cache
    from qualcode.model.results import CodingResult

__all__ = ["FolderRun", "UnknownAttributeError", "check_inputs", "code_folder", "nothing_found"]

PathLike = str | os.PathLike[str]


@dataclass
class FolderRun:
    """What :func:`code_folder` did.

    ``corpus`` holds the transcripts read, the files that could not be read (``errors``), those skipped and
    the warnings; ``result`` the tidy tables of the coding; ``project`` the project's summary, or
    ``project_error`` when the project could not be written (the output folder was still written).
    """

    corpus: Corpus
    result: CodingResult
    out: Path | None = None
    project: ProjectSummary | None = None
    project_error: ProjectError | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when transcripts were found, every file was read and coded, every document stored in the
        project, and no human coding left unplaced."""
        stored = self.project is None or not (self.project.unplaced or self.project.failed)
        return bool(self.corpus.transcripts) and stored and not (self.corpus.errors or self.project_error)


def check_inputs(paths: PathLike | Iterable[PathLike]) -> list[PathLike]:
    """The paths to read, as a list; InputError naming those that do not exist (a broken link exists: it is
    reported as the file it is)."""
    given = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    missing = [str(p) for p in given if not os.path.lexists(p)]
    if missing:
        raise InputError(f"{', '.join(missing)}: no such file or folder; check the path (nothing was read or written).")
    return given


def nothing_found(paths: Iterable[PathLike]) -> str:
    """The warning for paths that hold no transcript at all."""
    return f"no transcript found in {', '.join(map(str, paths))} (supported suffixes: {', '.join(sorted(READERS))});"


def code_folder(
    paths: PathLike | Iterable[PathLike],
    *,
    out: PathLike | None = None,
    project: PathLike | None = None,
    codebook: Codebook | PathLike | None = None,
    unit: str = "paragraph",
    language: str | None = None,
    model: str | None = None,
    similarity: bool = True,
    speakers: str = "participant",
    attributes: PathLike | pd.DataFrame | None = None,
    by: Iterable[str] = (),
    charts: tuple[str, ...] = ("png",),
    jobs: int = 0,
    cache: Cache | None = None,
    client: Any = None,
    spreadsheet_safe: bool = False,
    progress: OnProgress | None = None,
) -> FolderRun:
    """Code the transcripts under ``paths`` and write them to ``out`` (tables, charts, report) and/or ``project``.

    Parameters
    ----------
    paths : transcript files and folders (read recursively).
    out : the output folder: new, empty or one of qualcode's outputs (see
        :func:`qualcode.run.outputs.check_output_folder`); it is replaced as a whole.
    project : a project file to code into (created if absent): only documents whose text or codebook
        changed are coded again, human codings are kept and follow the text.
    codebook : a Codebook or a codebook file; qualcode's default codebook when None.
    unit, language, model, similarity, speakers : as for :class:`~qualcode.Coder` (``speakers="participant"``,
        the default, leaves interviewer turns out of coding and counts; ``"all"`` codes them too).
    attributes : a participant-attributes CSV (or its DataFrame) with a ``document`` column; its
        ``interviewer`` and ``participant`` columns, if any, set each document's speaker roles before coding.
    by : attributes to compare groups by (``theme_by_<attribute>`` tables and charts).
    charts : the chart formats (``"png"``, ``"svg"``).
    jobs, cache, client : as for :func:`qualcode.coding.engine.iter_coded` (0 jobs: one per core, never more
        than the files; the outputs are then written in parallel too).
    spreadsheet_safe : neutralise text cells a spreadsheet would run as formulas in the output tables.
    progress : called with a :class:`~qualcode.model.progress.Progress` of each long step (reading and
        coding, storing in the project, writing outputs): the command draws them as bars.

    Raises
    ------
    ValueError : neither ``out`` nor ``project``; :class:`UnknownAttributeError` for an attribute in ``by``
        that no transcript has (found once the files are read, before anything is written).
    CodebookError, AttributesError : an invalid codebook or attributes file (before anything is read).
    OutputError : ``out`` would destroy files qualcode did not write (before anything is read).
    WriteError : the outputs could not be written (the previous ones are left as they were).
    """
    if out is None and project is None:
        raise ValueError("Give code_folder an output folder (out=...), a project file (project=...), or both.")
    given = check_inputs(paths)
    book = codebook if isinstance(codebook, Codebook) else read_codebook(codebook) if codebook else default_codebook()
    frame = read_attributes(attributes) if isinstance(attributes, str | os.PathLike) else attributes
    if out is not None:
        kept = [] if project is None else [project, f"{project}-wal", f"{project}-shm"]
        kept += [cache.folder] if cache is not None else []
        check_output_folder(out, inputs=given, keep=kept)
    coder = Coder(book, unit=unit, language=language, model=model, speakers=speakers, similarity=similarity)
    if similarity:  # a missing embedding package is said once, before anything is read
        from qualcode.coding.similarity import require_embeddings

        require_embeddings()
    options: dict[str, Any] = {"client": client} if client is not None else {"jobs": jobs}
    corpus, coded = code_files(given, coder, language=language, cache=cache, progress=progress,
                               render=render_coded if out is not None else None, roles=_roles(frame),
                               while_coding=prepare_outputs if out is not None else None, **options)
    if frame is not None:
        join_attributes(corpus, frame)
    run = FolderRun(corpus, coder.result(coded, corpus.errors))
    if not corpus.transcripts and not corpus.errors:
        run.warnings.append(nothing_found(given) + " nothing was written.")
        return run
    usable = _attributes(run.result)
    unknown = [a for a in by if a not in usable]
    if unknown:  # before the project or the outputs are written
        raise UnknownAttributeError(unknown, [a for a in usable if a not in ("document", "chars", "words")])
    if project is not None:
        try:
            stored = Step(progress, "storing in the project", "document", total=len(coded))
            with _noted(f"while processing {project}"), open_project(project) as opened:
                run.project = opened.code(coder, coded, on_document=lambda _id, _outcome: stored.update())
        except ProjectError as exc:
            run.project_error = exc
    if out is not None:
        with _noted(f"while processing {out}"):
            run.out = write_outputs(run.result, out, charts=charts, documents=corpus.summary(), by=tuple(by),
                                    transcripts=coded, jobs=jobs or auto_jobs(),
                                    spreadsheet_safe=spreadsheet_safe, progress=progress)
    return run


def _roles(frame: pd.DataFrame | None) -> dict[str, tuple[list[str], list[str]]]:
    """Per document, the interviewer and participant labels of the attributes file, where it gives any."""
    if frame is None or not {"interviewer", "participant"} & set(frame.columns):
        return {}
    settings = {str(row["document"]): speaker_settings({str(k): v for k, v in row.items()})
                for row in frame.to_dict("records")}
    return {doc: labels for doc, labels in settings.items() if any(labels)}


class UnknownAttributeError(ValueError):
    """Attributes to compare groups by that no transcript has; ``attributes`` and ``known`` name them."""

    def __init__(self, attributes: list[str], known: list[str]) -> None:
        self.attributes, self.known = attributes, known
        super().__init__(f"no transcript has the attribute(s) {', '.join(map(repr, attributes))} to compare groups "
                         f"by; their attributes are: {', '.join(known) or '(none: give an attributes file)'}.")


def _attributes(result: CodingResult) -> list[str]:
    from qualcode.analysis.tables import GROUP_COLUMNS

    return [c for c in result.document_table.columns if c not in GROUP_COLUMNS]


class _noted:
    """Add a note (where it happened) to an unexpected exception passing through; the CLI prints it."""

    def __init__(self, note: str) -> None:
        self.note = note

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, traceback: Any) -> Literal[False]:
        if exc is not None and not getattr(exc, "__notes__", None):
            exc.add_note(self.note)
        return False
