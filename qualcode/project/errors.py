"""The error of the project layer, in a module of its own so that the store's helpers can raise it."""

from __future__ import annotations

from qualcode.model.errors import QualcodeError

__all__ = ["ProjectError"]


class ProjectError(QualcodeError):
    """A project file cannot be used, or a request on it is invalid. ``problems`` lists every problem."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = "\n".join([f"{len(self.problems)} problems:", *(f"  - {p}" for p in self.problems)])
        super().__init__(message)
