"""How the command shows things: progress bars, tables without NaN or None, and help that names each value.

:class:`Bars` draws the progress the library tells (:class:`qualcode.model.progress.Progress`) as tqdm bars.

Typer's help writes an option's Python type when it has no metavar (``--coder <str>``, ``--document
<list[str]>``, ``file <file>``): :class:`Commands`, the group class of every ``qualcode`` command group,
names each value in capitals instead, as click does (``--coder NAME``, ``FILE SHEET``), so every command's
help reads the same without a metavar on each option.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from typer.core import TyperArgument, TyperGroup, TyperOption

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.model.progress import Progress

__all__ = ["Bars", "Commands", "table_text"]

SHOWN = 60  # characters of a text cell printed on the terminal

# an option's value, named by the option (when no metavar is given): --coder NAME, --next N...
_NAMES = {"coder": "NAME", "auto_coder": "CODER", "from_": "CODER", "human": "CODER", "auto": "CODER",
          "author": "NAME", "document": "DOC", "code": "CODE", "delimiter": "CHAR", "language": "LANG"}


class Bars:
    """A progress callback drawing each step as a tqdm bar on stderr, with its total, rate and time left,
    on a terminal only (tqdm's ``disable=None``: nothing in logs, pipes or CI; ``TQDM_DISABLE=1`` turns them
    off on a terminal too). A new step closes the previous bar; use it as a context manager."""

    def __init__(self, *, mininterval: float = 0.1) -> None:
        self.mininterval = mininterval  # seconds between two redraws (tqdm's); 0 draws every move
        self._bar: Any = None
        self._step: str | None = None

    def __call__(self, progress: Progress) -> None:
        if progress.step != self._step:
            self.close()
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked, and threads and fork mix badly
            self._bar = tqdm(total=progress.total, desc=progress.step, unit=progress.unit, disable=None,
                             leave=False, dynamic_ncols=True, mininterval=self.mininterval)
            self._step = progress.step
        if progress.total != self._bar.total:
            self._bar.total = progress.total
            self._bar.refresh()
        if progress.done > self._bar.n:
            self._bar.update(progress.done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar = self._step = None

    def __enter__(self) -> Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def table_text(frame: pd.DataFrame, *, max_colwidth: int | None = SHOWN) -> str:
    """``frame`` as a plain-text table: missing values (NaN, None, <NA>) blank, fractions to 3 decimals."""
    shown = frame.copy()
    for name in shown.columns[[dtype.kind not in "fc" for dtype in shown.dtypes]]:
        shown[name] = shown[name].astype(object).where(shown[name].notna(), "")
    return shown.to_string(index=False, max_colwidth=max_colwidth, na_rep="", float_format=lambda x: f"{x:.3f}")


class Commands(TyperGroup):
    """A command group whose commands' help names every value in words (see the module's docstring)."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        for param in getattr(command, "params", ()):
            _name_value(param)
        return command


def _name_value(param: Any) -> None:
    if isinstance(param, TyperArgument):
        param.metavar = param.metavar or (param.name or "value").upper()
        # the metavar and the help say what it is: no Python type after it (typer writes 'file <file>')
        setattr(param, "display_type_rich", _no_type)  # noqa: B010
    elif isinstance(param, TyperOption) and not param.is_flag and param.metavar is None:
        descriptor = getattr(param, "type_descriptor", None)  # Typer 0.2x; older ones have click's types only
        choice = descriptor.is_choice if descriptor is not None else hasattr(getattr(param, "type", None), "choices")
        if not choice:  # a choice shows its values: --unit <paragraph|sentence|turn>
            annotation = descriptor.annotation if descriptor is not None else None
            param.metavar = _NAMES.get(param.name or "") or _by_type(annotation, param)


def _by_type(annotation: Any, param: Any) -> str:
    inner = get_args(annotation)[0] if getattr(annotation, "__origin__", None) is list else annotation
    kind = str(getattr(getattr(param, "type", None), "name", ""))
    if inner is Path or kind == "path":
        return "FILE"
    if inner is int or kind.startswith("integer"):
        return "N"
    return str(param.name or "value").rstrip("_").upper()


def _no_type(ctx: Any) -> None:
    return None
