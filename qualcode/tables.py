"""Analysis tables over codings: tidy first, pivots for display."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.coder import CodingResult

__all__ = ["theme_frequency", "theme_matrix"]


def theme_frequency(result: CodingResult | pd.DataFrame) -> pd.DataFrame:
    """Theme frequency across interviews, tidy: one row per document and code.

    Columns: ``document``, ``code``, ``segments`` (coded segments), ``share`` (of the document's segments,
    when the segments are known) and ``present`` (0/1). Given a :class:`CodingResult`, every document and
    every code of the codebook has a row, zeros included; given a codings DataFrame, those that occur.
    """
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        codings, documents, codes, totals = result, sorted(result["document"].unique()), None, None
    else:
        codings, documents, codes = result.codings, result.documents, result.codebook.ids
        totals = result.segments.groupby("document").size()
    codes = codes or list(dict.fromkeys(codings["code"]))
    counts = codings.groupby(["document", "code"]).size()
    index = pd.MultiIndex.from_product([documents, codes], names=["document", "code"])
    frame = counts.reindex(index, fill_value=0).rename("segments").reset_index()
    if totals is not None:
        frame["share"] = (frame["segments"] / frame["document"].map(totals).clip(lower=1)).round(4)
    frame["present"] = (frame["segments"] > 0).astype(int)
    return frame


def theme_matrix(frequency: pd.DataFrame, value: str = "segments") -> pd.DataFrame:
    """The documents x codes pivot of :func:`theme_frequency` (document order and code order kept)."""
    documents = list(dict.fromkeys(frequency["document"]))
    codes = list(dict.fromkeys(frequency["code"]))
    wide = frequency.pivot(index="document", columns="code", values=value)
    wide = wide.reindex(index=documents, columns=codes)
    wide.columns.name = None
    return wide
