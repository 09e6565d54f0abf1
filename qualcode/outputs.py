"""Writing a coding run's outputs to a folder, as a whole: written beside it, then moved in.

A failed run leaves the previous outputs in place, never a mix. Outputs are deterministic: no timestamps,
no absolute paths, UTF-8 with ``\\n`` line endings, so two runs on the same input are byte-identical.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.coder import CodingResult

__all__ = ["write_outputs"]

OUTPUT_FILES = ("segments.csv", "codings.csv", "evidence.csv", "theme_frequency.csv", "errors.csv", "run.json")


def write_outputs(
    result: CodingResult,
    out_dir: str | os.PathLike[str],
    *,
    charts: tuple[str, ...] = ("png",),
    documents: pd.DataFrame | None = None,
) -> Path:
    """Write the tables (and the theme-frequency chart) of ``result`` into ``out_dir``, replacing it whole.

    Returns the output folder. Raises ``OSError`` (with the folder named) when it cannot be written; the
    previous outputs are then left as they were. ``documents`` (e.g. ``Corpus.summary()``) is written as
    ``documents.csv``.
    """
    from qualcode.tables import theme_frequency, theme_matrix

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out}: exists and is not a folder; choose another --out.")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        frequency = theme_frequency(result)
        _csv(result.segments, staging / "segments.csv")
        _csv(result.codings, staging / "codings.csv")
        _csv(result.evidence, staging / "evidence.csv")
        _csv(theme_matrix(frequency).reset_index(), staging / "theme_frequency.csv")
        _csv(result.errors, staging / "errors.csv")
        if documents is not None:
            _csv(documents, staging / "documents.csv")
        (staging / "run.json").write_text(_manifest(result), encoding="utf-8", newline="\n")
        for fmt in charts:
            _chart(frequency, result, staging / f"theme_frequency.{fmt}")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _csv(frame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _manifest(result: CodingResult) -> str:
    from qualcode import __version__

    data = {
        "qualcode": __version__,
        "codebook": {"name": result.codebook.name, "version": result.codebook.version, "hash": result.codebook.hash},
        "coder": result.coder,
        "unit": result.unit,
        "documents": result.documents,
        "segments": len(result.segments),
        "codings": len(result.codings),
        "errors": len(result.errors),
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _chart(frequency, result: CodingResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from qualcode.plots import plot_theme_frequency

    with plt.rc_context({"svg.hashsalt": "qualcode", "svg.fonttype": "path"}):
        ax = plot_theme_frequency(frequency, codebook=result.codebook)
        metadata = {"Date": None} if path.suffix == ".svg" else {"Software": None}
        ax.figure.savefig(path, dpi=120, metadata=metadata)
        plt.close(ax.figure)


def _swap(staging: Path, out: Path) -> None:
    backup = out.parent / f".{out.name}.previous-{os.getpid()}"
    if out.exists():
        os.replace(out, backup)
    try:
        os.replace(staging, out)
    except OSError:
        if backup.exists():
            os.replace(backup, out)
        raise
    shutil.rmtree(backup, ignore_errors=True)
