"""Retrieval: the segments and verbatim quotes behind codes, and keywords in context across a corpus."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from qualcode.analysis.tables import _check_result, _code_order, _coded
from qualcode.model.transcript import Segment, Transcript

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.ingest.corpus import Corpus
    from qualcode.model.results import CodingResult

__all__ = ["kwic", "retrieve"]

SEGMENT_COLUMNS = ["document", "segment_id", "speaker", "section", "start", "end", "codes", "text"]
QUOTE_COLUMNS = ["document", "segment_id", "speaker", "section", "codes", "start", "end", "quote"]
KWIC_COLUMNS = ["document", "start", "end", "left", "match", "right", "speaker", "section"]
NOT_ATTRIBUTES = ("document", "language", "chars", "words", "segments")


def retrieve(
    result: CodingResult,
    code: str | None = None,
    *,
    all_of: Collection[str] = (),
    any_of: Collection[str] = (),
    none_of: Collection[str] = (),
    quotes_only: bool = False,
    rollup: bool = False,
) -> pd.DataFrame:
    """The coded segments for a code or a combination of codes, ready to quote (NVivo's coding query).

    Parameters
    ----------
    result : a coding run.
    code : a code the segments must have.
    all_of : codes the segments must all have ("A and B": ``all_of=("A", "B")``).
    any_of : codes of which the segments must have at least one ("A or B").
    none_of : codes the segments must not have ("A not B": ``retrieve(result, "A", none_of=("B",))``);
        alone, it selects every segment without them.
    quotes_only : return the verbatim quotations (« », “ ”, "...") that lie inside the retrieved segments
        instead of the segments.
    rollup : a segment coded with a child code has its ancestor codes too.

    Returns
    -------
    DataFrame with ``document``, ``segment_id``, ``speaker``, ``section``, ``start``, ``end``, ``codes`` (all
    the segment's codes, joined by ", "), ``text``, then the documents' attributes (role, site...), in
    document order. With ``quotes_only``, one row per quote: ``document``, ``segment_id``, ``speaker``,
    ``section``, ``codes``, ``start``, ``end`` (the quote's offsets) and ``quote``, then the attributes.
    """
    import pandas as pd

    _check_result(result, "retrieve")
    required, wanted, excluded = _query(result, code, all_of, any_of, none_of)
    order = _code_order(result)
    segments = result.segments.copy()
    keys = list(zip(segments["document"], segments["segment_id"], strict=True))
    coded = _coded(result, rollup)
    found = coded.groupby(["document", "segment_id"])["code"].agg(frozenset).to_dict()
    sets = [found.get(key, frozenset()) for key in keys]
    keep = pd.Series(
        [required <= s and bool(s & wanted or not wanted) and not s & excluded for s in sets],
        index=segments.index,
        dtype=bool,
    )
    segments["codes"] = [", ".join(c for c in order if c in s) for s in sets]
    selected = segments[keep][SEGMENT_COLUMNS]
    if quotes_only:
        selected = _quotes_in(result.quotes, selected)
    return selected.merge(_attributes(result), on="document", how="left", suffixes=("", "_attribute"))


def kwic(
    corpus: Corpus | Iterable[Transcript] | Transcript,
    term: str,
    *,
    lemma: bool = True,
    window: int = 8,
    language: str | None = None,
) -> pd.DataFrame:
    """Keyword in context: every occurrence of a word or phrase across transcripts.

    Parameters
    ----------
    corpus : a Corpus, transcripts, or one transcript.
    term : a word or a phrase of several words.
    lemma : match on folded lemmas ("parents" finds "parent", "Parents", "parent's"); when False, on
        folded forms (lower case, no accents: "parents" finds "Parents", "PARENTS", not "parent").
    window : how many words (punctuation aside) of context to show on each side, within the paragraph.
    language : the language whose spaCy pipeline to use; by default each transcript's own.

    Returns
    -------
    DataFrame with ``document``, ``start``, ``end`` (offsets into the transcript's text, which
    ``text[start:end]`` is the match), ``left``, ``match``, ``right``, and the ``speaker`` and ``section``
    of the occurrence; in corpus order, then text order.
    """
    import pandas as pd

    transcripts = _transcripts(corpus)
    if not isinstance(term, str) or not term.strip():
        raise ValueError(f"The 'term' parameter of kwic must be a word or phrase. Got {term!r} instead.")
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise ValueError(
            f"The 'window' parameter of kwic must be an integer >= 0 (words). Got {window!r} instead."
        )
    rows: list[dict[str, Any]] = []
    for transcript in transcripts:
        rows += _occurrences(transcript, term, lemma, window, language)
    return pd.DataFrame(rows, columns=KWIC_COLUMNS)


def _query(
    result: CodingResult, code: str | None, all_of: Any, any_of: Any, none_of: Any
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Check the codes of a retrieval (every bad argument at once); return (required, any of, excluded)."""
    known = _code_order(result)
    given = {"code": () if code is None else code, "all_of": all_of, "any_of": any_of, "none_of": none_of}
    parsed = {name: (value,) if isinstance(value, str) else tuple(value) for name, value in given.items()}
    problems = [
        f"The {name!r} parameter of retrieve must name codes of the codebook ({', '.join(known)}). "
        f"Got {', '.join(repr(c) for c in codes if c not in known)} instead."
        for name, codes in parsed.items()
        if any(c not in known for c in codes)
    ]
    if not (parsed["code"] or parsed["all_of"] or parsed["any_of"] or parsed["none_of"]):
        problems.append("retrieve needs a code: give 'code', 'all_of', 'any_of' or 'none_of'.")
    if problems:
        raise ValueError(" ".join(problems))
    required = frozenset(parsed["code"] + parsed["all_of"])
    return required, frozenset(parsed["any_of"]), frozenset(parsed["none_of"])


def _quotes_in(quotes: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """The quotes that lie wholly inside one of ``segments``, with that segment's details."""
    quotes = quotes.rename(columns={"text": "quote"})
    pairs = quotes.merge(segments.drop(columns="text"), on="document", suffixes=("", "_segment"))
    inside = (pairs["start"] >= pairs["start_segment"]) & (pairs["end"] <= pairs["end_segment"])
    return pairs[inside][QUOTE_COLUMNS].reset_index(drop=True)


def _attributes(result: CodingResult) -> pd.DataFrame:
    table = result.document_table
    return table[["document", *(c for c in table.columns if c not in NOT_ATTRIBUTES)]]


def _transcripts(corpus: Any) -> list[Transcript]:
    items = [corpus] if isinstance(corpus, Transcript) else list(corpus)
    wrong = [type(t).__name__ for t in items if not isinstance(t, Transcript)]
    if wrong:
        raise TypeError(
            f"The 'corpus' parameter of kwic must be a Corpus or Transcripts. Got "
            f"{', '.join(dict.fromkeys(wrong))} items instead."
        )
    return items


def _occurrences(
    transcript: Transcript, term: str, lemma: bool, window: int, language: str | None
) -> list[dict[str, Any]]:
    from qualcode.ingest.nlp import get_pipeline

    nlp = get_pipeline(language or transcript.language or "en")
    needle = _keys(nlp(term), lemma)
    paragraphs = transcript.segments("paragraph", nlp=nlp)
    rows: list[dict[str, Any]] = []
    for paragraph, doc in zip(paragraphs, nlp.pipe(p.text for p in paragraphs), strict=True):
        tokens = [t for t in doc if not t.is_space]
        keys = _keys(tokens, lemma)
        for i in range(len(tokens) - len(needle) + 1):
            if keys[i : i + len(needle)] == needle:
                rows.append(_row(paragraph, tokens, i, i + len(needle), window))
    return rows


def _keys(tokens: Iterable[Any], lemma: bool) -> list[str]:
    from qualcode.ingest.nlp import fold

    return [t.lemma_ if lemma else fold(t.text) for t in tokens if not t.is_space]


def _row(paragraph: Segment, tokens: list[Any], first: int, stop: int, window: int) -> dict[str, Any]:
    """One occurrence: tokens ``[first, stop)`` of ``paragraph``, with ``window`` words each side."""
    words = [i for i, t in enumerate(tokens) if not t.is_punct]
    begin, end = tokens[first].idx, tokens[stop - 1].idx + len(tokens[stop - 1])
    before = words[max(0, bisect_left(words, first) - window) : bisect_left(words, first)]
    after = words[bisect_left(words, stop) :][:window]
    left = tokens[before[0]].idx if before else begin
    right = tokens[after[-1]].idx + len(tokens[after[-1]]) if after else end
    text, offset = paragraph.text, paragraph.start
    return {
        "document": paragraph.document,
        "start": offset + begin,
        "end": offset + end,
        "left": text[left:begin].strip(),
        "match": text[begin:end],
        "right": text[end:right].strip(),
        "speaker": paragraph.speaker,
        "section": paragraph.section,
    }
