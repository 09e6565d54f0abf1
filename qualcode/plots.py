"""Charts (matplotlib). Each function takes ``ax=None`` and returns the Axes; none calls ``plt.show()``."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from qualcode.codebook import Codebook

__all__ = ["plot_theme_frequency"]

_FALLBACK = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]


def plot_theme_frequency(
    frequency: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    value: str = "segments",
    stacked: bool = False,
    language: str | None = "en",
    ax: Axes | None = None,
) -> Axes:
    """Theme frequency across interviews as grouped (or stacked) horizontal bars.

    Parameters
    ----------
    frequency : the tidy table of :func:`qualcode.theme_frequency`.
    codebook : gives the codes' display names and colours.
    value : the column to plot: ``"segments"`` (counts) or ``"share"``.
    stacked : stack the codes in one bar per document instead of grouping them.
    ax : the Axes to draw on; a new figure sized to the data when None.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from qualcode.tables import theme_matrix

    wide = theme_matrix(frequency, value=value).fillna(0)
    docs, codes = list(wide.index), list(wide.columns)
    if ax is None:
        height = max(3.0, 0.45 * len(docs) * (1 if stacked else max(1, len(codes) / 2.5)) + 1.5)
        _, ax = plt.subplots(figsize=(9, min(height, 40)), layout="constrained")
    y = np.arange(len(docs))
    bar = 0.8 if stacked else 0.8 / max(1, len(codes))
    left = np.zeros(len(docs))
    for i, code in enumerate(codes):
        values = wide[code].to_numpy(dtype=float)
        label, color = _style(code, i, codebook, language)
        if stacked:
            ax.barh(y, values, 0.8, left=left, label=label, color=color)
            left += values
        else:
            ax.barh(y - 0.4 + bar * (i + 0.5), values, bar, label=label, color=color)
    ax.set_yticks(y, [textwrap.shorten(d, 40, placeholder="…") for d in docs])
    ax.invert_yaxis()
    ax.set_xlabel("share of segments coded" if value == "share" else "coded segments")
    ax.set_title("Theme frequency across interviews")
    ax.legend(title="Theme", loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    return ax


def _style(code: str, i: int, codebook: Codebook | None, language: str | None) -> tuple[str, Any]:
    if codebook is not None and code in codebook:
        entry = codebook[code]
        return entry.label(language), entry.color or _FALLBACK[i % len(_FALLBACK)]
    return code, _FALLBACK[i % len(_FALLBACK)]
