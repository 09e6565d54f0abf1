"""A coding widget on a project, for Jupyter: select text, apply a code, decide on automatic codings.

Every action goes through :class:`~qualcode.project.store.Project` in one transaction, and the widget then
shows the project as it is stored: re-running the cell, a new kernel or the CLI shows the same state. Widgets
of one kernel on the same project file refresh each other after each action; a widget also refreshes when
the pointer comes back to it (another kernel or the CLI may have written meanwhile). A project that cannot be
written shows why in the widget; the selection and the memo being written stay, to try again.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from qualcode.model.errors import QualcodeError
from qualcode.project.by_hand import (
    code_passage,
    document_state,
    project_codebook,
    read_only_reason,
    remove_coding_by_id,
)
from qualcode.project.store import Project, ProjectError, _coder_problems
from qualcode.views.widget import CodingView, widget_blocks, widget_codings, widget_memos, widget_palette

__all__ = ["CodingWidget"]


class CodingWidget(CodingView):
    """Code a project's documents by hand in Jupyter.

    Parameters
    ----------
    project : an open :class:`~qualcode.Project`.
    document : the document shown first; by default the project's first.
    coder : the person coding (their name or initials): their codings and decisions are stored under it.
    language : the language of the codes' names.

    In the widget: select a passage with the mouse, then click a code of the palette or press its number
    key (1-9, 0); click a coding's chip to focus it, then ``Delete`` removes it (one's own), ``a`` accepts
    and ``r`` rejects an automatic coding (or use the chip's ✓ and ✗), ``m`` writes a memo on it (or on the
    document when none is focused); ``n``/``p`` go to the next/previous open automatic coding, ``[``/``]``
    to the previous/next document. The same actions are methods (:meth:`code`, :meth:`remove`,
    :meth:`accept`, :meth:`reject`, :meth:`memo`, :meth:`show`).

    Examples
    --------
    >>> project = qc.open_project("study.qualcode")  # doctest: +SKIP
    >>> qc.CodingWidget(project, "interview03", coder="Ana")  # doctest: +SKIP
    """

    _live: ClassVar[weakref.WeakSet[CodingWidget]] = weakref.WeakSet()

    def __init__(
        self, project: Project, document: str | None = None, *, coder: str, language: str | None = "en"
    ) -> None:
        problems = _coder_problems(coder)
        if not isinstance(project, Project):
            problems.append(
                f"The 'project' parameter of CodingWidget must be an open qualcode Project. Got "
                f"{type(project).__name__} instead; open one with qc.open_project(path)."
            )
        if problems:
            raise ProjectError(problems)
        ids = list(project.documents()["document"])
        if document is None and not ids:
            raise ProjectError(
                f"Project {project.path} has no documents to code yet. Add them with Project.add_documents() "
                "or Project.code()."
            )
        super().__init__(coder=coder, documents=ids)
        self.project = project
        self.language = language
        self._text = ""
        self._shown: str | None = None
        self._load(document if document is not None else ids[0])
        self.observe(self._on_document, names="document")
        self.on_msg(self._on_message)
        CodingWidget._live.add(self)

    # -- actions (the front end's messages call these) -------------------------------------------------

    def code(self, code: str, start: int, end: int, *, text: str | None = None) -> int:
        """Code ``[start, end)`` of the shown document as ``code``; return the coding's id. ``text`` is the
        passage as it was selected: the coding is refused if the stored text no longer reads so."""
        expected = self._text[start:end] if text is None else text
        return self._write(
            lambda: code_passage(
                self.project, self.document, code, coder=self.coder, start=start, end=end, text=expected
            )
        )

    def remove(self, coding_id: int) -> int:
        """Remove one's own coding (an accepted automatic coding becomes undecided again)."""
        return self._write(lambda: remove_coding_by_id(self.project, coding_id, coder=self.coder))

    def accept(self, coding_id: int) -> int:
        """Accept an automatic coding or suggestion, as ``qualcode project accept`` does."""
        return self._write(lambda: self.project.accept(coding_id, coder=self.coder))

    def reject(self, coding_id: int) -> int:
        """Reject an automatic coding or suggestion, as ``qualcode project reject`` does."""
        return self._write(lambda: self.project.reject(coding_id, coder=self.coder))

    def memo(self, text: str, *, coding: int | None = None) -> int:
        """Write a memo on one's coding ``coding``, or on the shown document."""
        if coding is None:
            return self._write(lambda: self.project.add_memo(text, author=self.coder, document=self.document))
        return self._write(lambda: self.project.add_memo(text, author=self.coder, coding=coding))

    def show(self, document: str) -> None:
        """Show another document of the project."""
        self._load(document)

    def refresh(self) -> None:
        """Show the project as stored now (another widget, kernel or the CLI may have changed it)."""
        if self.document not in (ids := list(self.project.documents()["document"])):
            self.documents = ids
            self._load(ids[0] if ids else self.document)
            return
        text = self.project.transcript(self.document).text
        with self.hold_sync():
            self.documents = ids
            if text != self._text:
                self._load(self.document)
            else:
                self._load_codings()

    # -- internals ----------------------------------------------------------------------------------

    def _write(self, action: Callable[[], int]) -> int:
        if self.read_only:
            raise ProjectError(self.read_only)
        result = action()
        self._load_codings()
        for other in list(CodingWidget._live):
            if other is not self and other._same_file(self.project) and other.document == self.document:
                other._load_codings()
        return result

    def _same_file(self, project: Project) -> bool:
        if self.project is project:
            return True
        try:
            return os.path.samefile(Path(self.project.path), Path(project.path))
        except OSError:
            return False

    def _load(self, document: str) -> None:
        transcript = self.project.transcript(document)  # raises ProjectError for an unknown document
        self._text, self._shown = transcript.text, document
        with self.hold_sync():
            self.document = document
            self.blocks = widget_blocks(transcript)
            self.read_only = read_only_reason(self.project) or ""
            self._load_codings()

    def _load_codings(self) -> None:
        state = document_state(self.project, self.document, self.coder)
        counts: dict[str, tuple[int, int]] = {}
        for code, kind in zip(state.codings["code"], state.codings["kind"], strict=True):
            own, open_ = counts.get(code, (0, 0))
            counts[code] = (own + 1, open_) if kind == "human" else (own, open_ + 1)
        book = project_codebook(self.project)
        with self.hold_sync():
            self.codes = widget_palette(book, counts, language=self.language)
            self.codings = widget_codings(state.codings, state.memos)
            self.memos = widget_memos(state.memos)
            self.note = (
                f"{state.unplaced} of your codings on this document could not be placed after its text was "
                "edited: see Project.unplaced()." if state.unplaced else ""
            )

    def _on_document(self, change: dict[str, Any]) -> None:
        if change["new"] == self._shown:  # set by _load itself
            return
        try:
            self._load(change["new"])
        except ProjectError as error:
            with self.hold_sync():
                self.document = change["old"]
                self.status = {"seq": self.status.get("seq", 0), "ok": False, "message": str(error)}

    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        seq = content.get("seq", 0)
        try:
            message = self._dispatch(content)
            ok = True
        except KeyError as error:
            message, ok = f"The widget's {content.get('action')!r} message lacks its {error} field.", False
        except (QualcodeError, TypeError, ValueError) as error:
            message, ok = str(error), False
            with contextlib.suppress(QualcodeError):
                self._load_codings()  # the stored state, whatever was tried
        self.status = {"seq": seq, "ok": ok, "message": message}

    def _dispatch(self, content: dict[str, Any]) -> str:
        action = content.get("action")
        if action == "code":
            self.code(content["code"], int(content["start"]), int(content["end"]), text=content.get("text"))
            return f"Coded as {content['code']}."
        if action in ("remove", "accept", "reject"):
            getattr(self, action)(int(content["id"]))
            return {"remove": "Removed.", "accept": "Accepted.", "reject": "Rejected."}[action]
        if action == "memo":
            coding = content.get("coding")
            self.memo(content["text"], coding=None if coding is None else int(coding))
            return "Memo saved."
        if action == "refresh":
            self.refresh()
            return ""
        raise ValueError(f"Unknown action {action!r} from the widget: expected code, remove, accept, reject, "
                         "memo or refresh.")
