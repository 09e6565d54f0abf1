"""Writing a run's outputs: the report and the charts written by other processes give the same bytes, and their failure
leaves the previous outputs."""

from __future__ import annotations

import pytest

import qualcode as qc
from qualcode.model.errors import WriteError
from qualcode.run.outputs import write_outputs
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def coded():
    corpus = qc.read_corpus(SAMPLES)
    return corpus, qc.Coder().code(corpus)


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_report_in_a_second_process_gives_the_same_outputs(coded, tmp_path):
    corpus, result = coded
    write_outputs(result, tmp_path / "one", transcripts=corpus.transcripts, jobs=1)
    write_outputs(result, tmp_path / "two", transcripts=corpus.transcripts, jobs=2)
    one = _files(tmp_path / "one")
    assert "report.html" in {p.name for p in one} and one == _files(tmp_path / "two")


@pytest.mark.parametrize("jobs", [1, 2])
def test_no_chart_format_writes_the_tables_and_no_chart(coded, tmp_path, jobs):
    result = coded[1]
    write_outputs(result, tmp_path / "out", charts=(), jobs=jobs)
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"segments.csv", "codings.csv", "run.json"} <= names and not any(n.endswith((".png", ".svg")) for n in names)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_report_leaves_the_previous_outputs_and_no_partial_folder(coded, tmp_path, monkeypatch, jobs):
    corpus, result = coded
    out = tmp_path / "out"
    write_outputs(result, out, transcripts=corpus.transcripts)
    before = _files(out)

    def broken(*args, **kwargs):
        raise OSError("disk full while writing the report")

    monkeypatch.setattr("qualcode.views.report.write_report", broken)
    with pytest.raises(WriteError, match=f"cannot write {out}: .*disk full while writing the report"):
        write_outputs(result, out, transcripts=corpus.transcripts, jobs=jobs)
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_full_disk_under_a_chart_says_so_from_the_charts_process(coded, tmp_path, monkeypatch, jobs):
    import errno
    import os

    from qualcode.views import plots
    corpus, result = coded
    out = tmp_path / "out"
    write_outputs(result, out, transcripts=corpus.transcripts)
    before = _files(out)

    def full(ax, path, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(plots, "save_chart", full)
    with pytest.raises(WriteError, match="the disk is full") as caught:
        write_outputs(result, out, transcripts=corpus.transcripts, jobs=jobs)
    cause = caught.value.__cause__
    assert isinstance(cause, OSError) and cause.errno == errno.ENOSPC and cause.filename.endswith(".png")
    assert _files(out) == before and [p.name for p in tmp_path.iterdir()] == ["out"]
