"""The project store: one SQLite file holding documents, automatic and human codings, decisions and memos.

Automatic coding is a first pass; researchers then review, correct and add codes by hand, for months. The
store keeps that work safe: a re-run replaces only the codings of the same automatic coder, human codings
follow the text when a document is edited (see :mod:`qualcode.project.relocate`), and each document is written in
one transaction, so a crash leaves every document as it was before or after its own update.

Statuses of a coding: ``auto`` (an automatic coder's), ``stale`` (an automatic coder's, on a text that has
changed since; replaced at that coder's next run), ``coded``, ``moved``, ``fuzzy`` and ``unplaced`` (a
human coder's, placed as added, moved to the same text elsewhere, moved to a similar text, or not found in
the new text and kept with its old offsets). A human ``decision`` on an automatic coding is ``accepted``
(the coding becomes that coder's) or ``rejected`` (recorded, excluded from that coder's codings).

The class is composed of the modules of its jobs: the file and its transactions
(:mod:`~qualcode.project.database`), reading (:mod:`~qualcode.project.reading`), documents and automatic
coding (:mod:`~qualcode.project.syncing`), human work (:mod:`~qualcode.project.human`), the rows REFI-QDA
exchange reads and writes (:mod:`~qualcode.project.exchange_rows`) and learning from a person's coding
(:mod:`~qualcode.project.learning`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from qualcode.project.errors import ProjectError
from qualcode.project.exchange_rows import ExchangeRows
from qualcode.project.human import HumanWork
from qualcode.project.learning import LearningMixin
from qualcode.project.syncing import ProjectSummary, Syncing

if TYPE_CHECKING:
    from qualcode.coding.coder import Coder
    from qualcode.model.transcript import Transcript

__all__ = ["Project", "ProjectError", "ProjectSummary", "code_into_project", "open_project"]


class Project(Syncing, HumanWork, ExchangeRows, LearningMixin):
    """A qualitative-analysis project in one SQLite file.

    Parameters
    ----------
    path : the project file; created with an empty project on first use.
    fuzzy_threshold : the lowest similarity (``difflib`` ratio, 0-1) at which a human coding whose text was
        edited is moved to the similar text (flagged ``fuzzy``); below it, the coding is kept ``unplaced``.
    timeout : seconds to wait for another process writing to the same project.

    Learning from a person's coding (:meth:`training_set`, :meth:`store_suggestions`) is in
    :mod:`qualcode.project.learning`.

    Examples
    --------
    >>> with qc.open_project("study.qualcode") as project:  # doctest: +SKIP
    ...     project.code(qc.Coder(qc.default_codebook()), qc.read_corpus("interviews"))
    ...     project.add_coding("interview03", "turnover", coder="marie", start=120, end=180)
    """


def open_project(path: str | os.PathLike[str], **options: Any) -> Project:
    """Open (or create) a project file; see :class:`Project`. Use it in a ``with`` block to close it."""
    return Project.open(path, **options)


def code_into_project(project: Project, coder: Coder, transcripts: Iterable[Transcript]) -> ProjectSummary:
    """Code ``transcripts`` (a Corpus or any iterable) into ``project``; see :meth:`Project.code`."""
    return project.code(coder, transcripts)
