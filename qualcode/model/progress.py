"""Progress bars for the long steps (reading, coding, writing): totals, rates and time left, on a terminal only.

Library functions take ``progress=False`` by default; the command turns it on. A bar is tqdm's, drawn on
stderr and only when stderr is a terminal (tqdm's ``disable=None``), so logs and CI stay clean.
"""

from __future__ import annotations

from typing import Any

__all__ = ["bar"]


class _Silent:
    """What a bar does when there is none."""

    total: int | None = None

    def update(self, n: int = 1) -> None:
        pass

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def bar(shown: bool, description: str, unit: str, total: int | None = None) -> Any:
    """A progress bar (tqdm) when ``shown``, else one that does nothing; use it as a context manager."""
    if not shown:
        return _Silent()
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked, and threads and fork mix badly
    return tqdm(total=total, desc=description, unit=unit, disable=None, leave=False, dynamic_ncols=True)
