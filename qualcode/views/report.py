"""A coding run as one self-contained HTML page: summary, theme table, charts and every coded transcript.

The page holds its CSS, JavaScript and charts (SVG, as data URIs) inline: it needs no network and can be sent
to a colleague as one file. It is built from the Jinja2 templates of ``qualcode/views/templates`` with
autoescaping on, so transcript text always shows as text. Like the other outputs it holds no date or
absolute path: the same run gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import os
import zlib
from collections import Counter, namedtuple
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from markupsafe import Markup

from qualcode.model.files import write_atomic_path
from qualcode.model.progress import OnProgress, Step
from qualcode.views.display import environment
from qualcode.views.layout import DocumentView, Theme, coded_spans, document_view, themes_for

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from qualcode.coding.coder import Coder
    from qualcode.ingest.corpus import Corpus
    from qualcode.model.results import CodedDocument, CodingResult
    from qualcode.model.transcript import Transcript

__all__ = ["render_coded", "render_report", "write_report"]

_BASE_COLUMNS = ("document", "language", "chars", "words", "segments")
_VALUES_SHOWN = 8  # attribute values listed in the overview; more are summarised as a range
_STACK_ABOVE = 12  # documents above which the frequency chart stacks its bars
_HEATMAP_UP_TO = 40  # documents up to which the heatmap is drawn; beyond, the theme table is the overview


def render_report(
    result: CodingResult,
    corpus_or_transcripts: Corpus | Iterable[Transcript],
    *,
    title: str | None = None,
    language: str | None = "en",
    progress: OnProgress | None = None,
) -> str:
    """The report of a coding run as an HTML string; see :func:`write_report`."""
    return "".join(_render(result, corpus_or_transcripts, title=title, language=language, progress=progress))


def _render(
    result: CodingResult, corpus_or_transcripts: Corpus | Iterable[Transcript], *, title: str | None,
    language: str | None, progress: OnProgress | None = None,
) -> Iterator[str]:
    """The report's HTML in pieces, as Jinja2 makes them: written as they come, it is never whole in memory."""
    from qualcode.analysis.tables import theme_frequency, theme_matrix
    from qualcode.model.results import CodingResult
    from qualcode.model.version import __version__

    if not isinstance(result, CodingResult):
        raise TypeError(
            "The 'result' parameter of render_report must be a CodingResult (what Coder.code "
            f"returns). Got {type(result).__name__} instead."
        )
    themes = themes_for(result.codebook, result.codings["code"], language)
    frequency = theme_frequency(result)
    docs = _documents(result, corpus_or_transcripts, themes)
    written = Step(progress, "writing the report", "document", total=len(docs))

    def one_written() -> str:  # the template calls it after each document
        written.update()
        return ""

    context = {
        "title": title or f"Coded interviews: {result.codebook.name}",
        "version": __version__,
        "codebook": result.codebook,
        "coder": result.coder,
        "unit": result.unit,
        "themes": themes,
        "by_key": {t.key: t for t in themes},
        "stats": _theme_stats(result, themes),
        "summary": _summary(result),
        "problems": {"errors": result.errors.to_dict("records"), "warnings": list(result.warnings)},
        "matrix": theme_matrix(frequency, totals=True),
        "anchors": {d.id: d.anchor for d in docs},
        "charts": _charts(result, frequency, language),
        "docs": docs,
        "written": one_written,
    }
    return environment().get_template("report.html.j2").generate(context)


def write_report(
    result: CodingResult,
    corpus_or_transcripts: Corpus | Iterable[Transcript],
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    language: str | None = "en",
    progress: OnProgress | None = None,
) -> Path:
    """Write the report of a coding run to ``path`` as one self-contained HTML file; return the path.

    Parameters
    ----------
    result : the coding run (``Coder.code``).
    corpus_or_transcripts : the transcripts that were coded (a :class:`Corpus` or any iterable of
        :class:`Transcript`); their text is shown with the coded passages highlighted. A coded document
        whose transcript is missing is listed with a note; transcripts that were not coded are left out.
    path : the HTML file to write. It is written beside, then moved in place: a reader never sees half
        a report, and a failure leaves the previous file.
    title : the page's title; by default "Coded interviews: <codebook name>".
    language : language of the codes' names and definitions (and of the charts' labels); the page's own
        words are in English.
    progress : called with a :class:`~qualcode.model.progress.Progress` of the documents written (step
        ``writing the report``).
    """
    path = Path(path)
    pieces = _render(result, corpus_or_transcripts, title=title, language=language, progress=progress)

    def write(temporary: Path) -> None:
        with open(temporary, "w", encoding="utf-8", newline="\n") as file:
            file.writelines(pieces)

    return write_atomic_path(path, write, parents=True)


@dataclass(frozen=True)
class Body:
    """A coded transcript's HTML (the ``transcript`` macro's), rendered where it was coded: in a worker
    process, once, and kept in the cache. ``themes`` is :func:`themes_key` of the themes it was drawn with;
    the report uses it only when its own themes are the same.

    The HTML is kept compressed (``packed``: zlib, UTF-8): a run holds every document's body until the report
    is written, and HTML of a million words is about 38 MB as Python strings, 3 MB so; :attr:`html` gives it
    back, and the report unpacks each body only as it writes it.
    """

    packed: bytes
    counts: dict[str, int]
    words: int
    paragraphs: int
    language: str | None
    themes: str

    @classmethod
    def of(cls, html: str, counts: dict[str, int], words: int, paragraphs: int, language: str | None,
           themes: str) -> Body:
        return cls(zlib.compress(html.encode("utf-8"), 1), counts, words, paragraphs, language, themes)

    @property
    def html(self) -> Markup:
        return Markup(zlib.decompress(self.packed).decode("utf-8"))

    def __html__(self) -> Markup:  # in a template, ``{{ body }}`` writes the HTML as it is
        return self.html


def themes_key(themes: list[Theme]) -> str:
    """What of the themes shows in a transcript's HTML (keys, ids, labels, colours), as a short hash."""
    blob = repr([(t.key, t.id, t.label, t.color, t.tint) for t in themes])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def render_body(document: CodedDocument, themes: list[Theme]) -> Body:
    """The HTML of one coded document's transcript, as the report shows it with ``themes``."""
    from qualcode.model.results import CODING_COLUMNS, EVIDENCE_COLUMNS, _add_codings, _Columns

    codings, evidence = _Columns(CODING_COLUMNS), _Columns(EVIDENCE_COLUMNS)
    order = {t.id: i for i, t in enumerate(themes)}
    for seg in document.segments:
        found = document.evidence.get(seg.segment_id)
        if found:
            _add_codings(codings, seg, found, order, ("", ""))
            evidence.extend(seg.document, seg.segment_id, found)
    coded, hits = coded_spans(codings.rows(), evidence.rows(), themes)
    view = document_view(document.transcript, coded, hits, anchor="")
    macros = environment().get_template("_transcript.html.j2").module
    # Markup: the report takes it as it is. (jinja2 adds a template's macros as attributes at run time.)
    html = macros.transcript(view, {t.key: t for t in themes})  # type: ignore[attr-defined]
    return Body.of(html, view.counts, view.words, view.paragraphs, view.language, themes_key(themes))


def _documents(
    result: CodingResult, transcripts: Iterable[Transcript | CodedDocument], themes: list[Theme]
) -> list[DocumentView]:
    """A view of every coded document, in the run's order, from its transcript and codings; a document
    coded with its :class:`Body` already rendered (by the workers of ``qualcode code``) keeps it."""
    from qualcode.model.transcript import Transcript

    texts, bodies, key = {}, {}, themes_key(themes)
    for item in transcripts:
        text = cast("Transcript", getattr(item, "transcript", item))  # a coded document's, or the item
        texts[text.id] = text
        body = getattr(item, "body", None)
        if body is not None and body.themes == key:
            bodies[text.id] = body
    codings, evidence = _by_document(result.codings), _by_document(result.evidence)
    attributes = _attributes(result.document_table)
    docs = []
    for i, doc_id in enumerate(result.documents, start=1):
        body = bodies.get(doc_id)
        if body is not None:
            view = DocumentView(doc_id, f"doc-{i}", body.language, [], body.counts, attributes.get(doc_id, {}),
                                body.words, body.paragraphs, body=body)  # unpacked as it is written
            docs.append(view)
            continue
        transcript = texts.get(doc_id)
        coded, hits = coded_spans(codings.get(doc_id, []), evidence.get(doc_id), themes)
        notes = []
        if transcript is None:
            notes.append(
                "The transcript's text was not given to the report, so its passages cannot be shown."
            )
            transcript = Transcript(doc_id, "", [])
        elif _changed(transcript, codings.get(doc_id)):
            notes.append(
                "This transcript's text differs from the text that was coded: highlights may be "
                "misplaced. Code the corpus again to refresh them."
            )
        view = document_view(transcript, coded, hits, anchor=f"doc-{i}")
        view.attributes, view.notes = attributes.get(doc_id, {}), notes
        docs.append(view)
    return docs


def _by_document(table: pd.DataFrame) -> dict[str, list[Any]]:
    """The rows of ``table`` (as named tuples) grouped by document: one pass, no DataFrame per document."""
    out: dict[str, list[Any]] = {}
    # What itertuples gives, built from plain lists; its fields, the table's columns, are known at run time only.
    row_type = namedtuple("Row", table.columns, rename=True)  # type: ignore[misc]
    rows: Iterable[Any] = map(row_type._make, zip(*(table[c].tolist() for c in table.columns), strict=True))
    for row in rows:
        out.setdefault(row.document, []).append(row)
    return out


def _changed(transcript: Transcript, codings: list[Any] | None) -> bool:
    """True when a coded segment's text is not the transcript's text at its offsets."""
    if not codings or not hasattr(codings[0], "text"):
        return False
    text = transcript.text
    return any(text[row.start : row.end] != row.text for row in codings)


def _attributes(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Each document's participant attributes (not its counts), without the missing ones."""
    columns = [c for c in table.columns if c not in _BASE_COLUMNS]
    return {
        row["document"]: {c: row[c] for c in columns if _present(row[c])} for row in table.to_dict("records")
    }


def _present(value: Any) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and math.isnan(value))
        and str(value).strip() != ""
    )


def _summary(result: CodingResult) -> dict[str, Any]:
    """The corpus summary: sizes, languages, attribute values and the documents table."""
    table = result.document_table
    attributes = []
    for column in (c for c in table.columns if c not in _BASE_COLUMNS):
        values = Counter(str(v) for v in table[column] if _present(v)).most_common()
        if len(values) > _VALUES_SHOWN:
            ordered = sorted(v for v, _ in values)
            attributes.append((column, f"{len(values)} different values, from {ordered[0]} to {ordered[-1]}"))
        elif values:
            attributes.append((column, ", ".join(f"{v} ({n})" for v, n in values)))
    columns = [c for c in table.columns if c != "chars"]
    rows = [["" if not _present(v) else v for v in row] for row in table[columns].itertuples(index=False)]
    languages = Counter(str(v) for v in table["language"] if _present(v)).most_common()
    return {
        "words": int(table["words"].sum()),
        "segments": len(result.segments),
        "coded_segments": len(result.codings[["document", "segment_id"]].drop_duplicates()),
        "codings": len(result.codings),
        "languages": languages,
        "attributes": attributes,
        "table_columns": columns,
        "table_rows": rows,
    }


def _theme_stats(result: CodingResult, themes: list[Theme]) -> dict[str, dict[str, int]]:
    """Per code key: coded passages (segments) and interviews with at least one."""
    codings = result.codings
    passages = codings.groupby("code").size()
    documents = codings.groupby("code")["document"].nunique()
    return {
        t.key: {"passages": int(passages.get(t.id, 0)), "documents": int(documents.get(t.id, 0))}
        for t in themes
    }


def _charts(result: CodingResult, frequency: pd.DataFrame, language: str | None) -> list[dict[str, str]]:
    """The charts of :mod:`qualcode.views.plots` that exist, as SVG data URIs with captions."""
    from qualcode.analysis import tables
    from qualcode.views import plots
    codebook, n = result.codebook, len(result.documents)
    if not n:
        return []
    charts = [
        (
            "Coded passages per interview and theme",
            lambda: plots.plot_theme_frequency(
                frequency, codebook=codebook, stacked=n > _STACK_ABOVE, language=language
            ),
        )
    ]
    if hasattr(plots, "plot_theme_heatmap") and n <= _HEATMAP_UP_TO:
        charts.append(
            (
                "Interviews × themes: the share of each interview's passages coded with each theme",
                lambda: plots.plot_theme_heatmap(frequency, codebook=codebook, language=language),
            )
        )
    if hasattr(plots, "plot_cooccurrence") and hasattr(tables, "cooccurrence") and len(codebook) > 1:
        charts.append(
            (
                "Themes coded on the same passages",
                lambda: plots.plot_cooccurrence(
                    tables.cooccurrence(result), codebook=codebook, language=language
                ),
            )
        )
    return [{"caption": caption, "uri": _svg_uri(draw())} for caption, draw in charts]


def _svg_uri(ax: Axes) -> str:
    """The figure of ``ax`` as a ``data:image/svg+xml`` URI (no date, fixed ids), then closed."""
    import matplotlib.pyplot as plt

    try:
        figure = ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10
        figure = ax.figure.figure
    assert figure is not None, "a chart's Axes are always on a figure"
    buffer = io.BytesIO()
    try:
        with plt.rc_context({"svg.hashsalt": "qualcode", "svg.fonttype": "path"}):
            figure.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        plt.close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


_BODY_FORMAT = 2  # Body kept compressed
_THEMES: dict[str, Any] = {}  # the report's themes of the last codebook seen in this process


def render_coded(coded: CodedDocument, coder: Coder, views: dict[str, Any]) -> bool:
    """Set ``coded.body`` to its transcript's report HTML, from ``views`` when it holds this coding's; else draw it
    and keep only it in ``views``. True when it was drawn anew. The engine runs it where each file is coded."""
    themes = _themes(coder.codebook_)
    roles = [(t.start, t.label, t.data.get("role")) for t in coded.transcript.turns]  # set by the attributes too
    # _BODY_FORMAT: a cache entry's body of an earlier form is drawn again, never read as this one
    view = hashlib.sha256(repr((_BODY_FORMAT, themes_key(themes), coder.unit, sorted(coded.evidence.items()), roles))
                          .encode("utf-8"))
    view_key = view.hexdigest()
    coded.body = views.get(view_key)
    if coded.body is not None:
        return False
    coded.body = render_body(coded, themes)
    views.clear()  # only the last: the cache does not grow with each refinement
    views[view_key] = coded.body
    return True


def _themes(book: Any) -> Any:
    """The report's themes for a codebook (its default language), made once per process and codebook."""
    cached = _THEMES.get("themes")
    if cached is None or cached[0] is not book:
        cached = _THEMES["themes"] = (book, themes_for(book))
    return cached[1]
