"""The coding widget's front end: its synchronised state and what it is drawn from.

:class:`CodingView` is an anywidget (JupyterLab 4, Notebook 7, VS Code) whose JavaScript
(``widget.js``, beside this module) draws a transcript with its speakers, roles and interview-guide
sections, the codes as coloured margin bars as in the HTML report, and the codebook as a palette. It holds
no behaviour: the person's actions arrive as messages that a subclass bound to a project handles
(:class:`qualcode.project.widget.CodingWidget`). The functions below turn a transcript, a codebook and
codings into the plain lists the front end draws; offsets are code points into the transcript's text, as
everywhere in qualcode (the JavaScript converts them from and to the browser's UTF-16).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from qualcode.views.layout import document_view, themes_for

if TYPE_CHECKING:
    from qualcode.model.codebook import Codebook
    from qualcode.model.transcript import Transcript

__all__ = ["CodingView", "widget_blocks", "widget_codings", "widget_memos", "widget_palette"]

HERE = Path(__file__).resolve().parent
KEYS = [*"123456789", "0"]  # the number keys of the first ten codes of the palette


class CodingView(anywidget.AnyWidget):
    """The synchronised state of a coding widget; see :class:`qualcode.project.widget.CodingWidget`.

    The front end sends each action as a message ``{"seq": n, "action": ..., ...}`` and waits for ``status``
    to carry the same ``seq`` (set together with the new codings, in one update).
    """

    _esm = HERE / "widget.js"
    _css = HERE / "widget.css"

    coder = traitlets.Unicode("").tag(sync=True)
    documents = traitlets.List(traitlets.Unicode()).tag(sync=True)
    document = traitlets.Unicode("").tag(sync=True)
    blocks: traitlets.List[Any] = traitlets.List().tag(sync=True)
    codes: traitlets.List[Any] = traitlets.List().tag(sync=True)
    codings: traitlets.List[Any] = traitlets.List().tag(sync=True)
    memos: traitlets.List[Any] = traitlets.List().tag(sync=True)
    filter = traitlets.Unicode("").tag(sync=True)
    read_only = traitlets.Unicode("").tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)
    status = traitlets.Dict().tag(sync=True)


def widget_blocks(transcript: Transcript) -> list[dict[str, Any]]:
    """The transcript's blocks (headings, guide questions, paragraphs) with their offsets, text and speaker."""
    blocks = []
    for b in document_view(transcript, [], [], anchor="").blocks:
        block: dict[str, Any] = {"s": b.start, "e": b.end, "kind": b.kind, "text": transcript.text[b.start : b.end]}
        if b.kind == "heading":
            block["level"] = b.level
        if b.speaker:
            block |= {"speaker": b.speaker, "role": b.role or "", "first": b.first_in_turn}
        if b.time:
            block["time"] = b.time
        blocks.append(block)
    return blocks


def widget_palette(
    codebook: Codebook, counts: Mapping[str, tuple[int, int]] | None = None, *, language: str | None = "en"
) -> list[dict[str, Any]]:
    """The codebook as the palette shows it: codes in tree order (children under their parent) with their
    depth, colour and tint, the number key of the first ten, and ``counts`` (code -> (the person's codings,
    open automatic codings) in the document)."""
    counts = counts or {}
    themes = {t.id: t for t in themes_for(codebook, language=language)}
    known = set(codebook.ids)
    order: list[tuple[str, int]] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for code in codebook.codes:
            top = code.parent is None or code.parent not in known or code.parent == code.id
            if (top if parent is None else code.parent == parent) and code.id not in seen:
                seen.add(code.id)
                order.append((code.id, depth))
                walk(code.id, depth + 1)

    walk(None, 0)
    order += [(c, 0) for c in codebook.ids if c not in seen]  # a cycle of parents: shown flat
    palette = []
    for i, (code_id, depth) in enumerate(order):
        theme = themes[code_id]
        own, open_ = counts.get(code_id, (0, 0))
        palette.append(
            {
                "id": code_id,
                "label": theme.label,
                "color": theme.color,
                "tint": theme.tint,
                "depth": depth,
                "key": KEYS[i] if i < len(KEYS) else "",
                "n": own,
                "open": open_,
                "definition": theme.definition,
            }
        )
    return palette


def widget_codings(codings: Iterable[Any], memos: Iterable[Any] = ()) -> list[dict[str, Any]]:
    """Codings (rows with ``id, code, start, end, coder, kind``, ``rule`` and ``decision``) as the front end
    draws them, with the number of ``memos`` (rows with ``coding``) on each."""
    on = Counter(m.coding for m in memos if m.coding is not None)
    rows = []
    for c in codings:
        row = {"id": c.id, "code": c.code, "s": c.start, "e": c.end, "kind": c.kind, "coder": c.coder,
               "memos": on[c.id]}
        if c.rule:
            row["rule"] = c.rule
        if c.decision:
            row["decision"] = c.decision
        rows.append(row)
    return rows


def widget_memos(memos: Iterable[Any]) -> list[dict[str, Any]]:
    """Memos (rows with ``id, author, coding, code, text, created``) as the front end lists them."""
    return [
        {"id": m.id, "author": m.author, "coding": m.coding, "code": m.code, "text": m.text, "created": m.created}
        for m in memos
    ]
