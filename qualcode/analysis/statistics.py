"""Agreement statistics on a reliability matrix: coders x units, NaN for a missing value (as the
``krippendorff`` package takes it). A statistic that is undefined is NaN, never 0 or 1."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["cohen_kappa", "fleiss_kappa", "krippendorff_alpha_nominal", "percent_agreement", "wilson_interval"]


def _matrix(data: Any) -> np.ndarray:
    """A coders x units float matrix; non-numeric labels are numbered, None/NaN become NaN."""
    import pandas as pd

    array = np.asarray(data, dtype=object if not _numeric(data) else float)
    if array.ndim != 2:
        raise ValueError(
            f"The reliability data must be a 2-D coders x units matrix. Got {array.ndim} dimension(s)."
        )
    if array.dtype == object:
        codes, _ = pd.factorize(array.ravel(), use_na_sentinel=True)
        array = np.where(codes < 0, np.nan, codes).astype(float).reshape(array.shape)
    return array


def _numeric(data: Any) -> bool:
    try:
        return np.asarray(data).dtype.kind in "biuf"
    except ValueError:
        return False


def percent_agreement(data: Any) -> float:
    """Percentage (0-100) of units on which every coder gave the same value.

    ``data`` is coders x units; units with a missing value (NaN) are left out. NaN when no unit is left.
    """
    matrix = _matrix(data)
    complete = matrix[:, ~np.isnan(matrix).any(axis=0)]
    if complete.shape[1] == 0:
        return float("nan")
    return float(100 * (complete == complete[0]).all(axis=0).mean())


def cohen_kappa(a: Any, b: Any) -> float:
    """Cohen's kappa between two coders' values on the same units (pairs with a missing value are left out).

    NaN when undefined: no unit, or both coders gave one and the same value to every unit.
    """
    a, b = list(a), list(b)
    if len(a) != len(b):
        raise ValueError(f"cohen_kappa needs two sequences of the same length. Got {len(a)} and {len(b)}.")
    matrix = _matrix([a, b])
    matrix = matrix[:, ~np.isnan(matrix).any(axis=0)]
    n = matrix.shape[1]
    values = np.unique(matrix)
    counts = (matrix[:, :, None] == values).sum(axis=1)  # coders x values
    chance = int((counts[0] * counts[1]).sum())  # exact integers: no rounding before the last division
    if n * n == chance:
        return float("nan")
    observed = int((matrix[0] == matrix[1]).sum())
    return (n * observed - chance) / (n * n - chance)


def fleiss_kappa(data: Any) -> float:
    """Fleiss' kappa of any number of coders, over the units every coder has coded (coders x units).

    NaN when undefined: no such unit, or a single value in all of them.
    """
    matrix = _matrix(data)
    matrix = matrix[:, ~np.isnan(matrix).any(axis=0)]
    coders, n = matrix.shape
    values = np.unique(matrix)
    if n == 0 or len(values) < 2 or coders < 2:
        return float("nan")
    counts = (matrix[:, :, None] == values).sum(axis=0)  # units x values
    observed = ((counts * (counts - 1)).sum(axis=1) / (coders * (coders - 1))).mean()
    chance = ((counts.sum(axis=0) / (n * coders)) ** 2).sum()
    return float((observed - chance) / (1 - chance))


def krippendorff_alpha_nominal(data: Any) -> float:
    """Krippendorff's alpha for nominal data, any number of coders, missing values (NaN) allowed.

    ``data`` is coders x units. Units with fewer than two values are not pairable and are left out. NaN when
    undefined: no pairable unit, or a single value among the pairable ones (no variance).
    """
    matrix = _matrix(data)
    values = np.unique(matrix[~np.isnan(matrix)])
    counts = (matrix[:, :, None] == values).sum(axis=0)  # units x values
    m = counts.sum(axis=1)
    counts, m = counts[m >= 2], m[m >= 2]
    if len(m) == 0:
        return float("nan")
    n_c = counts.sum(axis=0)
    n = n_c.sum()
    disagreements = n - ((counts * (counts - 1)).sum(axis=1) / (m - 1)).sum()  # sum of o_ck, c != k
    expected = n * n - (n_c * n_c).sum()  # sum of n_c * n_k, c != k
    if expected == 0:
        return float("nan")
    return float(1 - (n - 1) * disagreements / expected)


# --- segment level -----------------------------------------------------------------------------------


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a proportion: ``successes`` of ``trials`` (a precision: right codings of all
    codings; a recall: codings found of all a person made), at ``confidence``.

    Unlike the normal approximation it stays within 0-1 and holds for small counts and proportions near 0 or 1
    (3 of 3 gives 0.44-1.00, not 1.00-1.00). It treats each decision as independent, which passages of one
    interview are not: read it as the least uncertainty there is. (NaN, NaN) when there is no trial.
    """
    from statistics import NormalDist

    if not 0 < confidence < 1:
        raise ValueError(f"The 'confidence' parameter must be between 0 and 1 (exclusive). Got {confidence!r} instead.")
    if not 0 <= successes <= trials:
        raise ValueError(f"wilson_interval needs 0 <= successes <= trials. Got {successes} of {trials}.")
    if trials == 0:
        return float("nan"), float("nan")
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    share, z2 = successes / trials, z * z
    centre = (share + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(share * (1 - share) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high
