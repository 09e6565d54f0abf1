"""The library's messages in the command's words: every error and warning the CLI prints goes through here.

The library explains a problem in Python's terms ("Add documents with Project.add_documents()", "The
'attribute' parameter of theme_by_attribute ...", "pass new_code=True"); at the terminal these name the
command and the flag that do the same. One table of calls and one rule for parameters, applied to each
message as it is printed (``tests/test_cli_words.py`` runs the commands that print them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import typer

__all__ = ["cli_words", "echo_err", "project_named"]

_PROJECT: ContextVar[str] = ContextVar("project", default="FILE")

# A library call named in a message -> the command that does the same ({project}: the project file).
_CALLS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Project\.add_documents\(\)(?: or Project\.code\(\))?|Project\.code\(\)"), "qualcode code PATH --project {project}"),
    (re.compile(r"Project\.codings\(coder=('[^']*')[^)]*\)"), r"qualcode project codings {project} --coder \1"),
    (re.compile(r"Project\.codings\(\)(?: or Project\.undecided\(coder\))?"), "qualcode project codings {project}"),
    (re.compile(r"Project\.segments\(('[^']*'), '(\w+)'\)"), r"qualcode project segments {project} \1 --unit \2"),
    (re.compile(r"Project\.codes\(\)"), "qualcode project codes {project}"),
    (re.compile(r"Project\.undecided\((?:coder)?\)"), "qualcode project codings {project}"),
    (re.compile(r"Project\.unplaced\(\)"), "qualcode project unplaced {project}"),
]
# Parameters whose flag is not their name with dashes.
_FLAGS = {"attribute": "--by", "attributes": "--attributes"}
_PARAMETER = re.compile(r"[Tt]he '(\w+)' parameter(?: of [\w.]+)?")
_KEYWORD = re.compile(r"\bpass (\w+)=(True|[A-Z]+)\b")  # new_code=True, coder=NAME


def flag(parameter: str) -> str:
    """The command-line flag of a library parameter: ``new_code`` -> ``--new-code``, ``attribute`` -> ``--by``."""
    return _FLAGS.get(parameter, "--" + parameter.replace("_", "-"))


def cli_words(message: str) -> str:
    """``message`` with the library calls and parameters it names replaced by commands and flags."""
    project = _PROJECT.get().replace("\\", "\\\\")
    for pattern, command in _CALLS:
        message = pattern.sub(command.replace("{project}", project), message)
    message = _PARAMETER.sub(lambda m: f"{m.group(0)[0]}he option {flag(m.group(1))}", message)
    return _KEYWORD.sub(lambda m: f"give {flag(m.group(1))}{'' if m.group(2) == 'True' else ' ' + m.group(2)}",
                        message)


def echo_err(message: str) -> None:
    """Print a message on stderr, in the command's words."""
    typer.echo(cli_words(message), err=True)


@contextmanager
def project_named(path: Path | str) -> Iterator[None]:
    """Messages printed inside name ``path`` as the project file of the commands they suggest."""
    token = _PROJECT.set(str(path))
    try:
        yield
    finally:
        _PROJECT.reset(token)
