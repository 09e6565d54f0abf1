"""Charts (matplotlib) of the analysis tables.

Each ``plot_*`` function takes ``ax=None`` and returns the Axes; a new figure is sized to the data when no
Axes is given. None calls ``plt.show()``, prints or changes global settings. :func:`save_chart` writes a
chart to PNG or SVG byte for byte the same on every run.
"""

from __future__ import annotations

import itertools
import os
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from matplotlib.axes import Axes

    from qualcode.model.codebook import Codebook

__all__ = [
    "plot_cooccurrence",
    "plot_theme_by_attribute",
    "plot_theme_frequency",
    "plot_theme_heatmap",
    "save_chart",
]

_FALLBACK = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]
_PERCENT = ("share", "coverage")
_AXIS_LABELS = {
    "segments": "Coded segments",
    "share": "Share of segments coded",
    "coverage": "Coverage (share of text coded)",
    "n_ab": "Segments coded with both codes",
    "c_coefficient": "Co-occurrence coefficient C",
}
_NAME_WIDTH = 32  # characters kept of a document or group name
MAX_DOCUMENTS = 40  # documents drawn per chart by default; a chart of 1,000 rows is unreadable and slow
_CMAP = "Blues"
_WHITE_TEXT_BELOW = 0.179  # cell luminance under which white text contrasts more than black (WCAG)


def plot_theme_frequency(
    frequency: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    value: str = "segments",
    stacked: bool = False,
    language: str | None = "en",
    max_documents: int | None = MAX_DOCUMENTS,
    ax: Axes | None = None,
) -> Axes:
    """Theme frequency across interviews as grouped (or stacked) horizontal bars, one row per document.

    Parameters
    ----------
    frequency : the tidy table of :func:`qualcode.theme_frequency` (``document``, ``code``, ``value``).
    codebook : gives the codes' display names and colours.
    value : ``"segments"`` (counts), ``"share"`` or ``"coverage"`` (fractions, shown as percentages).
    stacked : stack the codes in one bar per document instead of grouping them.
    language : language of the codes' display names.
    max_documents : draw at most this many documents, those with the highest totals (in their order);
        the title says how many were left out. None draws them all.
    ax : the Axes to draw on; a new figure sized to the data when None.
    """
    import numpy as np

    _check(frequency, value, ("segments", "share", "coverage"), ("document", "code"), "plot_theme_frequency")
    if frequency.empty:
        return _nothing(ax, "Theme frequency across interviews")
    docs, codes, wide = _wide(frequency, "document", "code", value)
    docs, wide, title = _top_documents(docs, wide, max_documents, "Theme frequency across interviews")
    rows = len(docs) * (1 if stacked else max(1, len(codes) / 2.5))
    ax = ax or _axes(9.0, 1.5 + 0.45 * rows)
    y = np.arange(len(docs))
    bar = 0.8 if stacked else 0.8 / max(1, len(codes))
    left = np.zeros(len(docs))
    for i, code in enumerate(codes):
        label, color = _style(code, i, codebook, language)
        if stacked:
            ax.barh(y, wide[:, i], 0.8, left=left, label=label, color=color)
            left += wide[:, i]
        else:
            ax.barh(y - 0.4 + bar * (i + 0.5), wide[:, i], bar, label=label, color=color)
    ax.set_yticks(y, _labels(docs))
    ax.set_ylim(len(docs) - 0.5, -0.5)  # first document on top
    ax.set_xlabel(_AXIS_LABELS[value] + (", summed over themes" if stacked and value in _PERCENT else ""))
    _percent_axis(ax.xaxis, value)
    ax.set_title(title)
    _legend(ax)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    return ax


def plot_theme_heatmap(
    frequency: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    value: str = "share",
    language: str | None = "en",
    max_documents: int | None = MAX_DOCUMENTS,
    ax: Axes | None = None,
) -> Axes:
    """Documents x codes heatmap of theme frequency, with the value written in every cell.

    Cell texts are black or white, whichever contrasts more with the cell; a colour bar gives the scale.

    Parameters
    ----------
    frequency : the tidy table of :func:`qualcode.theme_frequency`.
    codebook : gives the codes' display names (column labels).
    value : ``"share"`` (the default: of each document's segments coded, so that long interviews do not
        dominate), ``"coverage"`` (of each document's text), shown as percentages, or ``"segments"`` (counts);
        the title and the colour bar say which.
    language : language of the codes' display names.
    max_documents : draw at most this many documents (rows), those with the highest totals; None: all.
    ax : the Axes to draw on; a new figure sized to the data when None.
    """
    _check(frequency, value, ("segments", "share", "coverage"), ("document", "code"), "plot_theme_heatmap")
    if frequency.empty:
        return _nothing(ax, "Theme frequency across interviews")
    docs, codes, wide = _wide(frequency, "document", "code", value)
    title = f"Theme frequency across interviews ({_HEATMAP_VALUES[value]})"
    docs, wide, title = _top_documents(docs, wide, max_documents, title)
    ax = ax or _axes(3.5 + 1.1 * len(codes), 1.6 + 0.4 * len(docs))
    _heatmap(ax, wide, value, texts=[[_format(v, value) for v in row] for row in wide])
    ax.set_xticks(range(len(codes)), _ticks([_style(c, 0, codebook, language)[0] for c in codes]))
    ax.set_yticks(range(len(docs)), _labels(docs))
    ax.set_title(title)
    return ax


def plot_cooccurrence(
    table: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    value: str = "n_ab",
    language: str | None = "en",
    ax: Axes | None = None,
) -> Axes:
    """Codes x codes heatmap of co-occurrence, symmetric, with the value written in every cell.

    The diagonal is drawn in grey, outside the colour scale: it holds each code's own count (``n_a``) for
    ``value="n_ab"`` and a dash for the coefficient. Pairs missing from the table count as 0.

    Parameters
    ----------
    table : one row per unordered pair of codes: ``code_a``, ``code_b``, ``n_a``, ``n_b``, ``n_ab``,
        ``c_coefficient``.
    codebook : gives the codes' display names and their order.
    value : ``"n_ab"`` (segments coded with both) or ``"c_coefficient"`` (n_ab / (n_a + n_b - n_ab)).
    language : language of the codes' display names.
    ax : the Axes to draw on; a new figure sized to the data when None.
    """
    import numpy as np

    _check(table, value, ("n_ab", "c_coefficient"), ("code_a", "code_b", "n_a", "n_b"), "plot_cooccurrence")
    if table.empty:
        return _nothing(ax, "Code co-occurrence")
    codes = list(dict.fromkeys([*table["code_a"], *table["code_b"]]))
    if codebook is not None:
        codes.sort(key=lambda c: codebook.ids.index(c) if c in codebook else len(codebook))
    where = {c: i for i, c in enumerate(codes)}
    matrix = np.zeros((len(codes), len(codes)))
    own = np.zeros(len(codes))
    for a, b, n_a, n_b, v in table[["code_a", "code_b", "n_a", "n_b", value]].itertuples(index=False):
        i, j = where[a], where[b]
        matrix[i, j] = matrix[j, i] = v
        own[i], own[j] = n_a, n_b
    np.fill_diagonal(matrix, np.nan)
    texts = [[_format(v, value) for v in row] for row in matrix]
    for i in range(len(codes)):
        texts[i][i] = _format(own[i], "n_a") if value == "n_ab" else "—"
    size = 2.0 + 0.85 * len(codes)
    ax = ax or _axes(size + 1.5, size)
    _heatmap(ax, matrix, value, texts=texts)
    labels = _ticks([_style(c, 0, codebook, language)[0] for c in codes])
    ax.set_xticks(range(len(codes)), labels)
    ax.set_yticks(range(len(codes)), labels)
    ax.set_title("Code co-occurrence" + (" (diagonal: segments per code)" if value == "n_ab" else ""))
    return ax


def plot_theme_by_attribute(
    table: pd.DataFrame,
    attribute: str,
    *,
    codebook: Codebook | None = None,
    value: str = "share",
    language: str | None = "en",
    ax: Axes | None = None,
) -> Axes:
    """Themes compared across the groups of a document attribute (e.g. ``role``) as grouped bars.

    Parameters
    ----------
    table : one row per group and code: ``<attribute>``, ``code``, ``documents``, ``segments``, ``share``...
    attribute : the column holding the groups; a ``documents`` column adds ``n=`` under each group.
    codebook : gives the codes' display names and colours.
    value : ``"share"``, ``"coverage"`` (shown as percentages) or ``"segments"`` (counts).
    language : language of the codes' display names.
    ax : the Axes to draw on; a new figure sized to the data when None.
    """
    import numpy as np
    import pandas as pd

    _check(table, value, ("share", "segments", "coverage"), (attribute, "code"), "plot_theme_by_attribute")
    if table.empty:
        return _nothing(ax, f"Themes by {attribute}")
    groups, codes, wide = _wide(table, attribute, "code", value)
    ax = ax or _axes(4.5 + 0.25 * len(groups) * max(len(codes), 2), 4.8)
    x = np.arange(len(groups))
    bar = 0.8 / max(1, len(codes))
    for i, code in enumerate(codes):
        label, color = _style(code, i, codebook, language)
        ax.bar(x - 0.4 + bar * (i + 0.5), wide[:, i], bar, label=label, color=color)
    names = _ticks(["(missing)" if pd.isna(g) else g for g in groups], 12)
    if "documents" in table.columns:
        sizes = table.drop_duplicates(attribute).set_index(attribute)["documents"]
        names = [f"{name}\nn={sizes.get(g, 0):g}" for name, g in zip(names, groups, strict=True)]
    ax.set_xticks(x, names)
    ax.set_xlabel(attribute)
    ax.set_ylabel(_AXIS_LABELS[value])
    _percent_axis(ax.yaxis, value)
    ax.set_title(f"Themes by {attribute}")
    _legend(ax)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return ax


def save_chart(ax: Axes, path: str | os.PathLike[str], *, dpi: int = 120, also: tuple[str, ...] = ()) -> Path:
    """Save the figure of ``ax`` to PNG or SVG (by the suffix of ``path``), then close the figure.

    ``also`` gives more formats to save the same drawing in, beside ``path`` (``also=(".svg",)``): the chart
    is drawn once, whatever the number of formats. The files hold no date, software version or random id:
    the same chart gives the same bytes.
    """
    import matplotlib.pyplot as plt

    path = Path(path)
    figure = _root(ax)
    try:
        for target in (path, *(path.with_suffix(suffix) for suffix in also)):
            if target.suffix.lower() not in (".png", ".svg"):
                raise ValueError(f"{target}: charts are saved as .png or .svg, not {target.suffix or 'no suffix'!r}.")
            metadata = {"Date": None} if target.suffix.lower() == ".svg" else {"Software": None}
            with plt.rc_context({"svg.hashsalt": "qualcode", "svg.fonttype": "path"}):
                figure.savefig(target, dpi=dpi, metadata=metadata)
    finally:
        plt.close(figure)
    return path


def _check(
    table: pd.DataFrame, value: str, allowed: tuple[str, ...], needed: tuple[str, ...], func: str
) -> None:
    if value not in allowed:
        raise ValueError(
            f"The 'value' parameter of {func} must be one of {', '.join(map(repr, allowed))}. Got {value!r} instead."
        )
    missing = [c for c in (*needed, value) if c not in table.columns]
    if missing:
        raise ValueError(
            f"{func}: the table has no column {', '.join(map(repr, missing))}; "
            f"its columns are {', '.join(map(str, table.columns))}. Pass the table this chart is made from."
        )


def _wide(table: pd.DataFrame, rows: str, columns: str, value: str) -> tuple[list, list, np.ndarray]:
    """The ``rows`` x ``columns`` pivot of a tidy table (order of appearance kept, absent cells 0)."""
    import numpy as np
    import pandas as pd

    row_at, row_keys = pd.factorize(table[rows], use_na_sentinel=False)
    col_at, col_keys = pd.factorize(table[columns], use_na_sentinel=False)
    wide = np.zeros((len(row_keys), len(col_keys)))
    wide[row_at, col_at] = pd.to_numeric(table[value]).fillna(0).to_numpy(dtype=float)
    return list(row_keys), list(col_keys), wide


def _top_documents(
    docs: list, wide: np.ndarray, limit: int | None, title: str
) -> tuple[list, np.ndarray, str]:
    """The ``limit`` rows of ``wide`` with the highest totals, in their order, and the title saying so."""
    import numpy as np

    if limit is None or len(docs) <= limit:
        return docs, wide, title
    if limit < 1:
        raise ValueError(f"The 'max_documents' parameter must be at least 1 or None. Got {limit!r} instead.")
    kept = np.sort(np.argsort(-wide.sum(axis=1), kind="stable")[:limit])
    return [docs[i] for i in kept], wide[kept], f"{title}\n({limit} of {len(docs)}, those with the highest totals)"


def _root(ax: Axes) -> Any:
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10
        return ax.figure.figure


def _axes(width: float, height: float) -> Axes:
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(min(width, 30.0), min(height, 40.0)), layout="constrained")
    return ax


def _nothing(ax: Axes | None, title: str) -> Axes:
    """An Axes that says there is nothing to draw (an empty table)."""
    ax = ax or _axes(6.0, 3.0)
    ax.text(
        0.5, 0.5, "Nothing to show: the table is empty.", ha="center", va="center", transform=ax.transAxes
    )
    ax.set_title(title)
    ax.set_axis_off()
    return ax


def _heatmap(ax: Axes, matrix: np.ndarray, value: str, *, texts: list[list[str]]) -> None:
    """Cells coloured on one scale (NaN cells grey), each with its text in black or white for contrast."""
    import matplotlib
    import numpy as np

    cmap = matplotlib.colormaps[_CMAP].with_extremes(bad="#d9d9d9")
    top = np.nanmax(matrix) if np.isfinite(matrix).any() else 0.0
    rows, columns = matrix.shape
    # Cells as a mesh of quadrilaterals, not an image: saving a tall figure resamples an image to the whole
    # figure in floating point (+48 MB transient for 40 documents); the cells drawn are the same.
    image = ax.pcolormesh(np.arange(columns + 1) - 0.5, np.arange(rows + 1) - 0.5, np.ma.masked_invalid(matrix),
                          cmap=cmap, vmin=0, vmax=max(top, 1e-9))
    ax.set_xlim(-0.5, columns - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)  # the first row at the top, as in a table
    for (i, j), v in np.ndenumerate(matrix):
        dark = np.isfinite(v) and _luminance(image.cmap(image.norm(v))) < _WHITE_TEXT_BELOW
        style = "normal" if np.isfinite(v) else "italic"
        ax.text(j, i, texts[i][j], ha="center", va="center", fontsize="small", style=style,
                color="white" if dark else "black")  # fmt: skip
    bar = ax.figure.colorbar(image, ax=ax, label=_AXIS_LABELS[value], shrink=0.9)
    _percent_axis(bar.ax.yaxis, value)
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)


def _luminance(rgba: tuple[float, ...] | np.ndarray) -> float:
    """Relative luminance (WCAG) of an RGB(A) colour with components in 0-1."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _format(v: float, value: str) -> str:
    import math

    if math.isnan(v):
        return ""
    if value in _PERCENT:
        return f"{v:.0%}"
    if value == "c_coefficient":
        return f"{v:.2f}"
    return f"{v:.0f}"


def _percent_axis(axis: Any, value: str) -> None:
    from matplotlib.ticker import PercentFormatter

    if value in _PERCENT:
        axis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))


def _legend(ax: Axes) -> None:
    ax.legend(title="Theme", loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)


def _style(code: str, i: int, codebook: Codebook | None, language: str | None) -> tuple[str, str]:
    """The display name and colour of ``code``, the ``i``-th code drawn."""
    if codebook is not None and code in codebook:
        entry = codebook[code]
        return entry.label(language), entry.color or _fallback(i)
    return str(code), _fallback(i)


def _fallback(i: int) -> str:
    """The ``i``-th colour of the palette: 8 muted colours, then the 20 of ``tab20``, then round again."""
    import matplotlib
    from matplotlib.colors import to_hex

    i %= len(_FALLBACK) + 20
    return _FALLBACK[i] if i < len(_FALLBACK) else to_hex(matplotlib.colormaps["tab20"](i - len(_FALLBACK)))


_HEATMAP_VALUES = {"segments": "coded segments", "share": "share of each document's segments",
                   "coverage": "share of each document's text"}


def _labels(names: list[Any], width: int = _NAME_WIDTH) -> list[str]:
    """Document names shortened in the middle, but never to the same label: a name that would share its label
    with others (they differ only in the part cut out) keeps its start, the part where it differs from its
    closest look-alike, and its end ('Interview …03 - Stati…anonymised)')."""
    names = [str(n) for n in names]
    labels = [_shorten(n, width) for n in names]
    alike: dict[str, set[str]] = {}
    for name, label in zip(names, labels, strict=True):
        alike.setdefault(label, set()).add(name)
    where: dict[str, int] = {}  # per name in a clash, the first character that tells it from its closest look-alike
    for group in alike.values():
        ordered = sorted(group)
        common = [next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                       min(len(a), len(b)))
                  for a, b in itertools.pairwise(ordered)]  # characters in common at the start
        for i, name in enumerate(ordered if len(ordered) > 1 else ()):
            where[name] = max(common[i - 1] if i else 0, common[i] if i < len(common) else 0)
    labels = [_around(n, where[n], width) if n in where else label for n, label in zip(names, labels, strict=True)]
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return [n if counts[label] > 1 else label for n, label in zip(names, labels, strict=True)]  # else: whole names


def _around(name: str, at: int, width: int) -> str:
    """``name`` in about ``width`` characters: its start, the word where character ``at`` is, and its end."""
    keep = max(width // 3, 4)
    word = name.rfind(" ", 0, at) + 1
    start = word if at - word <= keep // 2 else at - keep // 2
    pieces = [(0, keep), (start, start + keep), (len(name) - keep, len(name))]
    merged = [pieces[0]]
    for low, high in pieces[1:]:
        if low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return "…".join(name[low:high] for low, high in merged)


def _shorten(name: str, width: int = _NAME_WIDTH) -> str:
    """``name`` cut in the middle with an ellipsis when longer than ``width`` (start and end both stay)."""
    name = str(name)
    if len(name) <= width:
        return name
    head = (width - 1) // 2 + (width - 1) % 2
    return name[:head] + "…" + name[len(name) - (width - 1 - head) :]


def _ticks(names: list[Any], width: int = 14, lines: int = 3) -> list[str]:
    """Names of codes or groups on about ``lines`` lines of ``width`` characters, never two the same (see
    :func:`_labels`): every chart's labels are shortened by this or by :func:`_labels`."""
    return [_wrap(label, width, lines + 1) for label in _labels(names, width * lines - 2)]


def _wrap(label: str, width: int = 14, lines: int = 3) -> str:
    """``label`` on at most ``lines`` lines of about ``width`` characters, each line shortened if longer."""
    wrapped = textwrap.wrap(str(label), width, break_long_words=False, max_lines=lines, placeholder=" …")
    return "\n".join(_shorten(line, 2 * width) for line in wrapped) or str(label)
