"""Shared test helpers.

Tests that need the third-party material in ``../shared`` (or a browser) skip with a reason where it is
absent, but under ``CI=true`` such a skip fails instead: CI must never go green untested.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Under CI the property tests are derandomized: the same examples on every run, so CI is not green or red by
# the luck of a seed, nor by the load of the machine (no deadline, no too-slow health check: an example that
# takes 300 ms while other processes share the two cores is not a bug). Locally they explore new examples
# each run (and keep failing ones in .hypothesis/).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "data" / "samples"


def skip_or_fail(reason: str) -> None:
    """Skip the test, or fail it when running under CI (``CI=true``)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: a skipped test would prove nothing)")
    pytest.skip(reason)


def require_shared(relative: str | Path = "") -> Path:
    """Return ``../shared/<relative>``, skipping (or failing under CI) where it is absent."""
    path = SHARED / relative
    if not path.exists():
        skip_or_fail(f"{path} is absent: the shared third-party material is needed for this test")
    return path


@functools.cache
def shared_transcript(relative: str):
    """``qc.read_transcript`` of ``../shared/<relative>``, read once per test session (PDFs take a second
    each); skips (or fails under CI) where it is absent. Tests must not change what it returns."""
    import qualcode as qc

    return qc.read_transcript(require_shared(relative))


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """The coding cache of every test (and of the CLI runs they start) lives in a temporary folder, not
    in the user's ~/.cache."""
    previous = os.environ.get("QUALCODE_CACHE_DIR")
    os.environ["QUALCODE_CACHE_DIR"] = str(tmp_path_factory.mktemp("qualcode-cache"))
    yield
    if previous is None:
        os.environ.pop("QUALCODE_CACHE_DIR", None)
    else:
        os.environ["QUALCODE_CACHE_DIR"] = previous
