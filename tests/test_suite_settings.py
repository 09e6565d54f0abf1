"""The suite's own settings (issue 15 item 5): under CI the property tests cannot go red by luck."""

from __future__ import annotations

from hypothesis import HealthCheck, settings


def test_the_ci_profile_is_deterministic_and_ignores_the_machines_load():
    """Under ``CI=true`` (conftest loads this profile) every run tries the same examples, and a slow example on
    a loaded 2-core machine is not a failure: neither a deadline nor the too-slow health check applies."""
    ci = settings.get_profile("ci")
    assert ci.derandomize is True and ci.database is None
    assert ci.deadline is None
    assert HealthCheck.too_slow in ci.suppress_health_check
