"""``qualcode project ...`` and ``qualcode agree`` through Typer's test runner, on a small project."""

from __future__ import annotations

import csv
import shutil
import typing
from pathlib import Path

import pandas as pd
import pytest
from test_project_io import AUTO, BOOK, TEXTS
from typer.testing import CliRunner

import qualcode as qc
from qualcode.cli.app import app
from qualcode.cli.project import Unit
from qualcode.ingest.structure import build_transcript
from qualcode.model.transcript import UNITS, Block, RawDocument
from qualcode.project.store import open_project

runner = CliRunner()


def transcripts(texts: dict[str, str]) -> list:
    return [build_transcript(RawDocument([Block(t)], "txt"), d, language="fr") for d, t in texts.items()]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "study.qualcode"
    with open_project(path) as project:
        project.code(qc.Coder(BOOK), transcripts(TEXTS))
    return path


@pytest.fixture
def study(template, tmp_path) -> str:
    shutil.copy(template, tmp_path / "study.qualcode")
    return str(tmp_path / "study.qualcode")


def run(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def auto_id(study: str, document: str, code: str) -> int:
    with open_project(study) as project:
        frame = project.codings(AUTO, document=document)
    return int(frame.loc[frame["code"] == code, "id"].iloc[0])


def test_the_unit_choices_are_the_store_units():
    assert typing.get_args(Unit) == UNITS


def test_listing_commands_print_tables_and_write_csv(study, tmp_path):
    assert "d1" in run("project", "documents", study).output
    codes = run("project", "codes", study).output
    assert "turnover" in codes and "codebook:t" in codes
    out = tmp_path / "codings.csv"
    listed = run("project", "codings", study, "--document", "d2", "--output", str(out)).output
    assert "Un interlocuteur unique" in listed and "4 rows" not in listed and "2 rows written" in listed
    with open_project(study) as project:
        expected = project.codings(document="d2")
    assert out.read_text(encoding="utf-8") == expected.to_csv(index=False, lineterminator="\n")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary file left"
    segments = run("project", "segments", study, "d1").output
    assert "Il faudrait agir dans la durée." in segments and "segment_id" in segments
    assert run("project", "memos", study).output.strip() == "No memos."
    assert run("project", "unplaced", study).output.strip() == "No unplaced codings."
    assert run("project", "codings", study, "--coder", "marie").output.strip() == "No codings."


def test_code_uncode_accept_reject_and_memo(study):
    assert "coded turnover by marie" in run("project", "code", study, "d1", "turnover", "--coder", "marie",
                                            "--segment", "3").output  # fmt: skip
    run("project", "code", study, "d2", "fatigue", "--coder", "marie", "--start", "0", "--end", "5", "--new-code")
    run("project", "accept", study, str(auto_id(study, "d1", "turnover")), "--coder", "marie")
    run("project", "reject", study, str(auto_id(study, "d2", "temps")), "--coder", "marie")
    run("project", "uncode", study, "d2", "fatigue", "--coder", "marie", "--start", "0", "--end", "5")
    memo = run(
        "project", "memo", study, "À revoir.", "--author", "marie", "--document", "d1", "--code", "temps"
    )
    assert "Memo 1 written" in memo.output
    with open_project(study) as project:
        mine = project.codings("marie", placed_only=False)
        assert sorted(zip(mine["document"], mine["segment_id"], mine["code"], mine["decision"].fillna(""), strict=True)) == [
            ("d1", 2, "turnover", "accepted"), ("d1", 3, "turnover", ""), ("d2", 2, "temps", "rejected"),
        ]  # fmt: skip
        assert project.memos()["text"].tolist() == ["À revoir."]
    assert "À revoir." in run("project", "memos", study).output


def test_data_problems_exit_1_with_one_line_each(study):
    result = run("project", "code", study, "d9", "bad code", "--coder", "auto:x", "--segment", "1", code=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert "No document 'd9'" in result.stderr and "'bad code'" in result.stderr
    segment = run("project", "code", study, "d1", "temps", "--coder", "marie", "--segment", "9", code=1)
    assert "has 3 paragraph segments" in segment.stderr
    assert (
        "not a current automatic coding"
        in run("project", "accept", study, "999", "--coder", "m", code=1).stderr
    )
    assert "Say what the memo is about" in run("project", "memo", study, "x", "--author", "m", code=1).stderr


def test_an_unknown_code_is_refused_with_the_nearest_and_created_only_with_new_code(study):
    result = run("project", "code", study, "d1", "tmeps", "--coder", "marie", "--segment", "3", code=1)
    assert "No code 'tmeps'" in result.stderr and "Did you mean 'temps'?" in result.stderr
    assert "give --new-code" in result.stderr and "new_code" not in result.stderr
    with open_project(study) as project:
        assert "tmeps" not in set(project.codes()["code"]) and project.codings("marie").empty
    run("project", "code", study, "d1", "tmeps", "--coder", "marie", "--segment", "3", "--new-code")
    with open_project(study) as project:
        assert project.codes().set_index("code").loc["tmeps", "origin"] == "human:marie"


def test_a_report_of_an_unknown_coder_is_refused_naming_the_known_ones(study, tmp_path):
    run("project", "code", study, "d1", "temps", "--coder", "marie", "--segment", "3")
    result = run("report", "--project", study, "--coder", "mari", "--out", str(tmp_path / "r.html"), code=1)
    assert "Coder 'mari' has no codings" in result.stderr and "Did you mean 'marie'?" in result.stderr
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    "where",
    [[], ["--start", "1"], ["--start", "0", "--end", "4", "--segment", "1"], ["--unit", "turn", "--start", "0",
                                                                              "--end", "4"]],
)  # fmt: skip
def test_where_to_code_is_a_usage_error(study, where):
    result = run("project", "code", study, "d1", "temps", "--coder", "marie", *where, code=2)
    assert "either --start and --end, or --segment" in result.output


def test_usage_errors_exit_2_and_create_no_project(tmp_path):
    missing = tmp_path / "missing.qualcode"
    assert run("project", "documents", str(missing), code=2)
    assert not missing.exists()
    run("project", "segments", str(missing), "d1", "--unit", "page", code=2)
    run("agree", "--project", str(missing), "a", "b", code=2)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a project " * 100, encoding="utf-8")
    assert "cannot be opened as a project" in run("project", "documents", str(notes), code=1).stderr


def test_unplaced_codings_are_listed(study):
    run("project", "code", study, "d2", "fatigue", "--coder", "marie", "--segment", "3", "--new-code")
    with open_project(study) as project:
        project.add_documents(transcripts({"d2": TEXTS["d2"].replace("\n\nP: Rien d'autre.", "")}))
    listed = run("project", "unplaced", study).output
    assert "fatigue" in listed and "Rien d'autre." in listed


def fill(sheet: Path, marks: dict[tuple[str, str], str]) -> None:
    """Review the rows of ``marks``, marking the code named (or none)."""
    with sheet.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    for row in rows[1:]:
        if (row[0], row[1]) in marks:
            row[6:10] = ["x" if marks[row[0], row[1]] == c else "" for c in ("turnover", "temps")] + ["1", ""]
    with sheet.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, delimiter=";").writerows(rows)


def test_review_export_and_import(study, tmp_path):
    sheet = tmp_path / "review.csv"
    exported = run("project", "review-export", study, str(sheet), "--coder", "marie", "--document", "d1",
                   "--delimiter", ";").output  # fmt: skip
    assert "3 segments of 1 documents" in exported and "prefilled from auto:t" in exported
    assert "exists" in run("project", "review-export", study, str(sheet), "--coder", "m", code=1).stderr
    fill(sheet, {("d1", "2"): "turnover", ("d1", "3"): "turnover"})
    imported = run("project", "review-import", study, str(sheet), "--coder", "marie").output
    assert "1 codings added, 1 accepted, 1 rejected" in imported
    again = run("project", "review-import", study, str(sheet), "--coder", "marie").output
    assert "0 codings added, 0 accepted, 0 rejected" in again
    listed = run("project", "codings", study, "--coder", "marie").output
    assert listed.count("turnover") == 2 and "temps" not in listed
    run("project", "review-export", study, str(sheet), "--coder", "paul", "--force", "--unit", "turn")
    nowhere = tmp_path / "missing" / "review.csv"
    failed = run("project", "review-export", study, str(nowhere), "--coder", "paul", code=1)
    assert failed.stderr.startswith(f"error: cannot write {nowhere}: ")


def test_a_bad_review_sheet_is_refused_whole(study, tmp_path):
    sheet = tmp_path / "review.csv"
    sheet.write_text("document,segment_id,unit,turnvoer,reviewed\nd9,1,paragraph,,1\nd1,2,paragraph,,maybe\n",
                     encoding="utf-8")  # fmt: skip
    result = run("project", "review-import", study, str(sheet), "--coder", "marie", code=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith(f"error: {sheet}: ") for line in lines)
    assert "did you mean 'turnover'" in lines[0] and "nothing was imported" in lines[-1]
    assert "No codings." in run("project", "codings", study, "--coder", "marie").output


def test_agree_prints_the_table_and_writes_csv(study, tmp_path):
    run("project", "code", study, "d1", "turnover", "--coder", "marie", "--segment", "2")
    run("project", "code", study, "d1", "temps", "--coder", "marie", "--segment", "2")
    out = tmp_path / "agreement.csv"
    result = run("agree", "--project", study, "--coders", "marie", AUTO, "--output", str(out))
    assert "(all codes)" in result.output and "krippendorff_alpha" in result.output
    table = pd.read_csv(out)
    assert table["code"].tolist() == ["turnover", "temps", "(all codes)"]
    assert table.loc[0, "percent_agreement"] == 100.0 and table.loc[1, "units"] == 3
    chars = run("agree", "--project", study, "marie", AUTO, "--level", "character").output
    assert "(all documents)" in chars and "kappa" in chars
    run("agree", "--project", study, "--coders", "marie", AUTO, "--level", "word", code=2)
    assert "at least two coders" in run("agree", "--project", study, "--coders", "marie", code=1).stderr
    assert "Did you mean 'auto:t'" in run("agree", "--project", study, "marie", "auto:tt", code=1).stderr


def test_evaluate_prints_precision_and_recall_and_writes_the_passages(study, tmp_path):
    run("project", "code", study, "d1", "turnover", "--coder", "marie", "--segment", "2")
    run("project", "code", study, "d1", "temps", "--coder", "marie", "--segment", "1")
    table, passages = tmp_path / "evaluation.csv", tmp_path / "passages.csv"
    result = run("evaluate", "--project", study, "--auto", AUTO, "--human", "marie", "--output", str(table),
                 "--passages", str(passages))
    assert "precision" in result.output and "cohen_kappa" in result.output
    assert "precision 95%" in result.output and "0.21-1.00" in result.output  # turnover: 1 of 1
    frame = pd.read_csv(table).set_index("code")
    assert frame.loc["turnover", ["precision_low", "precision_high"]].round(2).tolist() == [0.21, 1.0]
    assert frame.loc["turnover", ["tp", "fp", "fn", "units"]].tolist() == [1, 0, 0, 3]  # d1 only: marie's
    assert frame.loc["temps", ["tp", "fp", "fn"]].tolist() == [0, 1, 1]
    rows = pd.read_csv(passages)
    assert sorted(zip(rows["segment_id"], rows["kind"], strict=True)) == [(1, "missed"), (3, "wrong")]
    assert rows.loc[rows["kind"] == "wrong", "text"].iloc[0] == "Il faudrait agir dans la durée."
    # the same through the API
    evaluation = qc.evaluate(study, auto=AUTO, human="marie")
    assert evaluation.table.set_index("code").loc["temps", "fn"] == 1


def test_evaluate_refuses_unknown_or_identical_coders(study):
    run("project", "code", study, "d1", "turnover", "--coder", "marie", "--segment", "2")
    assert "Did you mean 'marie'" in run("evaluate", "--project", study, "--auto", AUTO, "--human", "mari",
                                         code=1).stderr
    assert "are both 'marie'" in run("evaluate", "--project", study, "--auto", "marie", "--human", "marie",
                                 code=1).stderr
DEEP = "[" * 100_000 + "]" * 100_000
DAMAGES = {  # what a tool other than qualcode (or a bad disk) could leave, and a command that meets it
    "bad metadata": ("UPDATE documents SET metadata = '{bad' WHERE id = 'd1'", ["project", "documents"],
                     "document 'd1', column metadata"),
    "deep spans": ("UPDATE documents SET spans = :deep WHERE id = 'd1'", ["project", "segments", "{p}", "d1"],
                   "JSON nested too deeply"),
    "spans of another shape": ("UPDATE documents SET spans = '[[0, 1]]' WHERE id = 'd1'",
                               ["project", "segments", "{p}", "d1"], "is not a span of its text"),
    "bad codebook": ("UPDATE codebooks SET content = '{bad'", ["export", "{tmp}/o.qdpx", "--project", "{p}"],
                     "codebook 't'"),
    "invalid codebook": ("UPDATE codebooks SET content = json_set(content, '$.version', json('[1]'))",
                         ["report", "--project", "{p}", "--out", "{tmp}/r.html"], "version [1] must be"),
    "start after end": ('UPDATE codings SET start = "end" + 5 WHERE id = (SELECT min(id) FROM codings)',
                        ["export", "{tmp}/o.qdpx", "--project", "{p}"], "which does not fit its text"),
    "huge schema version": ("UPDATE meta SET value = :huge WHERE key = 'schema_version'", ["project", "codings"],
                            "the schema_version"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_project_file_is_named_and_exits_1(study, tmp_path, monkeypatch, capsys, damage):
    import sqlite3
    import sys

    from qualcode.cli.app import main

    sql, command, fragment = DAMAGES[damage]
    db = sqlite3.connect(study)
    db.execute("PRAGMA ignore_check_constraints = ON")
    db.execute(sql, {"deep": DEEP, "huge": "9" * 5000})
    db.commit()
    db.close()
    args = [a.replace("{p}", study).replace("{tmp}", str(tmp_path)) for a in command]
    monkeypatch.setattr(sys, "argv", ["qualcode", *args, *([study] if "{p}" not in command else [])])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 1, err
    assert study in err and fragment in err and "bug" not in err
    assert not (tmp_path / "o.qdpx").exists()


def test_a_codebook_version_too_long_to_read_is_named(study, monkeypatch, capsys):
    import sqlite3
    import sys

    from qualcode.cli.app import main

    db = sqlite3.connect(study)
    content = db.execute("SELECT content FROM codebooks").fetchone()[0]
    db.execute("UPDATE codebooks SET content = ?", (content.replace('"version": "1"', '"version": ' + "9" * 5000),))
    db.commit()
    db.close()
    monkeypatch.setattr(sys, "argv", ["qualcode", "export", study + ".qdc", "--project", study])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 1 and "codebook 't'" in err and "not valid JSON" in err, err


def test_agree_on_a_partial_review_says_what_each_coder_covered(study, tmp_path):
    from test_project_io import fill

    sheet = tmp_path / "sheet.csv"
    run("project", "review-export", study, str(sheet), "--coder", "marie")
    fill(sheet, {("d1", 1): set(), ("d1", 2): {"turnover"}, ("d2", 3): set()})
    run("project", "review-import", study, str(sheet), "--coder", "marie")
    shown = run("agree", "--project", study, "marie", "auto:t").stdout
    assert "Paragraph units covered: marie 3 of 6 in 2 document(s), auto:t 6 of 6 in 2 document(s); agreement " \
           "on the 3 covered by every coder." in shown
    assert "--include-unreviewed counts them as not coded" in shown
    everything = run("agree", "--project", study, "marie", "auto:t", "--include-unreviewed").stdout
    assert "marie 6 of 6" in everything and "on the 6 covered" in everything and "left out" not in everything
