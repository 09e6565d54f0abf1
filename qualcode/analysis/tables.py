"""Analysis tables over codings: tidy first, pivots for display.

The tables of NVivo's matrix coding query, ATLAS.ti's code-document and co-occurrence tables and MAXQDA's
code matrix browser. Every function returns a tidy DataFrame (one row per document, group or pair of codes,
zeros included); :func:`theme_matrix` and :func:`cooccurrence_matrix` pivot them for display. With
``rollup=True`` a coding of a child code counts also for each of its ancestors, once per segment.
"""

from __future__ import annotations

from itertools import combinations
from numbers import Real
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from qualcode.model.results import CodingResult

__all__ = ["cooccurrence", "cooccurrence_matrix", "theme_by_attribute", "theme_frequency", "theme_matrix"]

MISSING = "(missing)"
TOTAL = "Total"
RATIOS = ("share", "coverage")
GROUP_COLUMNS = ("code", "documents", "documents_coded", "segments", "share", "coverage")
CODED_COLUMNS = ["document", "segment_id", "start", "end", "code"]


def theme_frequency(result: CodingResult | pd.DataFrame, *, rollup: bool = False) -> pd.DataFrame:
    """Theme frequency across interviews, tidy: one row per document and code.

    Parameters
    ----------
    result : a coding run; or a bare codings DataFrame (``document``, ``code``), for which only
        ``segments`` and ``present`` are given, for the documents and codes that occur.
    rollup : count a coding of a child code also for each ancestor code (a segment counts once per code).

    Returns
    -------
    DataFrame with ``document``, ``code``, ``segments`` (coded segments), ``share`` (of the document's
    segments), ``coverage`` (coded characters / the document's characters, as NVivo and MAXQDA report it:
    the union of the coded segments' ranges, overlaps counted once) and ``present`` (0/1). Every document
    and every code of the codebook has a row, zeros included.
    """
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        if rollup:
            raise ValueError(
                "The 'rollup' parameter of theme_frequency needs a CodingResult, whose codebook "
                "gives the code hierarchy. Got rollup=True with a codings DataFrame instead."
            )
        return _codings_frequency(result)
    _check_result(result, "theme_frequency")
    frame = _per_document(result, rollup)
    documents = result.document_table.set_index("document")
    frame["share"] = frame["segments"] / frame["document"].map(documents["segments"]).clip(lower=1)
    frame["coverage"] = frame["coded_chars"] / frame["document"].map(documents["chars"]).clip(lower=1)
    frame["present"] = (frame["segments"] > 0).astype(int)
    return frame[["document", "code", "segments", "share", "coverage", "present"]]


def theme_matrix(frequency: pd.DataFrame, value: str = "segments", *, totals: bool = False) -> pd.DataFrame:
    """Pivot a tidy table to rows x codes: documents x codes for :func:`theme_frequency`.

    Parameters
    ----------
    frequency : the table of :func:`theme_frequency` (or of :func:`theme_by_attribute`): its first column
        gives the rows, ``code`` the columns; their order is kept.
    value : the column whose values fill the cells (``"segments"``, ``"share"``, ``"coverage"``...).
    totals : add a ``Total`` column (sum over codes) and a ``Total`` row (sum over rows); with
        ``value="segments"`` the corner is the number of codings. Only for counts: shares and coverages
        of documents do not add up, so ratios have no totals (see :func:`theme_by_attribute` for
        ratios of groups of documents).

    Raises
    ------
    ValueError : ``value`` is not a column of the table, or ``totals=True`` with ``share`` or ``coverage``.
    """
    rows = frequency.columns[0]
    if value not in frequency.columns or value in (rows, "code"):
        raise ValueError(
            f"The 'value' parameter of theme_matrix must be a column of the table: "
            f"{', '.join(c for c in frequency.columns if c not in (rows, 'code'))}. "
            f"Got {value!r} instead."
        )
    if totals and value in RATIOS:
        raise ValueError(
            f"The 'totals' parameter of theme_matrix must be False for a ratio ('share', "
            f"'coverage'), whose values do not add up. Got totals=True with value={value!r} "
            "instead; use theme_by_attribute for the ratios of groups of documents."
        )
    wide = frequency.pivot(index=rows, columns="code", values=value)
    wide = wide.reindex(
        index=list(dict.fromkeys(frequency[rows])), columns=list(dict.fromkeys(frequency["code"]))
    )
    wide.columns.name = None
    if totals:
        wide[TOTAL] = wide.sum(axis=1)
        wide.loc[TOTAL] = wide.sum(axis=0)
    return wide


def theme_by_attribute(result: CodingResult, attribute: str, *, rollup: bool = False) -> pd.DataFrame:
    """Themes per group of documents sharing an attribute value (role, site...): NVivo's matrix coding query.

    Parameters
    ----------
    result : a coding run.
    attribute : a column of ``result.document_table`` (``role``, ``site``, ``language``...). Documents
        without a value form the group ``"(missing)"``, listed last; the others are sorted.
    rollup : count a coding of a child code also for each ancestor code.

    Returns
    -------
    DataFrame with the group (a column named after ``attribute``), ``code``, ``documents`` (in the group),
    ``documents_coded`` (with the code), ``segments`` (coded), ``share`` (of the group's segments) and
    ``coverage`` (coded characters / the group's characters). Every group x code, zeros included.
    """
    import pandas as pd

    _check_result(result, "theme_by_attribute")
    table = result.document_table
    groups = _group_labels(table, attribute)
    sizes = table.groupby(groups.to_numpy(), sort=False).agg(
        documents=("document", "size"), all_segments=("segments", "sum"), chars=("chars", "sum")
    )
    frame = _per_document(result, rollup)
    frame[attribute] = frame["document"].map(dict(zip(table["document"], groups, strict=True)))
    frame["documents_coded"] = (frame["segments"] > 0).astype(int)
    counts = frame.groupby([attribute, "code"], sort=False)[
        ["documents_coded", "segments", "coded_chars"]
    ].sum()
    index = pd.MultiIndex.from_product([_group_order(groups), _code_order(result)], names=[attribute, "code"])
    out = counts.reindex(index, fill_value=0).reset_index()
    size = sizes.reindex(out[attribute])
    out.insert(2, "documents", size["documents"].to_numpy())
    out["share"] = out["segments"] / size["all_segments"].clip(lower=1).to_numpy()
    out["coverage"] = out["coded_chars"] / size["chars"].clip(lower=1).to_numpy()
    return out.drop(columns="coded_chars")


def cooccurrence(result: CodingResult, *, window: int = 0, rollup: bool = False) -> pd.DataFrame:
    """Code co-occurrence, tidy: one row per unordered pair of codes (ATLAS.ti's co-occurrence table).

    Parameters
    ----------
    result : a coding run.
    window : 0 counts the segments coded with both codes. For N > 0, let ``a_near_b`` be the number of
        segments coded A that have a segment coded B at most N segments away in the same document (the
        same segment included), and ``b_near_a`` the converse; ``n_ab`` is the smaller of the two, so that
        it is symmetric, equals the count for window 0 when N is 0 and never exceeds ``n_a`` or ``n_b``.
    rollup : count a coding of a child code also for each ancestor code.

    Returns
    -------
    DataFrame with ``code_a``, ``code_b`` (``code_a`` first in codebook order), ``n_a``, ``n_b`` (segments
    coded with each), ``n_ab`` and ``c_coefficient`` = n_ab / (n_a + n_b - n_ab), ATLAS.ti's c-coefficient
    (the Jaccard index for window 0), between 0 and 1; NaN when neither code is used.
    """
    import numpy as np
    import pandas as pd

    _check_result(result, "cooccurrence")
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise ValueError(
            f"The 'window' parameter of cooccurrence must be an integer >= 0 (segments). "
            f"Got {window!r} instead."
        )
    codes = _code_order(result)
    grid = _presence(result, codes, rollup)
    near = _dilate(grid, result.segments["document"].to_numpy(), window)
    reach = grid.astype(int).T @ near.astype(int)
    both = np.minimum(reach, reach.T)  # already symmetric for window 0
    used = grid.sum(axis=0)
    rows = [(codes[i], codes[j], used[i], used[j], both[i, j]) for i, j in combinations(range(len(codes)), 2)]
    frame = pd.DataFrame(rows, columns=["code_a", "code_b", "n_a", "n_b", "n_ab"]).astype(
        {"n_a": int, "n_b": int, "n_ab": int}
    )
    denominator = frame["n_a"] + frame["n_b"] - frame["n_ab"]
    frame["c_coefficient"] = frame["n_ab"] / denominator.where(denominator > 0)
    return frame


def cooccurrence_matrix(table: pd.DataFrame, value: str = "n_ab") -> pd.DataFrame:
    """The symmetric codes x codes pivot of :func:`cooccurrence`.

    Parameters
    ----------
    table : the table of :func:`cooccurrence`.
    value : ``"n_ab"`` (the diagonal holds each code's own segments, ``n_a``) or ``"c_coefficient"``
        (the diagonal is 1, or NaN for an unused code).
    """
    import numpy as np
    import pandas as pd

    if value not in ("n_ab", "c_coefficient"):
        raise ValueError(
            f"The 'value' parameter of cooccurrence_matrix must be 'n_ab' or 'c_coefficient'. "
            f"Got {value!r} instead."
        )
    codes = list(dict.fromkeys([*table["code_a"], *table["code_b"]]))
    swapped = table.rename(columns={"code_a": "code_b", "code_b": "code_a", "n_a": "n_b", "n_b": "n_a"})
    pairs = pd.concat([table, swapped], ignore_index=True)
    wide = pairs.pivot(index="code_a", columns="code_b", values=value).reindex(index=codes, columns=codes)
    used = dict(zip(pairs["code_a"], pairs["n_a"], strict=True))
    own = np.array([used[c] for c in codes], dtype=float)
    values = wide.to_numpy(dtype=float, copy=True)
    np.fill_diagonal(values, own if value == "n_ab" else np.where(own > 0, 1.0, np.nan))
    out = pd.DataFrame(values, index=pd.Index(codes, name="code"), columns=codes)
    return out.astype(int) if value == "n_ab" else out


def _check_result(result: Any, function: str) -> None:
    from qualcode.model.results import CodingResult

    if not isinstance(result, CodingResult):
        raise TypeError(
            f"The 'result' parameter of {function} must be a CodingResult (what Coder.code "
            f"returns). Got {type(result).__name__} instead."
        )


def _code_order(result: CodingResult) -> list[str]:
    """The codebook's codes, then any other code found in the codings."""
    ids = result.codebook.ids
    return ids + [c for c in dict.fromkeys(result.codings["code"]) if c not in set(ids)]


def _coded(result: CodingResult, rollup: bool) -> pd.DataFrame:
    """One row per coded segment and code (``document, segment_id, start, end, code``), ancestors added
    when ``rollup``: a segment coded with two children of one parent has one row for the parent."""
    frame = result.codings[CODED_COLUMNS].astype({"segment_id": int, "start": int, "end": int})
    if rollup:
        book = result.codebook
        lineage = {c: [c, *book.ancestors(c)] for c in book.ids}
        frame = frame.assign(code=frame["code"].map(lambda c: lineage.get(c, [c]))).explode("code")
    return frame.drop_duplicates(["document", "segment_id", "code"], ignore_index=True)


def _per_document(result: CodingResult, rollup: bool) -> pd.DataFrame:
    """``document, code, segments, coded_chars`` for every document x every code, zeros included."""
    import pandas as pd

    coded = _coded(result, rollup)
    keys = [coded["document"], coded["code"]]
    counts = pd.DataFrame({"segments": coded.groupby(keys).size(), "coded_chars": _union_lengths(coded)})
    index = pd.MultiIndex.from_product([result.documents, _code_order(result)], names=["document", "code"])
    return counts.reindex(index, fill_value=0).astype(int).reset_index()


def _union_lengths(coded: pd.DataFrame) -> pd.Series:
    """Characters in the union of the coded ranges, per document and code: overlaps counted once."""
    import numpy as np

    frame = coded.sort_values(["document", "code", "start"])
    keys = [frame["document"], frame["code"]]
    reach = frame["end"].groupby(keys).cummax().groupby(keys).shift()  # furthest end of the earlier ranges
    fresh = frame["end"] - np.fmax(frame["start"], reach)
    return fresh.clip(lower=0).groupby(keys).sum()


def _presence(result: CodingResult, codes: list[str], rollup: bool) -> np.ndarray:
    """A segments x codes boolean grid, rows in the order of ``result.segments``."""
    import numpy as np
    import pandas as pd

    coded = _coded(result, rollup)
    rows = pd.MultiIndex.from_frame(result.segments[["document", "segment_id"]])
    grid = np.zeros((len(rows), len(codes)), dtype=bool)
    if len(coded):
        found = rows.get_indexer(pd.MultiIndex.from_frame(coded[["document", "segment_id"]]))
        grid[found, pd.Index(codes).get_indexer(pd.Index(coded["code"]))] = True
    return grid


def _dilate(grid: np.ndarray, documents: np.ndarray, window: int) -> np.ndarray:
    """Mark each segment with the codes found at most ``window`` segments away in the same document."""
    near = grid.copy()
    for k in range(1, min(window, len(grid) - 1) + 1):
        same = (documents[k:] == documents[:-k])[:, None]
        near[k:] |= grid[:-k] & same
        near[:-k] |= grid[k:] & same
    return near


def _group_labels(table: pd.DataFrame, attribute: str) -> pd.Series:
    """The attribute's value of each document, ``"(missing)"`` where it has none."""
    if attribute not in table.columns or attribute in GROUP_COLUMNS:
        usable = [c for c in table.columns if c not in GROUP_COLUMNS]
        raise ValueError(
            f"The 'attribute' parameter of theme_by_attribute must be a column of the document "
            f"table: {', '.join(usable)}. Got {attribute!r} instead."
        )
    values = table[attribute]
    missing = values.isna() | values.astype(str).str.strip().eq("")
    return values.astype(object).where(~missing, MISSING)


def _group_order(groups: pd.Series) -> list[Any]:
    """Sorted values (numbers before text), ``"(missing)"`` last."""
    present = [g for g in dict.fromkeys(groups) if g != MISSING]
    ordered = sorted(present, key=lambda g: (0, g, "") if isinstance(g, Real) else (1, 0, str(g)))
    return ordered + [MISSING] * (MISSING in set(groups))


def _codings_frequency(codings: pd.DataFrame) -> pd.DataFrame:
    """``document, code, segments, present`` from a bare codings table, for what occurs in it."""
    import pandas as pd

    documents, codes = sorted(codings["document"].unique()), list(dict.fromkeys(codings["code"]))
    counts = codings.groupby(["document", "code"]).size()
    index = pd.MultiIndex.from_product([documents, codes], names=["document", "code"])
    frame = counts.reindex(index, fill_value=0).rename("segments").reset_index()
    frame["present"] = (frame["segments"] > 0).astype(int)
    return frame
