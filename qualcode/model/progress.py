"""Progress of the long steps (reading, coding, writing outputs, the report), told to a callback.

The library never draws or prints progress: a long function takes ``progress=None``, or a callable that it
calls with a :class:`Progress` each time a step starts, learns its total, or moves on. The command draws
them as bars with a rate and the time left (``qualcode.cli.show.Bars``, on a terminal only); a notebook or
another program can pass its own, e.g. ``progress=print``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

__all__ = ["OnProgress", "Progress", "Step"]


class Progress(NamedTuple):
    """Where a step is: ``done`` of ``total`` (None until known) ``unit``s (``"file"``, ``"document"``)."""

    step: str
    unit: str
    done: int
    total: int | None


OnProgress = Callable[[Progress], None]


class Step:
    """Counts one step and tells ``on_progress`` (when given) at its start, its total, and each move."""

    def __init__(self, on_progress: OnProgress | None, name: str, unit: str, total: int | None = None) -> None:
        if on_progress is not None and not callable(on_progress):
            raise TypeError(
                "The 'progress' parameter must be None or a callable taking a qualcode Progress (the command "
                f"draws progress bars with qualcode.cli.show.Bars). Got {on_progress!r} instead."
            )
        self.on_progress, self.name, self.unit, self.done, self._total = on_progress, name, unit, 0, total
        if total is not None:
            self._tell()

    @property
    def total(self) -> int | None:
        return self._total

    @total.setter
    def total(self, count: int) -> None:
        self._total = count
        self._tell()

    def update(self, n: int = 1) -> None:
        self.done += n
        self._tell()

    def _tell(self) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(self.name, self.unit, self.done, self._total))

