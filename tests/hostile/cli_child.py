"""Run the real ``qualcode`` command with faults injected: ``python cli_child.py ARGS...``.

``QUALCODE_TEST_FAULTS`` holds a JSON list of ``[fault, path]`` pairs. Tests run as root, where
permissions cannot make a file unreadable, so the faults are injected where the operating system would
raise them:

- ``unreadable``: opening ``path`` raises PermissionError (EACCES);
- ``vanish``: opening ``path`` raises FileNotFoundError, as for a file deleted after it was listed;
- ``unreadable-folder``: listing the folder ``path`` raises PermissionError;
- ``no-exchange`` (no path): the output folder cannot be swapped atomically, as on macOS or Windows;
- ``reader-bug``: the reader of ``path`` fails with a RuntimeError, as a bug in a library would;
- ``write-bug`` (no path): writing the outputs fails with a RuntimeError (a bug outside any file);
- ``worker-dies``: the worker process coding ``path`` is killed with SIGKILL, as the out-of-memory killer
  does (in this process, with ``--jobs 1``, nothing happens);
- ``slow``: coding each file takes a second more, so that the run can be interrupted midway; the first file
  to begin creates the file ``path`` (if given), so that a test knows the workers are coding.

``QUALCODE_TEST_KILL_AT`` kills the process at a point of the run (see ``tests/kill_points.py``).
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path


def install(spec: list[list[str]]) -> Callable[[], None]:
    """Inject the faults of ``spec``; return the function that removes them."""
    real_open, real_scandir = io.open, os.scandir
    by_path = {os.path.abspath(path): fault for fault, path in spec}

    def fake_open(file, mode="r", *args, **kwargs):
        fault = by_path.get(os.path.abspath(file)) if isinstance(file, str | os.PathLike) else None
        if fault == "unreadable":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        if fault == "vanish":
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), os.fspath(file))
        return real_open(file, mode, *args, **kwargs)

    def fake_scandir(path="."):
        if by_path.get(os.path.abspath(path)) == "unreadable-folder":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_scandir(path)

    def restore() -> None:
        builtins.open = io.open = real_open
        os.scandir = real_scandir

    builtins.open = io.open = fake_open
    os.scandir = fake_scandir
    _bugs(spec)
    return restore


def _bugs(spec: list[list[str]]) -> None:
    from qualcode.coding import engine
    from qualcode.ingest import readers
    from qualcode.run import outputs

    faults = dict(spec)
    if "no-exchange" in faults:
        outputs._exchange = lambda a, b: False
    if "reader-bug" in faults:
        broken = os.path.abspath(faults["reader-bug"])
        real = readers.READERS[".txt"]

        def reader(path):
            if os.path.abspath(path) == broken:
                raise RuntimeError("a bug in a library")
            return real(path)

        readers.READERS[".txt"] = reader
    if "write-bug" in faults:
        from qualcode.run import folder

        def write_outputs(*args, **kwargs):
            raise RuntimeError("a bug while writing")

        folder.write_outputs = write_outputs
    if "worker-dies" in faults:
        doomed, parent, real_code = os.path.abspath(faults["worker-dies"]), os.getpid(), engine._code_file

        def code_file(task, *args, **kwargs):
            if os.path.abspath(task[0]) == doomed and os.getpid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)
            return real_code(task, *args, **kwargs)

        engine._code_file = code_file
    if "slow" in faults:
        import time

        real_slow = engine._code_file
        started = faults["slow"]

        def slow_code_file(task, *args, **kwargs):
            if started:
                Path(started).touch()
            time.sleep(1)
            return real_slow(task, *args, **kwargs)

        engine._code_file = slow_code_file


if __name__ == "__main__":
    # Ctrl-C as in a terminal: a pytest-xdist worker ignores SIGINT, and a child inherits that (Python then
    # installs no KeyboardInterrupt handler), so the Ctrl-C test passed or failed by which tests ran before it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    install(json.loads(os.environ.get("QUALCODE_TEST_FAULTS") or "[]"))
    sys.argv = ["qualcode", *sys.argv[1:]]
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import kill_points

    kill_points.install()
    from qualcode.cli.app import main

    main()
