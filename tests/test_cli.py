"""The qualcode command, through Typer's test runner."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import SAMPLES
from typer.testing import CliRunner

from qualcode.cli.app import app

runner = CliRunner()

FR = "Travail avec le PRE mais manque de pérennité car changements d’interlocuteur fréquents.\n" \
     "Les parents ne viennent jamais aux réunions.\nLa cantine ouvre à midi.\n"
EN = "I: Do parents come?\nR: Hardly any parents come to the coffee mornings, we have no time.\n" \
     "I: And staff?\nR: Three coordinators have left this year.\n"


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "in"
    (folder / "site2").mkdir(parents=True)
    (folder / "fr.txt").write_text(FR, encoding="utf-8")
    (folder / "site2" / "en.txt").write_text(EN, encoding="utf-16")
    (folder / "notes.xyz").write_text("not a transcript", encoding="utf-8")
    return folder


def test_code_writes_every_output_and_is_byte_identical_on_rerun(corpus, tmp_path):
    before = hashes(corpus)
    out = tmp_path / "out"
    first = runner.invoke(app, ["code", str(corpus), "--out", str(out)])
    assert first.exit_code == 0, first.output
    names = {"segments.csv", "codings.csv", "evidence.csv", "theme_frequency.csv", "theme_frequency.png",
             "theme_coverage.csv", "cooccurrence.csv", "theme_heatmap.png", "cooccurrence.png",
             "errors.csv", "documents.csv", "run.json", "report.html"}
    assert {p.name for p in out.iterdir()} == names
    assert (out / "errors.csv").read_text(encoding="utf-8") == "path,error,problem,hint\n"
    frequency = (out / "theme_frequency.csv").read_text(encoding="utf-8").splitlines()
    assert frequency[0] == "document,temporality,trust,family_engagement,turnover"
    assert frequency[1].startswith("fr,") and frequency[2].startswith("site2/en,")
    assert "Coded 2 transcript(s)" in first.output
    written = hashes(out)
    again = runner.invoke(app, ["code", str(corpus), "--out", str(out)])
    assert again.exit_code == 0
    assert hashes(out) == written
    other = tmp_path / "other"
    runner.invoke(app, ["code", str(corpus), "--out", str(other)])
    assert hashes(other) == hashes(out)
    assert hashes(corpus) == before, "inputs must never be modified"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging folder left behind"
    assert str(tmp_path) not in (out / "codings.csv").read_text(encoding="utf-8")


def test_unreadable_file_is_reported_and_the_rest_is_coded(corpus, tmp_path):
    (corpus / "broken.docx").write_bytes(b"this is not a zip archive")
    (corpus / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    result = runner.invoke(app, ["code", str(corpus), "--out", str(out)])
    assert result.exit_code == 1
    errors = (out / "errors.csv").read_text(encoding="utf-8").splitlines()
    assert len(errors) == 3
    assert any("broken.docx" in line and "corrupt" in line for line in errors)
    assert any("empty.txt" in line and "empty" in line for line in errors)
    assert "site2/en" in (out / "codings.csv").read_text(encoding="utf-8")
    assert "Traceback" not in result.output


def test_failed_run_leaves_previous_outputs(corpus, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["code", str(corpus), "--out", str(out)]).exit_code == 0
    before = hashes(out)
    bad = tmp_path / "bad.yml"
    bad.write_text("version: 1\ncodes:\n  - id: a\n    parent: b\n", encoding="utf-8")
    result = runner.invoke(app, ["code", str(corpus), "--out", str(out), "--codebook", str(bad)])
    assert result.exit_code == 2
    assert "parent 'b' is not a code" in result.output
    assert hashes(out) == before


def test_unknown_group_attribute_is_a_usage_error(corpus, tmp_path):
    result = runner.invoke(app, ["code", str(corpus), "--out", str(tmp_path / "o"), "--by", "nope"])
    assert result.exit_code == 2 and "nope" in result.output
    assert not (tmp_path / "o").exists()


def test_usage_errors_exit_2(corpus):
    assert runner.invoke(app, ["code", str(corpus), "--out", "x", "--unit", "page"]).exit_code == 2


def test_load_prints_a_summary_table(corpus):
    result = runner.invoke(app, ["load", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "site2/en" in result.output and "utf-16-le" in result.output
    assert "2 transcript(s) loaded, 0 error(s), 1 file(s) skipped" in result.output


def test_load_names_an_explicit_unsupported_file_as_an_error(corpus):
    result = runner.invoke(app, ["load", str(corpus / "notes.xyz")])
    assert result.exit_code == 1
    assert "notes.xyz" in result.output and "no reader" in result.output


def test_codebook_check_and_show(tmp_path):
    good = tmp_path / "good.yml"
    good.write_text("version: 1\ncodes:\n  - id: a\n    rules:\n      fr:\n        terms: [x]\n", encoding="utf-8")
    ok = runner.invoke(app, ["codebook", "check", str(good)])
    assert ok.exit_code == 0 and "valid codebook" in ok.output
    bad = tmp_path / "bad.yml"
    bad.write_text("version: 1\ncodes:\n  - id: a\n  - id: a\n    color: x\n", encoding="utf-8")
    ko = runner.invoke(app, ["codebook", "check", str(bad)])
    assert ko.exit_code == 1
    assert "duplicate id" in ko.output and "'#RRGGBB'" in ko.output and f"{bad}:4" in ko.output
    show = runner.invoke(app, ["codebook", "show", "--language", "fr"])
    assert show.exit_code == 0 and "family_engagement  Relation aux familles" in show.output


def test_main_job_on_the_samples(tmp_path):
    out = tmp_path / "results"
    result = runner.invoke(app, ["code", str(SAMPLES), "--attributes", str(SAMPLES.parent / "attributes.csv"),
                                 "--out", str(out), "--by", "role", "--svg"])
    assert result.exit_code == 0, result.output
    assert "warning: the attributes file" not in result.output
    import pandas as pd

    frequency = pd.read_csv(out / "theme_frequency.csv")
    assert len(frequency) >= 10
    for code in ("temporality", "trust", "family_engagement", "turnover"):
        assert (frequency[code] > 0).sum() >= 3, code
    by_role = pd.read_csv(out / "theme_by_role.csv")
    assert {"director", "parent", "teacher"} <= set(by_role["role"])
    assert (out / "theme_by_role.png").exists() and (out / "theme_heatmap.svg").exists()
    documents = pd.read_csv(out / "documents.csv")
    assert {"role", "site"} <= set(documents.columns)
    assert set(documents["format"]) >= {"txt", "docx", "odt", "vtt", "md", "srt", "rtf", "pdf", "textgrid"}


def test_code_into_a_project_keeps_human_coding_and_recodes_only_changes(corpus, tmp_path):
    from qualcode.project.store import open_project

    db = tmp_path / "study.qcproj"
    first = runner.invoke(app, ["code", str(corpus), "--project", str(db)])
    assert first.exit_code == 0, first.output
    with open_project(db) as project:
        auto = project.codings()
        assert set(auto["coder"]) == {"auto:qualcode-default"} and len(auto)
        project.add_coding("fr", "turnover", coder="Ana", new_code=True, unit="paragraph", segment_id=1)
    second = runner.invoke(app, ["code", str(corpus), "--project", str(db)])
    assert second.exit_code == 0, second.output
    (corpus / "fr.txt").write_text("Une phrase ajoutée au début.\n" + FR, encoding="utf-8")
    third = runner.invoke(app, ["code", str(corpus), "--project", str(db), "--out", str(tmp_path / "out")])
    assert third.exit_code == 0, third.output
    with open_project(db) as project:
        human = project.codings("Ana")
    assert len(human) == 1 and human.iloc[0]["text"].startswith("Travail avec le PRE")
    assert (tmp_path / "out" / "codings.csv").exists()


def test_code_needs_out_or_project(corpus):
    result = runner.invoke(app, ["code", str(corpus)])
    assert result.exit_code == 2 and "--out DIR" in result.output


def test_report_from_a_project_shows_a_persons_coding(corpus, tmp_path):
    from qualcode.project.store import open_project

    db = tmp_path / "study.qcproj"
    assert runner.invoke(app, ["code", str(corpus), "--project", str(db)]).exit_code == 0
    with open_project(db) as project:
        project.add_coding("fr", "my_own_code", coder="Ana", new_code=True, unit="paragraph", segment_id=3)
    html = tmp_path / "ana.html"
    result = runner.invoke(app, ["report", "--project", str(db), "--coder", "Ana", "--out", str(html)])
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert "my_own_code" in page and "La cantine ouvre à midi." in page
    auto = runner.invoke(app, ["report", "--project", str(db), "--out", str(tmp_path / "auto.html")])
    assert auto.exit_code == 0 and "auto:qualcode-default" in auto.output
    missing = runner.invoke(app, ["report", "--project", str(tmp_path / "nope.qcproj"), "--out", str(html)])
    assert missing.exit_code == 2 and not (tmp_path / "nope.qcproj").exists()


def test_the_same_file_name_in_two_folders_gives_two_documents(tmp_path):
    for site, text in (("site1", FR), ("site2", EN)):
        (tmp_path / site).mkdir()
        (tmp_path / site / "interview01.txt").write_text(text, encoding="utf-8")
    out, project = tmp_path / "out", tmp_path / "study.qcproj"
    run = runner.invoke(app, ["code", str(tmp_path / "site1"), str(tmp_path / "site2"), "--out", str(out),
                              "--project", str(project), "--no-cache"])
    assert run.exit_code == 0, run.output
    documents = (out / "documents.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in documents[1:]] == ["site1/interview01", "site2/interview01"]
    import qualcode as qc

    with qc.open_project(project) as opened:
        assert sorted(opened.documents()["document"]) == ["site1/interview01", "site2/interview01"]


def test_help_shows_flags_as_flags():
    """Typer's rich help printed '--svg <bool>' and '--debug <bool>' although they take no value."""
    for args in (["--help"], ["code", "--help"], ["project", "--help"]):
        shown = runner.invoke(app, args).output
        assert "<bool>" not in shown, args
    assert "--out DIR" in runner.invoke(app, ["code", "--help"]).output


def test_a_path_that_does_not_exist_is_a_usage_error_and_writes_nothing(tmp_path):
    run = runner.invoke(app, ["code", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert run.exit_code == 2 and "no such file or folder" in run.output
    assert not (tmp_path / "out").exists()


def test_a_folder_without_transcripts_warns_exits_1_and_keeps_the_previous_outputs(corpus, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["code", str(corpus), "--out", str(out)]).exit_code == 0
    before = hashes(out)
    (tmp_path / "empty").mkdir()
    run = runner.invoke(app, ["code", str(tmp_path / "empty"), "--out", str(out)])
    assert run.exit_code == 1 and "no transcript found" in run.output and "Coded" not in run.output
    assert hashes(out) == before


@pytest.mark.parametrize("command", [["load"], ["code", "--out", "{tmp}/out"], ["code", "--project", "{tmp}/p.qcproj"]])
def test_every_reading_command_refuses_a_missing_path_and_warns_on_an_empty_folder(tmp_path, command):
    def invoke(path):
        return runner.invoke(app, [command[0], str(path), *(a.format(tmp=tmp_path) for a in command[1:])])

    missing = invoke(tmp_path / "nowhere")
    assert missing.exit_code == 2 and f"{tmp_path / 'nowhere'}: no such file or folder" in missing.stderr
    assert missing.stdout == "" and sorted(p.name for p in tmp_path.iterdir()) == []
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    empty = invoke(tmp_path / "empty")
    assert empty.exit_code == 1 and "warning: no transcript found in" in empty.stderr, empty.output
    assert "loaded" not in empty.stdout and "Coded" not in empty.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_a_codebook_with_a_mistyped_key_or_column_stops_the_run_before_anything_is_written(corpus, tmp_path):
    """A typo would silently change what is coded ('widow' left the window at 4, a 'term_fr' column coded
    nothing): it is an error naming the file, line and likely key, and nothing is read or written."""
    typo = tmp_path / "typo.csv"
    typo.write_text("code,name,term_fr\nturnover,Turnover,interlocuteur\n", encoding="utf-8")
    run = runner.invoke(app, ["code", str(corpus), "--codebook", str(typo), "--out", str(tmp_path / "out")])
    assert run.exit_code == 2, run.output
    assert f"{typo}:1: unknown key 'term' in column 'term_fr'; did you mean 'terms'?" in run.stderr
    assert not (tmp_path / "out").exists()
