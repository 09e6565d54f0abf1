"""HTML views of transcripts and coding runs, for Jupyter (``_repr_html_``) and for the report.

A transcript laid out in blocks and runs (:mod:`qualcode.views.layout`) is turned into HTML by the Jinja2
templates in ``qualcode/views/templates`` and by :func:`render_block`, escaping all text. CSS classes start
with ``qc-``; the colours of the codes are CSS variables set on the outer element, so several outputs in one
notebook do not disturb each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from qualcode.views.layout import Block, Theme, coded_spans, document_view, themes_for

if TYPE_CHECKING:
    import jinja2
    import pandas as pd

    from qualcode.model.codebook import Codebook
    from qualcode.model.results import CodingResult
    from qualcode.model.transcript import Transcript

__all__ = ["coded_transcript_html", "result_html", "transcript_html"]

_PASSAGES_SHOWN = 10


def transcript_html(transcript: Transcript) -> str:
    """The transcript as HTML: headings, guide questions, paragraphs and speaker turns (for Jupyter)."""
    view = document_view(transcript, [], [], anchor="")
    return environment().get_template("display.html.j2").render(mode="transcript", doc=view, themes=[])


def coded_transcript_html(
    transcript: Transcript,
    result_or_codings: CodingResult | pd.DataFrame,
    codebook: Codebook | None = None,
    *,
    language: str | None = "en",
) -> str:
    """The transcript with its coded segments tinted in the codes' colours, code names in the margin.

    Parameters
    ----------
    transcript : the transcript.
    result_or_codings : a coding run (its codings and evidence for this transcript are shown, matches
        underlined with the rule on hover), or a codings table: with ``start``/``end`` (the segment's
        offsets) or with ``segment_id`` and ``unit`` (offsets found by segmenting the transcript again).
    codebook : gives the codes' names and colours; the run's codebook when None.
    language : language of the codes' names.
    """
    codings, evidence, codebook = _codings_of(result_or_codings, codebook, transcript)
    themes = themes_for(codebook, codings["code"], language)
    coded, hits = coded_spans(codings, evidence, themes)
    view = document_view(transcript, coded, hits, anchor="")
    return environment().get_template("display.html.j2").render(mode="coded", doc=view, themes=themes)


def result_html(result: CodingResult, *, language: str | None = "en") -> str:
    """A summary of a coding run: counts, the documents x codes matrix and the first coded passages."""
    from qualcode.analysis.tables import theme_frequency, theme_matrix

    themes = themes_for(result.codebook, result.codings["code"], language)
    by_id = {t.id: t for t in themes}
    matrix = theme_matrix(theme_frequency(result), totals=True)
    rows: Iterable[Any] = result.codings.head(_PASSAGES_SHOWN).itertuples(index=False)  # cells of any type
    passages = [
        {
            "document": row.document,
            "theme": by_id[row.code],
            "text": row.text,
            "rule": row.rule,
            "matched": row.matched,
        }
        for row in rows
    ]
    return (
        environment()
        .get_template("display.html.j2")
        .render(
            mode="result",
            result=result,
            themes=themes,
            matrix=matrix,
            passages=passages,
            coded_segments=len(result.codings[["document", "segment_id"]].drop_duplicates()),
        )
    )


def _escape(value: Any) -> str:
    """``markupsafe.escape`` as a plain string: the same five entities, without a Markup per piece."""
    return (str(value).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def render_block(b: Block, by_key: dict[str, Theme]) -> Any:
    """One block (a paragraph, guide question or heading) as HTML: its code bars, its text cut into runs and
    underlined matches, and its margin of code chips (the ``chip`` macro's markup, without a count).

    Written in Python, not as a Jinja macro: a report has a block per paragraph of every transcript, and a
    macro call for each cost more than all the coding.
    """
    from markupsafe import Markup

    esc = _escape
    keys = b.keys
    out = [f'<div class="qc-block qc-{esc(b.kind)}']
    if b.kind == "heading":
        out.append(f" qc-level-{esc(b.level)}")
    if b.role:
        out.append(f" qc-role-{esc(b.role)}")
    if b.chips:
        out.append(" qc-coded")
    out += [f" qc-has-{esc(k)}" for k in keys]
    out.append('">\n<div class="qc-bars" aria-hidden="true">')
    out += [f'<span class="qc-bar qc-{esc(k)}"></span>' for k in keys]
    out.append('</div>\n<div class="qc-text"')
    if b.kind == "heading":
        out.append(f' role="heading" aria-level="{esc(b.level + 2)}"')
    out.append(">")
    if b.time:
        out.append(f'<span class="qc-time">{esc(b.time)}</span>')
    if b.speaker:
        role = f' title="{esc(b.role)}"' if b.role else ""
        out.append(f'<span class="qc-speaker{"" if b.first_in_turn else " qc-cont"}"{role}>{esc(b.speaker)}</span>')
    for run in b.runs:
        if run.keys:
            classes = "".join(f" qc-{esc(k)}" for k in run.keys)
            out.append(f'<span class="qc-run{classes}" style="--bg:{esc(run.background)}">')
        for text, hit_keys, title in run.pieces:
            if hit_keys:
                classes = "".join(f" qc-{esc(k)}" for k in hit_keys)
                out.append(f'<mark class="qc-hit{classes}" title="{esc(title)}">{esc(text)}</mark>')
            else:
                out.append(esc(text))
        if run.keys:
            out.append("</span>")
    out.append('</div>\n<div class="qc-margin">')
    for k, title in b.chips:
        theme = by_key[k]
        tip = f' title="{esc(title)}"' if title else ""
        out.append(f'<span class="qc-chip qc-{esc(theme.key)}"{tip}>{esc(theme.label)}</span>')
    out.append("</div>\n</div>")
    return Markup("".join(out))


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of qualcode's templates: autoescaping on, undefined names are errors."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("qualcode.views", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["thousands"] = lambda n: f"{int(n):,}"
    env.globals["render_block"] = render_block
    return env


def _codings_of(
    source: Any, codebook: Codebook | None, transcript: Transcript
) -> tuple[pd.DataFrame, pd.DataFrame | None, Codebook]:
    """This transcript's codings (with segment offsets) and evidence, and the codebook to show them with."""
    import pandas as pd

    from qualcode.model.results import CodingResult

    if isinstance(source, CodingResult):
        codings, evidence = source.codings, source.evidence
        codebook = codebook or source.codebook
    elif isinstance(source, pd.DataFrame):
        codings, evidence = source, None
    else:
        raise TypeError(
            "The 'result_or_codings' parameter of coded_transcript_html must be a CodingResult "
            f"or a codings DataFrame. Got {type(source).__name__} instead."
        )
    if codebook is None:
        raise ValueError(
            "The 'codebook' parameter of coded_transcript_html is needed with a codings table: "
            "it gives the codes' names and colours. Pass the codebook the codings were made with."
        )
    if "document" in codings.columns:
        codings = codings[codings["document"] == transcript.id]
        if evidence is not None:
            evidence = evidence[evidence["document"] == transcript.id]
    if not {"start", "end"} <= set(codings.columns):
        codings = _locate(codings, transcript)
    return codings, evidence, codebook


def _locate(codings: pd.DataFrame, transcript: Transcript) -> pd.DataFrame:
    """Add the segments' offsets to codings that only have ``segment_id`` and ``unit``."""
    needed = {"segment_id", "unit", "code"} - set(codings.columns)
    if needed:
        raise ValueError(
            "The codings table given to coded_transcript_html must have 'code' and either "
            f"'start'/'end' or 'segment_id'/'unit' columns; it lacks {', '.join(sorted(needed))}. "
            f"Its columns are {', '.join(map(str, codings.columns))}."
        )
    offsets: dict[tuple[str, int], tuple[int, int]] = {}
    for unit in codings["unit"].dropna().unique():
        offsets |= {(unit, s.segment_id): (s.start, s.end) for s in transcript.segments(unit)}
    keys = list(zip(codings["unit"], codings["segment_id"].astype(int), strict=True))
    known = [k in offsets for k in keys]
    located = codings[known].copy()
    located["start"] = [offsets[k][0] for k, ok in zip(keys, known, strict=True) if ok]
    located["end"] = [offsets[k][1] for k, ok in zip(keys, known, strict=True) if ok]
    return located
