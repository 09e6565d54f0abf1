"""The package type-checks (issue 15): mypy, configured in pyproject.toml's [tool.mypy], finds no error.

mypy runs in a child process with its cache in the system's temporary folder (one per checkout), not in the
repository: the first run checks everything (about a minute here, pandas' stubs being large); later runs
only what changed (a few seconds)."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import ROOT, skip_or_fail


def _mypy(*targets: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("mypy") is None:
        skip_or_fail("mypy is not installed: pip install -e '.[test]'")
    checkout = hashlib.sha256(str(ROOT).encode("utf-8")).hexdigest()[:12]
    cache = Path(tempfile.gettempdir()) / f"qualcode-mypy-{checkout}"
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
               "--cache-dir", str(cache), "--no-color-output", "--no-error-summary", *targets]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)


def test_package_has_no_type_error():
    run = _mypy()  # the packages of [tool.mypy]
    assert run.returncode == 0, f"mypy reports errors in qualcode/:\n{run.stdout[-6000:]}{run.stderr[-2000:]}"


def test_unannotated_functions_are_checked_too(tmp_path):
    """The configuration is the one in force: a type error in a function without annotations is found
    (check_untyped_defs), so a green run of the test above means something."""
    bad = tmp_path / "bad.py"
    bad.write_text('def total(words):\n    return len(words) + "s"\n', encoding="utf-8")
    run = _mypy(str(bad))
    assert run.returncode == 1, run.stdout + run.stderr
    assert 'Unsupported operand types for + ("int" and "str")' in run.stdout, run.stdout
