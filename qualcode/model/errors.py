"""The exception hierarchy of qualcode.

Every error a user can meet derives from :class:`QualcodeError`. A message names the file (and line where
there is one), says what is wrong and what to do about it, so that a batch run can report it in one line
and go on with the other files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AttributesError",
    "BinaryFileError",
    "CodebookError",
    "CorruptFileError",
    "DecodingError",
    "EmptyFileError",
    "InputError",
    "OutputError",
    "Problem",
    "ProcessDiedError",
    "QualcodeError",
    "ReadError",
    "RefiError",
    "SuggestError",
    "TooLargeError",
    "UnexpectedReadError",
    "UnsupportedFormatError",
    "WriteError",
]


class QualcodeError(Exception):
    """Base class of every error raised by qualcode."""


class ReadError(QualcodeError):
    """A transcript file could not be read.

    Parameters
    ----------
    path : path of the file.
    problem : what is wrong, in a short sentence.
    hint : what the user can do about it.
    """

    kind = "unreadable"

    def __init__(self, path: str | os.PathLike[str], problem: str, hint: str = "") -> None:
        self.path = str(path)
        self.problem = problem
        self.hint = hint
        message = f"{self.path}: {problem}"
        if hint:
            message += f" {hint}"
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Read errors travel from worker processes (and Dask workers) to the main one.
        return self.__class__, (self.path, self.problem, self.hint)


class UnsupportedFormatError(ReadError):
    """No reader handles the file's suffix."""

    kind = "unsupported-format"


class EmptyFileError(ReadError):
    """The file is empty or holds only whitespace."""

    kind = "empty"


class BinaryFileError(ReadError):
    """The file holds binary data where text was expected."""

    kind = "binary"


class DecodingError(ReadError):
    """The file's bytes could not be decoded as text in any known encoding."""

    kind = "undecodable"


class TooLargeError(ReadError):
    """The file, or what it unpacks to, is beyond what qualcode reads of one transcript."""

    kind = "too-large"


class CorruptFileError(ReadError):
    """The file is damaged: a broken zip inside a .docx or .odt, a PDF that cannot be parsed..."""

    kind = "corrupt"


class UnexpectedReadError(ReadError):
    """Reading the file failed in a way qualcode does not know: a bug in qualcode or a library it uses.

    The original exception is the ``__cause__``; a batch run reports the file and goes on.
    """

    kind = "unexpected"
    details = ""  # the traceback, as text: it survives the trip back from a worker process

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (self.path, self.problem, self.hint), {"details": self.details}


class OutputError(QualcodeError):
    """An output path would destroy something qualcode did not write: a project database, an input, a folder
    of the user's files. Raised before anything is read or written; the CLI exits with status 2."""

    exit_status = 2


class WriteError(QualcodeError, OSError):
    """An output could not be written: a full disk, a read-only folder, no permission, a folder where a file
    is expected. Nothing was written there, and what was there before is as it was; the CLI exits with status 1.
    It is also an ``OSError`` (with the ``errno`` of its cause), so code that caught one still does.

    Parameters
    ----------
    path : the file or folder that was being written.
    reason : what went wrong and what to do, in a sentence or two.
    code : the ``errno`` of the failure, where there is one.
    """

    exit_status = 1

    def __init__(self, path: str | os.PathLike[str], reason: str, code: int | None = None) -> None:
        self.path, self.reason = str(path), reason
        super().__init__(f"cannot write {self.path}: {reason} Nothing was written there; what was there before, "
                         "if anything, is as it was.")
        self.errno = code

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (self.path, self.reason, self.errno)


class InputError(QualcodeError):
    """A path given to read does not exist: a usage error, found before anything is read or written."""

    exit_status = 2


class ProcessDiedError(ReadError):
    """The worker process reading and coding the file died (killed for lack of memory, a crash in C code)."""

    kind = "crashed"


class AttributesError(QualcodeError):
    """The participant attributes file is malformed (no `document` column, duplicate ids...)."""


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a file, with its location where known."""

    message: str
    path: str | None = None
    line: int | None = None
    code: str | None = None

    def __str__(self) -> str:
        where = self.path or "<codebook>"
        if self.line is not None:
            where += f":{self.line}"
        prefix = f"code '{self.code}': " if self.code else ""
        return f"{where}: {prefix}{self.message}"


class CodebookError(QualcodeError):
    """A codebook is invalid. ``problems`` lists every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"The codebook has {count} problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


class RefiError(QualcodeError):
    """A REFI-QDA file (.qdpx, .qdc) cannot be imported or exported. ``problems`` lists every problem.

    Parameters
    ----------
    path : the archive or file concerned.
    problems : what is wrong, one sentence each (naming the archive entry where there is one).
    hint : what the user can do about it.
    """

    def __init__(self, path: str | os.PathLike[str], problems: str | list[str], hint: str = "") -> None:
        self.path = str(path)
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.hint = hint
        if len(self.problems) == 1:
            message = f"{self.path}: {self.problems[0]}"
        else:
            shown = self.problems[:20]
            more = [f"  - ... and {len(self.problems) - 20} more"] if len(self.problems) > 20 else []
            message = "\n".join([f"{self.path}: {len(self.problems)} problems:", *(f"  - {p}" for p in shown), *more])
        super().__init__(f"{message} {hint}".rstrip() if len(self.problems) == 1 else f"{message}\n{hint}".rstrip())


class SuggestError(QualcodeError):
    """A suggester cannot learn or be used as asked (:mod:`qualcode.coding.suggest`); ``problems`` lists why."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
