"""Progress bars show a total, a rate and the time left on a terminal, and nothing elsewhere (issue 21):
'code' showed '5file [00:10]' with no total, and 'load' no bar at all."""

from __future__ import annotations

import io
import sys

import qualcode as qc
from qualcode.coding.engine import code_files


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _folder(tmp_path):
    for i in range(3):
        (tmp_path / f"t{i}.txt").write_text("Les parents viennent peu, faute de temps.\n", encoding="utf-8")
    return tmp_path


def test_reading_and_coding_show_their_total_on_a_terminal(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    folder = _folder(tmp_path / "in")
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    code_files(folder, qc.Coder(), progress=True)
    qc.read_corpus(folder, progress=True)
    shown = screen.getvalue()
    assert "reading and coding:   0%|          | 0/3" in shown and "file/s" in shown  # a total and a rate
    assert "\rreading:   0%|          | 0/3" in shown


def test_no_bar_when_not_a_terminal(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    _folder(folder)
    screen = io.StringIO()
    monkeypatch.setattr(sys, "stderr", screen)
    code_files(folder, qc.Coder(), progress=True)
    assert screen.getvalue() == ""
