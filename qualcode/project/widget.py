"""A coding widget on a project, for Jupyter: select text, apply a code, decide on automatic codings.

Every action goes through :class:`~qualcode.project.store.Project` in one transaction, and the widget then
shows the project as it is stored: re-running the cell, a new kernel or the CLI shows the same state. Widgets
of one kernel on the same project file refresh each other after each action; a widget also refreshes when
the pointer comes back to it (another kernel or the CLI may have written meanwhile). A project that cannot be
written shows why in the widget; the selection and the memo being written stay, to try again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
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
from qualcode.project.human import _coder_problems
from qualcode.project.relocate import FUZZY_THRESHOLD
from qualcode.project.store import Project, ProjectError
from qualcode.views.widget import CodingView, widget_blocks, widget_codings, widget_memos, widget_palette

__all__ = ["CodingWidget"]

_log = logging.getLogger(__name__)


class CodingWidget(CodingView):
    """Code a project's documents by hand in Jupyter.

    Parameters
    ----------
    project : a :class:`~qualcode.Project` (or the path of its file). The widget works on the same file
        through a connection of its own for each action.
    document : the document shown first; by default the project's first.
    coder : the person coding (their name or initials): their codings and decisions are stored under it.
    language : the language of the codes' names.
    timeout : seconds an action waits for another process writing to the project before it gives up and
        says so in the widget (nothing is lost: try again).

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
    _lock: ClassVar[threading.RLock] = threading.RLock()  # one action at a time, whatever the thread
    _quiet: frozenset[str] = frozenset()  # traits set without syncing them (see _send_changes)
    _outbox: dict[str, Any] | None = None  # the changes to send with the status of the message being handled

    def __init__(
        self,
        project: Project | str | os.PathLike[str],
        document: str | None = None,
        *,
        coder: str,
        language: str | None = "en",
        timeout: float = 5.0,
    ) -> None:
        problems = _coder_problems(coder)
        if not isinstance(project, Project | str | os.PathLike):
            problems.append(
                f"The 'project' parameter of CodingWidget must be a qualcode Project or the path of its file. "
                f"Got {type(project).__name__} instead; open one with qc.open_project(path)."
            )
        if problems:
            raise ProjectError(problems)
        super().__init__(coder=coder)
        self.path = Path(project.path if isinstance(project, Project) else project).absolute()
        self.fuzzy_threshold = project.fuzzy_threshold if isinstance(project, Project) else FUZZY_THRESHOLD
        self.language = language
        self.timeout = timeout
        self._text = ""
        self._shown: str | None = None
        self._connections: dict[int, Project] = {}
        with self._open() as opened:
            ids = list(opened.documents()["document"])
            if document is None and not ids:
                raise ProjectError(
                    f"Project {self.path} has no documents to code yet. Add them with Project.add_documents() "
                    "or Project.code()."
                )
            self.documents = ids
            self._load(opened, document if document is not None else ids[0])
        self.observe(self._on_document, names="document")
        self.on_msg(self._on_message)
        CodingWidget._live.add(self)

    # -- actions (the front end's messages call these) -------------------------------------------------

    def code(self, code: str, start: int, end: int, *, text: str | None = None, new_code: bool = False) -> int:
        """Code ``[start, end)`` of the shown document as ``code``; return the coding's id. ``text`` is the
        passage as it was selected: the coding is refused if the stored text no longer reads so. A code the
        project does not have is refused unless ``new_code`` (the palette's *new code* field sets it)."""
        expected = self._text[start:end] if text is None else text
        return self._write(
            lambda p: code_passage(p, self.document, code, coder=self.coder, start=start, end=end, text=expected,
                                   new_code=new_code)
        )

    def remove(self, coding_id: int) -> int:
        """Remove one's own coding (an accepted automatic coding becomes undecided again)."""
        return self._write(lambda p: remove_coding_by_id(p, coding_id, coder=self.coder))

    def accept(self, coding_id: int) -> int:
        """Accept an automatic coding or suggestion, as ``qualcode project accept`` does."""
        return self._write(lambda p: p.accept(coding_id, coder=self.coder))

    def reject(self, coding_id: int) -> int:
        """Reject an automatic coding or suggestion, as ``qualcode project reject`` does."""
        return self._write(lambda p: p.reject(coding_id, coder=self.coder))

    def memo(self, text: str, *, coding: int | None = None) -> int:
        """Write a memo on one's coding ``coding``, or on the shown document."""
        if coding is None:
            return self._write(lambda p: p.add_memo(text, author=self.coder, document=self.document))
        return self._write(lambda p: p.add_memo(text, author=self.coder, coding=coding))

    def show(self, document: str) -> None:
        """Show another document of the project."""
        with self._lock, self._open() as project:
            self._load(project, document)

    def refresh(self) -> None:
        """Show the project as stored now (another widget, kernel or the CLI may have changed it)."""
        with self._lock, self._open() as project, self.hold_sync():
            self.documents = ids = list(project.documents()["document"])
            if self.document not in ids:
                if ids:
                    self._load(project, ids[0])
                return
            if project.transcript(self.document).text != self._text:
                self._load(project, self.document)
            else:
                self._load_codings(project)

    # -- internals ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _open(self) -> Iterator[Project]:
        """The widget's own connection in this thread: the kernel may hand each message to another thread
        (ipykernel's subshells), and an SQLite connection stays in the thread that opened it."""
        thread = threading.get_ident()
        project = self._connections.get(thread)
        if project is None:
            project = Project(self.path, fuzzy_threshold=self.fuzzy_threshold, timeout=self.timeout).connect()
            self._connections[thread] = project
        yield project

    def close(self) -> None:
        """Close the widget (in the front end too) and its connections to the project."""
        for thread, project in list(getattr(self, "_connections", {}).items()):
            if thread == threading.get_ident():
                project.close()
            del self._connections[thread]  # another thread's: closed when collected
        super().close()

    def _write(self, action: Callable[[Project], int]) -> int:
        if self.read_only:
            raise ProjectError(self.read_only)
        with self._lock, self._open() as project:
            result = action(project)
            self._load_codings(project, changes_only=True)
            for other in list(CodingWidget._live):  # the other widgets of this kernel on this document
                if other is not self and other.document == self.document and other._same_file(self.path):
                    other._load_codings(project, changes_only=True)
        return result

    def _same_file(self, path: Path) -> bool:
        try:
            return os.path.samefile(self.path, path)
        except OSError:
            return False

    def _load(self, project: Project, document: str) -> None:
        transcript = project.transcript(document)  # raises ProjectError for an unknown document
        self._text, self._shown = transcript.text, document
        with self.hold_sync():
            self.document = document
            self.blocks = widget_blocks(transcript)
            self.read_only = read_only_reason(project) or ""
            self._load_codings(project)

    def _load_codings(self, project: Project, *, changes_only: bool = False) -> None:
        """Show the stored codings of the document: all of them in the traits (a new document, a refresh), or
        after an action (``changes_only``) only what changed, as one message (see :meth:`_send_changes`)."""
        state = document_state(project, self.document, self.coder)
        counts: dict[str, tuple[int, int]] = {}
        for c in state.codings:
            own, open_ = counts.get(c.code, (0, 0))
            counts[c.code] = (own + 1, open_) if c.kind == "human" else (own, open_ + 1)
        book = project_codebook(project)
        values = {
            "codes": widget_palette(book, counts, language=self.language),
            "codings": widget_codings(state.codings, state.memos),
            "memos": widget_memos(state.memos),
            "note": f"{state.unplaced} of your codings on this document could not be placed after its text was "
            "edited: see Project.unplaced()." if state.unplaced else "",
        }
        if changes_only:
            self._send_changes(values)
        else:
            with self.hold_sync():
                for name, value in values.items():
                    setattr(self, name, value)

    def _send_changes(self, values: dict[str, Any]) -> None:
        """Set these traits, sending the front end only what changed: the codings added, changed or removed
        (not the document's other codings), and the palette, memos, note or status when they changed.

        The changes wait in :attr:`_outbox` while a message from the front end is handled, to go with its
        status in one message; the front end's ``initialize`` applies them to its copy of the traits."""
        outbox = self._outbox if self._outbox is not None else _outbox()
        if "codings" in values:
            old = {c["id"]: c for c in self.codings}
            new = {c["id"]: c for c in values["codings"]}
            outbox["put"] |= {i: c for i, c in new.items() if old.get(i) != c}
            outbox["drop"] |= {i for i in old if i not in new}
            outbox["drop"] -= set(new)
        outbox["set"] |= {name: v for name, v in values.items() if name != "codings" and v != getattr(self, name)}
        self._set_quietly(values)
        if self._outbox is None:
            self._flush(outbox)

    def _set_quietly(self, values: dict[str, Any]) -> None:
        """Set traits in the kernel without syncing them: the front end gets them in a message of changes."""
        self._quiet = frozenset(values)
        try:
            for name, value in values.items():
                setattr(self, name, value)
        finally:
            self._quiet = frozenset()

    def _flush(self, outbox: dict[str, Any]) -> None:
        if outbox["put"] or outbox["drop"] or outbox["set"]:
            self.send({**outbox, "put": list(outbox["put"].values()), "drop": sorted(outbox["drop"])})

    def _should_send_property(self, key: str, value: Any) -> bool:
        # ipywidgets asks this before syncing a changed trait: not those that _send_changes sends itself
        return key not in self._quiet and super()._should_send_property(key, value)

    def _on_document(self, change: dict[str, Any]) -> None:
        if change["new"] == self._shown:  # set by _load itself
            return
        try:
            self.show(change["new"])
        except ProjectError as error:
            with self.hold_sync():
                self.document = change["old"]
                self.status = {"seq": self.status.get("seq", 0), "ok": False, "message": str(error)}

    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        seq, started = content.get("seq", 0), time.perf_counter()
        self._outbox = _outbox()  # sent with the status, below
        try:
            message = self._dispatch(content)
            ok = True
        except KeyError as error:
            message, ok = f"The widget's {content.get('action')!r} message lacks its {error} field.", False
        except (QualcodeError, TypeError, ValueError) as error:
            message, ok = str(error), False
            with contextlib.suppress(QualcodeError), self._lock, self._open() as project:
                self._load_codings(project, changes_only=True)  # the stored state, whatever was tried
        except Exception as error:  # a bug: say so in the widget rather than leave it waiting
            _log.exception("The coding widget failed on %r", content)
            message, ok = f"qualcode failed ({type(error).__name__}: {error}); please report it.", False
        outbox, self._outbox = self._outbox, None
        # the kernel's share of the browser's round trip, for the figures of the browser test
        status = {"seq": seq, "ok": ok, "message": message, "ms": round(1000 * (time.perf_counter() - started), 1)}
        if outbox["put"] or outbox["drop"] or outbox["set"]:  # the changes and the status in one message
            self._set_quietly({"status": status})
            outbox["set"]["status"] = status
            self._flush(outbox)
        else:  # nothing changed (a refresh, an action refused): the status alone
            self.status = status

    def _dispatch(self, content: dict[str, Any]) -> str:
        action = content.get("action")
        if action == "code":
            self.code(content["code"], int(content["start"]), int(content["end"]), text=content.get("text"),
                      new_code=content.get("new_code") is True)
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


def _outbox() -> dict[str, Any]:
    """Changes to send the front end: codings put (by id) and dropped (ids), and other traits set."""
    return {"kind": "changes", "put": {}, "drop": set(), "set": {}}
