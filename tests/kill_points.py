"""Fault injection for the crash tests: this process kills itself (SIGKILL) at a named point of a run.

The library holds no test hook. :func:`install` patches, in this process only and from outside, the calls
that a point follows or precedes: the child processes of the crash tests (``store_child.py`` and
``hostile/cli_child.py``) call it with the point named by ``QUALCODE_TEST_KILL_AT``. A point is ``NAME`` or
``NAME:N``, N counting the documents a project run writes (unchanged ones are not written).

A project run (:meth:`qualcode.project.store.Project.code`), followed through the SQL it sends to SQLite:

- ``run-start``: the run is recorded (its transaction committed), no document written yet;
- ``before-transaction:N``: before the transaction of the N-th document written begins;
- ``after-delete:N``: in that transaction, once the coder's previous codings of the document are deleted;
- ``inside-transaction:N``: in it, half-way through inserting the document's new codings;
- ``before-commit:N``: in it, everything written, just before the commit;
- ``after-document:N``: just after its commit;
- ``run-end``: every document written, before the run is marked finished.

An output folder (:func:`qualcode.run.outputs.write_outputs`):

- ``outputs-writing``: the staging folder holds segments.csv only;
- ``outputs-written``: the staging folder is complete (run.json written), not swapped in yet;
- ``outputs-exchanged``: staging and output folders exchanged atomically, the old outputs not removed yet;
- ``outputs-moved-aside``: (where folders cannot be exchanged) the old outputs moved aside, the new ones
  not in place yet.

A point that the run never reaches leaves the process alive: the test, which expects it killed, fails.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

KILL_ENV = "QUALCODE_TEST_KILL_AT"
PROJECT_POINTS = ("run-start", "before-transaction", "after-delete", "inside-transaction", "before-commit",
                  "after-document", "run-end")
OUTPUT_POINTS = ("outputs-writing", "outputs-written", "outputs-exchanged", "outputs-moved-aside")


def kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install(point: str | None = None) -> None:
    """Kill this process at ``point`` (by default the one named by ``QUALCODE_TEST_KILL_AT``, if any)."""
    point = os.environ.get(KILL_ENV, "") if point is None else point
    if not point:
        return
    name, _, number = point.partition(":")
    if name in PROJECT_POINTS:
        _watch_sql(_ProjectRun(name, int(number) if number else None))
    elif name in OUTPUT_POINTS:
        _watch_outputs(name)
    else:
        raise ValueError(f"unknown kill point {point!r}: one of {', '.join(PROJECT_POINTS + OUTPUT_POINTS)}")


class _ProjectRun:
    """Where a project run stands, from the statements it executes; kills the process at the point."""

    def __init__(self, name: str, count: int | None) -> None:
        self.name, self.count = name, count
        self.run_recorded = self.started = self.in_document = False
        self.written = 0  # documents whose row was written, the current one included

    def at(self, name: str, written: int | None = None) -> bool:
        return self.name == name and (written is None or self.count == written)

    def before(self, sql: str) -> None:
        if sql.startswith(("INSERT INTO documents ", "UPDATE documents SET text ")):
            self.written += 1
            self.in_document = True
        elif sql.startswith("INSERT INTO runs "):
            self.run_recorded = True
        if ((sql == "BEGIN IMMEDIATE" and self.started and self.at("before-transaction", self.written + 1))
                or (sql == "COMMIT" and self.in_document and self.at("before-commit", self.written))
                or (sql.startswith("UPDATE runs SET finished") and self.at("run-end"))):
            kill()

    def after(self, sql: str) -> None:
        if sql.startswith("DELETE FROM codings WHERE document = ? AND coder = ?") and self.at(
                "after-delete", self.written):
            kill()
        elif sql == "COMMIT":
            if self.in_document and self.at("after-document", self.written):
                kill()
            if self.run_recorded and not self.started:
                self.started = True
                if self.at("run-start"):
                    kill()
            self.in_document = False
        elif sql == "ROLLBACK":
            self.in_document = False

    def rows(self, sql: str, rows: Iterable[Any]) -> Iterable[Any]:
        """The rows of an ``executemany``, cut half-way by the kill inside the codings' INSERT."""
        if not (sql.startswith("INSERT INTO codings ") and self.at("inside-transaction", self.written)):
            return rows
        rows = list(rows)

        def half_then_kill() -> Iterator[Any]:
            yield from rows[: len(rows) // 2]
            kill()

        return half_then_kill()


def _watch_sql(run: _ProjectRun) -> None:
    """Every connection this process opens tells ``run`` the statements it executes."""

    class Watched(sqlite3.Connection):
        def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
            statement = sql.strip()
            run.before(statement)
            cursor = super().execute(sql, parameters)
            run.after(statement)
            return cursor

        def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
            statement = sql.strip()
            run.before(statement)
            cursor = super().executemany(sql, run.rows(statement, parameters))
            run.after(statement)
            return cursor

    real_connect = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        kwargs.setdefault("factory", Watched)
        return real_connect(*args, **kwargs)

    sqlite3.connect = connect  # type: ignore[assignment]


def _watch_outputs(name: str) -> None:
    from qualcode.run import outputs

    if name == "outputs-writing":
        real_csv = outputs._csv

        def csv(frame: Any, path: Path) -> None:
            real_csv(frame, path)
            if Path(path).name == "segments.csv":
                kill()

        outputs._csv = csv
    elif name == "outputs-written":
        real_swap = outputs._swap

        def swap(staging: Path, out: Path) -> None:
            kill()
            real_swap(staging, out)

        outputs._swap = swap
    elif name == "outputs-exchanged":
        real_exchange = outputs._exchange

        def exchange(a: Path, b: Path) -> bool:
            done = real_exchange(a, b)
            if done:
                kill()
            return done

        outputs._exchange = exchange
    else:  # outputs-moved-aside: the old outputs renamed to .<name>.previous-<pid>
        real_replace = os.replace

        def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
            real_replace(src, dst, *args, **kwargs)
            if Path(dst).name.startswith(f".{Path(src).name}.previous-"):
                kill()

        os.replace = replace
