"""Progress of the long steps (issue 21): the library tells a callback, each step with its total ('code'
showed '5file [00:10]' with no total, 'load' no bar, the report none); the command draws bars with a total,
a rate and the time left on a terminal, and nothing elsewhere."""

from __future__ import annotations

import io
import re
import sys

import pytest

import qualcode as qc
from qualcode.cli.show import Bars
from qualcode.coding.engine import code_files
from qualcode.model.progress import Progress
from qualcode.run.folder import code_folder
from qualcode.views.report import write_report


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"t{i}.txt").write_text("Les parents viennent peu, faute de temps.\n", encoding="utf-8")
    return folder


def _steps(told: list[Progress]) -> dict[str, list[Progress]]:
    steps: dict[str, list[Progress]] = {}
    for p in told:
        steps.setdefault(p.step, []).append(p)
    return steps


def test_every_long_step_tells_its_total_and_the_library_draws_nothing(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    told: list[Progress] = []
    run = code_folder(folder, out=tmp_path / "out", similarity=False, jobs=1, progress=told.append)
    write_report(run.result, run.corpus, tmp_path / "report.html", progress=told.append)
    qc.read_corpus(folder, progress=told.append)
    steps = _steps(told)
    assert list(steps) == ["reading and coding", "writing outputs", "writing the report", "reading"]
    for name, unit, total in [("reading and coding", "file", 3), ("writing outputs", "file", 10),
                              ("writing the report", "document", 3), ("reading", "file", 3)]:
        said = steps[name]
        assert all(p.total == total and p.unit == unit for p in said), said  # the total before the first one
        assert [p.done for p in said] == list(range(said[0].done, total + 1)) and said[-1].done == total
    assert screen.getvalue() == ""  # the library never draws: the command does


def test_storing_in_a_project_tells_its_total_too(tmp_path):
    folder = _folder(tmp_path)
    told: list[Progress] = []
    code_folder(folder, project=tmp_path / "study.qcproj", similarity=False, jobs=1, progress=told.append)
    stored = _steps(told)["storing in the project"]
    assert all(p.total == 3 and p.unit == "document" for p in stored)
    assert [p.done for p in stored] == [0, 1, 2, 3]


def test_bars_show_total_rate_and_time_left_on_a_terminal(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with Bars(mininterval=0) as bars:  # every move drawn: three tiny files code within tqdm's 0.1 s otherwise
        code_files(folder, qc.Coder(), progress=bars)
        qc.read_corpus(folder, progress=bars)
    shown = screen.getvalue()
    assert "reading and coding:   0%|          | 0/3 [00:00<?, ?file/s]" in shown
    assert re.search(r"\| 1/3 \[\d\d:\d\d<\d\d:\d\d, +[\d.]+(file/s|s/file)\]", shown), shown  # time left, rate
    assert "\rreading:   0%|          | 0/3" in shown
    assert "0file [" not in shown  # never a bar without its total


def test_no_bar_when_not_a_terminal(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    screen = io.StringIO()
    monkeypatch.setattr(sys, "stderr", screen)
    with Bars(mininterval=0) as bars:  # every move drawn: three tiny files code within tqdm's 0.1 s otherwise
        code_files(folder, qc.Coder(), progress=bars)
    assert screen.getvalue() == ""


def test_progress_must_be_a_callback(tmp_path):
    with pytest.raises(TypeError, match="'progress' parameter must be None or a callable"):
        qc.read_corpus(_folder(tmp_path), progress=True)
