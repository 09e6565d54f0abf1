"""Atomic writes: the whole new file or the previous one, with the permissions a shared file should have."""

from __future__ import annotations

import os
import stat

import pytest

from qualcode.model.files import write_atomic, write_atomic_path


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_umask_mode_not_the_temporary_file_s(tmp_path, umask_022):
    path = write_atomic(tmp_path / "report.html", lambda handle: handle.write(b"<p>hi</p>"))
    assert path.read_bytes() == b"<p>hi</p>" and _mode(path) == 0o644


def test_a_replaced_file_keeps_its_mode(tmp_path, umask_022):
    path = tmp_path / "sheet.csv"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    write_atomic_path(path, lambda temporary: temporary.write_text("new", encoding="utf-8"), sync=True)
    assert path.read_text(encoding="utf-8") == "new" and _mode(path) == 0o640


def test_a_failure_leaves_the_previous_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "export.qdpx"
    path.write_bytes(b"previous")

    def half(handle):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_atomic(path, half)
    assert path.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["export.qdpx"]


def test_the_report_can_be_read_by_others(tmp_path, umask_022):
    import qualcode as qc
    from qualcode.views.report import write_report
    from tests.conftest import SAMPLES

    corpus = qc.read_corpus(SAMPLES / "fr_centre_social_entretien.txt")
    path = write_report(qc.Coder().code(corpus), corpus, tmp_path / "report.html")
    assert _mode(path) == 0o644
