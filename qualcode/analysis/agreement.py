"""Inter-coder agreement between two or more coders, human or automatic.

Two levels, as qualitative software reports them:

- :func:`agreement_table`: per code and pooled, over the segments of the documents that every compared
  coder has coded: percentage agreement, Cohen's kappa (two coders), Fleiss' kappa and Krippendorff's alpha
  (nominal; it also uses the documents coded by only some of the coders, with the others missing).
- :func:`character_agreement`: NVivo's coding comparison, per code and document, character by character.

A document a coder never touched is missing data, not "nothing to code here": by default a coder has
touched the documents where they have at least one coding; pass ``coverage`` to say otherwise (a human
who read a document and coded nothing in it). A statistic that is undefined is NaN, never 0 or 1, and the
``reason`` column says why. The plain statistics take a *reliability matrix*, coders x units (as the
``krippendorff`` package does), with NaN for a missing value.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.analysis.statistics import (
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    percent_agreement,
)
from qualcode.model.errors import QualcodeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ALL_CODES",
    "ALL_DOCUMENTS",
    "AgreementError",
    "agreement_table",
    "character_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha_nominal",
    "percent_agreement",
]

ALL_CODES = "(all codes)"
ALL_DOCUMENTS = "(all documents)"
_STATISTICS = ["percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"]
_COUNTS = ["tu", "coded_a", "coded_b", "both", "neither"]


class AgreementError(QualcodeError):
    """The codings or segments given to an agreement function are unusable. ``problems`` lists them all."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(dict.fromkeys(problems))
        count = len(self.problems)
        head = f"Cannot compute agreement: {count} problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


def agreement_table(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    coders: Sequence[str] | None = None,
    *,
    codes: Sequence[str] | None = None,
    coverage: Mapping[str, Iterable[str]] | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Agreement between coders on the segments, per code and pooled over all codes.

    Parameters
    ----------
    codings : one row per coding: ``document, coder, code, start, end`` and, for segment codings,
        ``segment_id`` (and ``unit``). A coding with a ``segment_id`` of the segments' unit counts for that
        segment; any other (no id, another unit) counts for every segment its ``start:end`` overlaps.
    segments : ``document, segment_id, start, end`` (one unit only).
    coders : the coders to compare (two or more); by default every coder in ``codings``.
    codes : the codes, in order; by default those the compared coders used.
    coverage : what each coder has coded: ``{coder: documents}``, or a DataFrame ``coder, document`` with an
        optional ``segment_id`` (then only those segments; an empty id means the whole document). By
        default, the documents where the coder has at least one coding.

    Returns
    -------
    One row per code, then a pooled row whose code is ``"(all codes)"`` (over every segment x code
    decision). Columns: ``code``; ``units`` (the segments every coder has coded, for the pooled row the
    decisions); ``n_<coder>`` (how many of them that coder coded with the code); ``percent_agreement``
    (0-100); ``cohen_kappa`` (exactly two coders); ``fleiss_kappa``; ``krippendorff_alpha`` over the
    ``alpha_units`` (segments coded by at least two coders); ``reason``: why a statistic is NaN, else "".
    """
    import pandas as pd

    coders, codes, covered, coded = coded_units(codings, segments, coders, codes, coverage)
    rows = [_row(code, coded[i], covered, coders) for i, code in enumerate(codes)]
    pooled = coded.transpose(1, 0, 2).reshape(len(coders), -1)
    rows.append(_row(ALL_CODES, pooled, np.tile(covered, len(codes)), coders))
    columns = ["code", "units", *(f"n_{c}" for c in coders), *_STATISTICS, "alpha_units", "reason"]
    return pd.DataFrame(rows, columns=columns)


def _row(code: str, values: np.ndarray, covered: np.ndarray, coders: list[str]) -> dict[str, Any]:
    """One row of the table: ``values`` is coders x units, 0/1, NaN where a coder has not coded the unit."""
    complete = values[:, covered.all(axis=0)]
    alpha_data = values[:, covered.sum(axis=0) >= 2]
    row: dict[str, Any] = {"code": code, "units": complete.shape[1]}
    row.update({f"n_{c}": int(complete[i].sum()) for i, c in enumerate(coders)})
    row["percent_agreement"] = percent_agreement(complete)
    row["cohen_kappa"] = cohen_kappa(*complete) if len(coders) == 2 else float("nan")
    row["fleiss_kappa"] = fleiss_kappa(complete)
    row["krippendorff_alpha"] = krippendorff_alpha_nominal(alpha_data)
    row["alpha_units"] = alpha_data.shape[1]
    row["reason"] = _reasons(row, complete, alpha_data, coders, code)
    return row


def _reasons(
    row: dict[str, Any], complete: np.ndarray, alpha_data: np.ndarray, coders: list[str], code: str
) -> str:
    what = "any code" if code == ALL_CODES else code
    everyone = "both coders" if len(coders) == 2 else "every coder"

    def why(data: np.ndarray, units: str) -> str:
        if data.shape[1] == 0:
            return f"undefined: no {units}"
        if np.nanmax(data) == 0:
            none = "both coders coded no unit" if len(coders) == 2 else "no coder coded any unit"
            return f"undefined: no variance — {none} with {what}"
        return f"undefined: no variance — {everyone} coded every unit with {what}"

    common = f"segment coded by every coder (no document in common to {', '.join(coders)})"
    reasons: dict[str, list[str]] = {}
    for stat in _STATISTICS:
        if not np.isnan(row[stat]):
            continue
        if stat == "cohen_kappa" and len(coders) != 2:
            text = (
                f"undefined: Cohen's kappa compares exactly two coders (got {len(coders)}); "
                "read fleiss_kappa or krippendorff_alpha"
            )
        elif stat == "krippendorff_alpha":
            text = why(alpha_data, "segment coded by at least two coders")
        else:
            text = why(complete, common)
        reasons.setdefault(text, []).append(stat)
    return "; ".join(f"{', '.join(stats)} {text}" for text, stats in reasons.items())


def coded_units(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    coders: Sequence[str] | None,
    codes: Sequence[str] | None,
    coverage: Any,
) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Check the input; return coders, codes, covered (coders x units: the units each coder has coded or
    reviewed) and coded (codes x coders x units: 1 coded, 0 not, NaN not covered), for agreement and evaluation."""
    problems = _missing_columns(codings, "codings", ["document", "coder", "code", "start", "end"])
    problems += _missing_columns(segments, "segments", ["document", "segment_id", "start", "end"])
    if problems:
        raise AgreementError(problems)
    coders = _coders(codings, coders, coverage)
    mine = codings[codings["coder"].isin(coders)]
    codes = list(codes) if codes is not None else list(dict.fromkeys(mine["code"]))
    keys = list(zip(segments["document"], (int(s) for s in segments["segment_id"]), strict=True))
    position = {key: i for i, key in enumerate(keys)}
    problems = [f"segments: ({d!r}, {s}) appears more than once" for d, s in _duplicates(keys)]
    units = list(segments["unit"].dropna().unique()) if "unit" in segments else []
    if len(units) > 1:
        problems.append(
            f"segments hold several units ({', '.join(map(str, units))}); pass the segments of one unit only"
        )
    covered = _covered(mine, segments, position, coders, coverage, problems)
    coded = np.zeros((len(codes), len(coders), len(keys)))
    code_index, coder_index = {c: i for i, c in enumerate(codes)}, {c: i for i, c in enumerate(coders)}
    selected = mine[mine["code"].isin(codes)]
    row: Any  # a row of a user's table: its cells hold whatever the columns hold
    for row, found in zip(
        selected.itertuples(index=False), _locate(selected, segments, position, units, problems), strict=True
    ):
        coded[code_index[row.code], coder_index[row.coder], found] = 1
    if problems:
        raise AgreementError(problems)
    return coders, codes, covered, np.where(covered, coded, np.nan)


def _missing_columns(frame: pd.DataFrame, name: str, required: list[str]) -> list[str]:
    missing = [c for c in required if c not in frame.columns]
    if not missing:
        return []
    return [f"{name} lacks the column(s) {', '.join(missing)} (it has: {', '.join(map(str, frame.columns))})"]


def _duplicates(keys: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    repeated = []
    for key in keys:
        if key in seen:
            repeated.append(key)
        seen.add(key)
    return repeated


def _coders(codings: pd.DataFrame, coders: Sequence[str] | None, coverage: Any) -> list[str]:
    known = list(dict.fromkeys(codings["coder"]))
    chosen = list(dict.fromkeys(coders)) if coders is not None else known
    problems = []
    if len(chosen) < 2:
        problems.append(f"agreement needs at least two coders; got {chosen} (coders in the codings: {known})")
    if _is_frame(coverage):
        problems += _missing_columns(coverage, "coverage", ["coder", "document"])
        has_coverage = set(coverage["coder"]) if "coder" in coverage.columns else set()
    else:
        has_coverage = set(coverage or ())
    problems += [
        f"coder {c!r} has no codings and no coverage (coders in the codings: {', '.join(known)})"
        for c in chosen
        if c not in known and c not in has_coverage
    ]
    if problems:
        raise AgreementError(problems)
    return chosen


def _is_frame(obj: Any) -> bool:
    return hasattr(obj, "columns") and hasattr(obj, "itertuples")


def _covered(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    position: dict[tuple[str, int], int],
    coders: list[str],
    coverage: Any,
    problems: list[str],
) -> np.ndarray:
    """coders x units: True where the coder has coded the unit (document-level or segment-level coverage)."""
    covered = np.zeros((len(coders), len(position)), dtype=bool)
    known = set(segments["document"])
    for i, coder in enumerate(coders):
        documents, pairs = _coverage_of(codings, coverage, coder, problems)
        if coverage is not None:
            problems += [
                f"coverage: coder {coder!r} covers document {d!r}, which has no segments"
                for d in sorted(documents - known, key=str)
            ]
        covered[i] = segments["document"].isin(documents).to_numpy()
        for document, segment_id in pairs:
            if (document, segment_id) in position:
                covered[i, position[document, segment_id]] = True
            else:
                problems.append(
                    f"coverage: coder {coder!r} covers segment {segment_id} of {document!r}, "
                    "which is not in the segments"
                )
    return covered


def _coverage_of(
    codings: pd.DataFrame, coverage: Any, coder: str, problems: list[str]
) -> tuple[set[str], list[tuple[str, int]]]:
    """The documents a coder has coded in full, and the single segments they have coded."""
    if coverage is None:
        return set(codings.loc[codings["coder"] == coder, "document"]), []
    if not _is_frame(coverage):
        if coder not in coverage:
            problems.append(f"coverage has no entry for coder {coder!r}")
        return set(coverage.get(coder, ())), []
    mine = coverage[coverage["coder"] == coder]
    ids = mine["segment_id"] if "segment_id" in mine else [None] * len(mine)
    documents = {d for d, s in zip(mine["document"], ids, strict=True) if _missing(s)}
    return documents, [(d, int(s)) for d, s in zip(mine["document"], ids, strict=True) if not _missing(s)]


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _locate(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    position: dict[tuple[str, int], int],
    units: list[str],
    problems: list[str],
) -> list[list[int]]:
    """For each coding, the positions of the segments it codes (by id when it has one, else by overlap)."""
    by_document: dict[Hashable, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for document, group in segments.reset_index(drop=True).groupby("document", sort=False):
        group = group.sort_values("start")
        by_document[document] = (group["start"].to_numpy(), group["end"].to_numpy(), group.index.to_numpy())
    out = []
    has_id, has_unit = "segment_id" in codings, "unit" in codings
    row: Any  # a row of a user's table: its cells hold whatever the columns hold
    for row in codings.itertuples(index=False):
        sid: Any = getattr(row, "segment_id", None) if has_id else None
        same_unit = not has_unit or not units or row.unit == units[0]
        if not _missing(sid) and same_unit:
            found = position.get((row.document, int(sid)))
            if found is None:
                problems.append(
                    f"codings: coder {row.coder!r} codes {row.code!r} in segment {int(sid)} of "
                    f"{row.document!r}, which is not in the segments"
                )
            out.append([] if found is None else [found])
            continue
        if row.document not in by_document:
            problems.append(f"codings: document {row.document!r} (coder {row.coder!r}) has no segments")
            out.append([])
            continue
        starts, ends, index = by_document[row.document]
        first = np.searchsorted(ends, row.start, side="right")
        last = np.searchsorted(starts, max(row.end, row.start + 1), side="left")
        out.append(list(index[first:last]))
    return out


# --- character level (NVivo) -------------------------------------------------------------------------


def character_agreement(
    codings: pd.DataFrame,
    lengths: Mapping[str, int | str] | pd.Series | pd.DataFrame,
    coders: Sequence[str] | None = None,
    *,
    codes: Sequence[str] | None = None,
    coverage: Mapping[str, Iterable[str]] | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """NVivo's coding comparison: character-level agreement and kappa per code, document and pair of coders.

    Each character of a document is coded or not by each coder (overlapping codings count once). With TU
    the document's characters, TA those in agreement (both coded + both not coded) and
    EF = (coded_A x coded_B + not_A x not_B) / TU the agreement expected by chance:
    agreement = 100 x TA / TU and kappa = (TA - EF) / (TU - EF), as NVivo documents it.

    Parameters
    ----------
    codings : ``document, coder, code, start, end`` (character offsets, end exclusive).
    lengths : each document's length, or its text: ``{document: int | str}``, a Series, or a DataFrame
        with ``document, chars`` (such as ``CodingResult.document_table``).
    coders : two or more coders (every pair is compared); by default every coder in ``codings``.
    codes, coverage : as in :func:`agreement_table` (coverage is by document here).

    Returns
    -------
    One row per pair of coders, code and document both coders have coded, then per pair and code a row
    whose document is ``"(all documents)"`` (characters pooled over the documents). Columns: ``document,
    code, coder_a, coder_b, tu, coded_a, coded_b, both, neither, ta, ef, percent_agreement, kappa, reason``.
    """
    import pandas as pd

    problems = _missing_columns(codings, "codings", ["document", "coder", "code", "start", "end"])
    if problems:
        raise AgreementError(problems)
    coders = _coders(codings, coders, coverage)
    mine = codings[codings["coder"].isin(coders)]
    codes = list(codes) if codes is not None else list(dict.fromkeys(mine["code"]))
    sizes = _lengths(lengths)
    masks = _masks(mine[mine["code"].isin(codes)], sizes, problems)
    documents = {c: _coverage_of(mine, coverage, c, problems)[0] for c in coders}
    problems += [
        f"lengths: no length for document {d!r}"
        for d in sorted(set().union(*documents.values()))
        if d not in sizes
    ]
    if problems:
        raise AgreementError(problems)
    rows = []
    for a, b in combinations(coders, 2):
        common = [d for d in sizes if d in documents[a] and d in documents[b]]
        for code in codes:
            counts = [_counts(masks.get((a, code, d)), masks.get((b, code, d)), sizes[d]) for d in common]
            rows += [_nvivo(d, code, a, b, c) for d, c in zip(common, counts, strict=True)]
            pooled = _nvivo(ALL_DOCUMENTS, code, a, b, np.sum(counts or [[0] * 5], axis=0))
            if not common:
                pooled["reason"] = (
                    f"percent_agreement, kappa undefined: no document coded by both {a} and {b}"
                )
            rows.append(pooled)
    columns = ["document", "code", "coder_a", "coder_b", *_COUNTS, "ta", "ef", "percent_agreement", "kappa"]
    return pd.DataFrame(rows, columns=[*columns, "reason"])


def _lengths(lengths: Any) -> dict[str, int]:
    if _is_frame(lengths):
        lengths = dict(zip(lengths["document"], lengths["chars"], strict=True))
    return {d: len(v) if isinstance(v, str) else int(v) for d, v in dict(lengths.items()).items()}


def _masks(
    codings: pd.DataFrame, sizes: dict[str, int], problems: list[str]
) -> dict[tuple[str, str, str], np.ndarray]:
    """(coder, code, document) -> which characters the coder coded with the code."""
    masks: dict[tuple[str, str, str], np.ndarray] = {}
    row: Any  # a row of a user's table: its cells hold whatever the columns hold
    for row in codings.itertuples(index=False):
        size = sizes.get(row.document)
        if size is None:
            continue  # reported with the coverage when the document is compared
        start, end = _offset(row.start), _offset(row.end)
        if start is None or end is None or not 0 <= start <= end <= size:
            problems.append(
                f"codings: coder {row.coder!r} codes {row.code!r} at {row.start}:{row.end} in "
                f"{row.document!r}, outside its {size} characters"
            )
            continue
        key = (row.coder, row.code, row.document)
        masks.setdefault(key, np.zeros(size, dtype=bool))[start:end] = True
    return masks


def _offset(value: Any) -> int | None:
    return None if _missing(value) or float(value) != int(value) else int(value)


def _counts(a: np.ndarray | None, b: np.ndarray | None, size: int) -> list[int]:
    """tu, coded_a, coded_b, both, neither."""
    a = a if a is not None else np.zeros(size, dtype=bool)
    b = b if b is not None else np.zeros(size, dtype=bool)
    return [size, int(a.sum()), int(b.sum()), int((a & b).sum()), int((~a & ~b).sum())]


def _nvivo(document: str, code: str, coder_a: str, coder_b: str, counts: Sequence[int]) -> dict[str, Any]:
    """One row of the NVivo comparison from the counts of :func:`_counts`."""
    tu, coded_a, coded_b, both, neither = map(int, counts)
    ta = both + neither
    chance = coded_a * coded_b + (tu - coded_a) * (tu - coded_b)  # EF x TU, an exact integer
    reason = ""
    if tu == 0:
        reason = "percent_agreement, kappa undefined: the document is empty"
    elif tu * tu == chance:
        done = "neither coder coded any character" if coded_a == 0 else "both coders coded every character"
        reason = f"kappa undefined: no variance — {done} with {code}"
    return {
        "document": document,
        "code": code,
        "coder_a": coder_a,
        "coder_b": coder_b,
        **dict(zip(_COUNTS, (tu, coded_a, coded_b, both, neither), strict=True)),
        "ta": ta,
        "ef": chance / tu if tu else float("nan"),
        "percent_agreement": 100 * ta / tu if tu else float("nan"),
        "kappa": (tu * ta - chance) / (tu * tu - chance) if tu * tu != chance else float("nan"),
        "reason": reason,
    }
