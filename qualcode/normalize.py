"""Text normalisation shared by readers and the structure step."""

from __future__ import annotations

import re

__all__ = ["join_lines"]

_HYPHENATED = re.compile(r"(\w)-$")


def join_lines(lines: list[str]) -> str:
    """Re-join the lines of one hard-wrapped paragraph into a single line.

    Lines are stripped and joined with one space; a word hyphenated across a line break
    (``"parte-"`` + ``"nariat"``) is joined without the hyphen when the next line starts in lower case.
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif _HYPHENATED.search(out) and line[0].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}"
    return out
