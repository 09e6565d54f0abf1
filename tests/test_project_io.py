"""Review sheets through a real project (export, fill, import: all or nothing, idempotent) and agreement."""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

import qualcode as qc
from qualcode.analysis.agreement import AgreementError, agreement_table, character_agreement
from qualcode.ingest.structure import build_transcript
from qualcode.model.codebook import Code, Codebook, Rules
from qualcode.model.transcript import Block, RawDocument
from qualcode.project.results import agreement_coverage, project_agreement, project_evaluation
from qualcode.project.review import ReviewSheetError
from qualcode.project.reviewed import reviewed_segments
from qualcode.project.reviewing import export_review, import_review
from qualcode.project.store import ProjectError, open_project

# "turnover" before "temps": codebook order is not alphabetical order
BOOK = Codebook(
    "t",
    [
        Code("turnover", rules={"fr": Rules(terms=("interlocuteur",))}),
        Code("temps", rules={"fr": Rules(terms=("durée",))}),
    ],
)
AUTO = "auto:t"
TEXTS = {
    "d1": "I: Comment ça se passe ?\n\nP: Les interlocuteurs changent, on recommence sans cesse.\n\n"
    "P: Il faudrait agir dans la durée.",
    "d2": "P: Un interlocuteur unique, enfin.\n\nP: Une action dans la durée.\n\nP: Rien d'autre.",
}
# auto:t codes (d1, 2) turnover, (d1, 3) temps, (d2, 1) turnover, (d2, 2) temps


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "study.qualcode"
    transcripts = [
        build_transcript(RawDocument([Block(t)], "txt"), d, language="fr") for d, t in TEXTS.items()
    ]
    with open_project(path) as project:
        project.code(qc.Coder(BOOK), transcripts)
    return path


@pytest.fixture
def project(template, tmp_path):
    shutil.copy(template, tmp_path / "study.qualcode")
    with open_project(tmp_path / "study.qualcode") as p:
        yield p


def read_sheet(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def fill(path: Path, marks: dict[tuple[str, int], set[str]], comments: dict | None = None) -> None:
    """Review the rows of ``marks`` (others stay unreviewed), marking exactly the codes given."""
    rows = read_sheet(path)
    header = rows[0]
    for row in rows[1:]:
        key = (row[0], int(row[1]))
        if key in marks:
            for i, name in enumerate(header):
                if name in ("turnover", "temps"):
                    row[i] = "x" if name in marks[key] else ""
            row[header.index("reviewed")] = "oui"
            row[header.index("comment")] = (comments or {}).get(key, "")
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)


def mine(project, coder: str = "marie") -> set[tuple[str, int | None, str]]:
    frame = project.codings(coder)
    return set(zip(frame["document"], frame["segment_id"], frame["code"], strict=True))


def rejected(project, coder: str = "marie") -> set[tuple[str, int, str]]:
    frame = project.codings(coder, placed_only=False).query("decision == 'rejected'")
    return set(zip(frame["document"], frame["segment_id"], frame["code"], strict=True))


def dump(project) -> dict[str, list[tuple]]:
    """Every stored coding, decision and memo."""
    return {
        t: [tuple(r) for r in project.db.execute(f"SELECT * FROM {t} ORDER BY id")]
        for t in ("codings", "memos")
    }


REVIEW = {("d1", 1): set(), ("d1", 2): {"turnover"}, ("d1", 3): {"turnover"}}  # temps rejected on d1:3


def test_export_prefills_the_automatic_codes_in_codebook_order(project, tmp_path):
    written = export_review(project, tmp_path / "sheet.csv", coder="marie")
    rows = read_sheet(tmp_path / "sheet.csv")
    assert rows[0] == ["document", "segment_id", "unit", "speaker", "section", "text", "turnover", "temps",
                       "reviewed", "comment"]  # fmt: skip
    marked = {
        (r[0], int(r[1]), c)
        for r in rows[1:]
        for c, v in zip(["turnover", "temps"], r[6:8], strict=True)
        if v
    }
    assert marked == {("d1", 2, "turnover"), ("d1", 3, "temps"), ("d2", 1, "turnover"), ("d2", 2, "temps")}
    assert (written.segments, written.auto_coder, written.prefilled) == (6, AUTO, 4)
    assert rows[2][5] == "Les interlocuteurs changent, on recommence sans cesse."


def test_review_round_trip_writes_exactly_the_filled_codes_and_records_rejections(project, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_review(project, sheet, coder="marie", documents=["d1"])
    fill(sheet, REVIEW, comments={("d1", 1): "Question trop vague."})
    summary = import_review(project, sheet, coder="marie")
    assert mine(project) == {("d1", 2, "turnover"), ("d1", 3, "turnover")}
    assert rejected(project) == {("d1", 3, "temps")}
    accepted = project.codings("marie").query("decision == 'accepted'")
    assert accepted[["code", "source"]].values.tolist() == [["turnover", AUTO]]
    assert (summary.reviewed, summary.added, summary.accepted, summary.rejected, summary.memos) == (
        3,
        1,
        1,
        1,
        1,
    )
    assert project.memos()[["author", "document", "text"]].values.tolist() == [
        ["marie", "d1", "paragraph 1: Question trop vague."]
    ]
    assert set(project.undecided("marie")["document"]) == {"d2"}  # not on the sheet: undecided


def test_reimporting_the_same_sheet_changes_nothing(project, tmp_path):
    sheet = tmp_path / "sheet.xlsx"
    export_review(project, sheet, coder="marie")
    import openpyxl

    wb = openpyxl.load_workbook(sheet)
    ws = wb.active
    for row in ws.iter_rows(min_row=2):
        row[8].value = "x"  # every row reviewed as prefilled
        row[9].value = "vu" if row[0].value == "d2" else None
    wb.save(sheet)
    first = import_review(project, sheet, coder="marie")
    before = dump(project)
    again = import_review(project, sheet, coder="marie")
    assert again.changed == 0 and again.reviewed == first.reviewed == 6
    assert dump(project) == before
    assert mine(project) == mine(project, AUTO)  # accepted every automatic coding


def test_a_corrected_sheet_imported_again_replaces_the_reviewers_word(project, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_review(project, sheet, coder="marie", documents=["d1"])
    fill(sheet, REVIEW)
    import_review(project, sheet, coder="marie")
    fill(sheet, {("d1", 2): set(), ("d1", 3): {"temps"}})  # now: no turnover at all, temps after all
    summary = import_review(project, sheet, coder="marie")
    assert mine(project) == {("d1", 3, "temps")}
    assert rejected(project) == {("d1", 2, "turnover")}
    assert (summary.removed, summary.accepted, summary.rejected) == (1, 1, 1)
    again = tmp_path / "again.csv"
    export_review(project, again, coder="marie", documents=["d1"])  # the sheet shows marie's decisions
    assert [r[6:8] for r in read_sheet(again)[1:]] == [["", ""], ["", ""], ["", "1"]]


def test_a_bad_sheet_is_refused_whole_and_nothing_is_written(project, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_review(project, sheet, coder="marie")
    fill(sheet, {("d1", 2): {"turnover"}, ("d2", 1): {"temps"}})
    rows = read_sheet(sheet)
    rows[0][7] = "tmps"  # a misspelt code column
    rows[1][0] = "d9"  # an unknown document
    rows[4][6] = "peut-être"  # not a mark
    with sheet.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    before = dump(project)
    with pytest.raises(ReviewSheetError) as caught:
        import_review(project, sheet, coder="marie")
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 3, messages
    assert "did you mean 'temps'" in messages[0] and "'d9'" in messages[1] and "peut-être" in messages[2]
    assert dump(project) == before


def test_a_failure_half_way_writes_nothing(project, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_review(project, sheet, coder="marie")
    fill(sheet, {key: {"turnover"} for key in [("d1", 1), ("d1", 2), ("d2", 1), ("d2", 2)]})
    project.db.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON codings WHEN NEW.document = 'd2' BEGIN SELECT RAISE(ABORT, 'disk "
        "full'); END"
    )
    before = dump(project)
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        import_review(project, sheet, coder="marie")
    assert dump(project) == before
    assert not project.db.in_transaction


def test_a_sheet_of_another_unit_is_refused(project, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_review(project, sheet, coder="marie", unit="turn")
    fill(sheet, {("d1", 2): {"turnover"}})
    with pytest.raises(ReviewSheetError, match="import the sheet with the unit it was exported with"):
        import_review(project, sheet, coder="marie")


def test_export_reports_every_problem_and_writes_nothing(project, tmp_path):
    with pytest.raises(ProjectError) as caught:
        export_review(
            project, tmp_path / "sheet.ods", coder="auto:me", documents=["d1", "d3"], codes=["turnovr"],
            auto_coder="auto:x",
        )  # fmt: skip
    text = "\n".join(caught.value.problems)
    assert len(caught.value.problems) == 5, text
    for part in ("'auto:x'", "'auto:me'", ".csv or .xlsx", "Did you mean 'turnover'", "No document 'd3'"):
        assert part in text
    assert not list(tmp_path.glob("sheet*"))


def test_import_refuses_an_invalid_reviewer(project, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_review(project, sheet, coder="marie")
    with pytest.raises(ProjectError, match="starts with 'auto:'"):
        import_review(project, sheet, coder="auto:t")


# -- agreement -------------------------------------------------------------------------------------------


def test_project_agreement_equals_agreement_table_on_the_same_data(project):
    project.add_coding("d1", "turnover", coder="marie", new_code=True, unit="paragraph", segment_id=2)
    project.add_coding("d1", "temps", coder="marie", new_code=True, unit="paragraph", segment_id=1)
    project.add_coding("d2", "turnover", coder="paul", new_code=True, unit="paragraph", segment_id=1)
    paul_span = project.segments("d1")[1]
    project.add_coding("d1", "turnover", coder="paul", new_code=True, start=paul_span.start + 4, end=paul_span.start + 20)
    segments = pd.DataFrame(
        [s._asdict() for d in ("d1", "d2") for s in project.segments(d)],
        columns=["document", "segment_id", "unit", "start", "end"],
    )
    by_hand = pd.DataFrame(
        [
            ("d1", "marie", "turnover", 2), ("d1", "marie", "temps", 1), ("d2", "paul", "turnover", 1),
            ("d1", "paul", "turnover", 2), *[(d, AUTO, c, s) for d, s, c in mine(project, AUTO)],
        ],
        columns=["document", "coder", "code", "segment_id"],
    )  # fmt: skip
    by_hand = by_hand.merge(segments, on=["document", "segment_id"])
    coverage = {"marie": {"d1"}, "paul": {"d1", "d2"}, AUTO: {"d1", "d2"}}
    expected = agreement_table(by_hand, segments, ["marie", "paul", AUTO], codes=["turnover", "temps"],
                               coverage=coverage)  # fmt: skip
    got = project_agreement(project, ["marie", "paul", AUTO], codes=["turnover", "temps"])
    pd.testing.assert_frame_equal(got, expected)
    assert got.loc[0, "units"] == 3  # the segments of d1, the only document every coder touched


def test_an_automatic_coder_against_a_reviewer(project, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_review(project, sheet, coder="marie", documents=["d1"])
    fill(sheet, REVIEW)
    import_review(project, sheet, coder="marie")
    table = project_agreement(project, ["marie", AUTO]).set_index("code")
    assert table.loc["turnover", ["units", "n_marie", f"n_{AUTO}"]].tolist() == [3, 2, 1]
    assert table.loc["temps", "percent_agreement"] == pytest.approx(200 / 3)
    chars = project_agreement(project, ["marie", AUTO], level="character")
    assert set(chars["document"]) == {"d1", "(all documents)"}  # d2: not touched by marie
    lengths = project.documents()[["document", "chars"]]
    codings = project.codings()
    codings = codings[codings["coder"].isin(["marie", AUTO])]
    expected = character_agreement(
        codings, lengths, ["marie", AUTO], coverage={"marie": {"d1"}, AUTO: {"d1", "d2"}}
    )
    pd.testing.assert_frame_equal(chars, expected)


def test_a_reviewer_who_only_rejected_still_covers_the_document(project, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_review(project, sheet, coder="marie", documents=["d2"])
    fill(sheet, {("d2", 1): set(), ("d2", 2): set(), ("d2", 3): set()})
    import_review(project, sheet, coder="marie")
    assert mine(project) == set()
    table = project_agreement(project, ["marie", AUTO]).set_index("code")
    assert table.loc["turnover", ["units", "n_marie", f"n_{AUTO}"]].tolist() == [3, 0, 1]


def test_project_agreement_reports_unknown_coders_level_and_unit(project):
    with pytest.raises(ProjectError) as caught:
        project_agreement(project, ["auto:tt", "nobody"], level="word", unit="page")
    text = "\n".join(caught.value.problems)
    assert "Did you mean 'auto:t'" in text and "'nobody'" in text and "'word'" in text and "'page'" in text
    with pytest.raises(AgreementError, match="at least two coders"):
        project_agreement(project, [AUTO])


def test_a_sheet_exported_before_an_edit_is_refused_not_misplaced(project, tmp_path):
    sheet = tmp_path / "review.csv"
    export_review(project, sheet, coder="Ana")
    fill(sheet, {("d1", 2): {"turnover"}})
    edited = "I: Une question ajoutée ?\n\n" + TEXTS["d1"]
    project.code(qc.Coder(BOOK), [build_transcript(RawDocument([Block(edited)], "txt"), "d1", language="fr")])
    before = project.codings("Ana")
    with pytest.raises(ReviewSheetError, match="changed since the sheet was exported"):
        import_review(project, sheet, coder="Ana")
    assert project.codings("Ana").equals(before)


def test_agreement_on_a_partial_review_counts_the_reviewed_rows_only(project, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_review(project, sheet, coder="marie")
    fill(sheet, {("d1", 1): set(), ("d1", 2): {"turnover"}, ("d2", 3): set()})  # 3 of the 6 rows reviewed
    import_review(project, sheet, coder="marie")
    covered = agreement_coverage(project, ["marie", AUTO]).set_index("coder")
    assert covered.loc["marie", ["documents", "units", "of_units", "shared"]].tolist() == [2, 3, 6, 3]
    assert covered.loc[AUTO, ["documents", "units", "of_units"]].tolist() == [2, 6, 6]
    table = project_agreement(project, ["marie", AUTO]).set_index("code")
    assert table.loc["turnover", ["units", "n_marie", f"n_{AUTO}"]].tolist() == [3, 1, 1]
    assert table.loc["temps", ["n_marie", f"n_{AUTO}"]].tolist() == [0, 0]  # (d1, 3) was not reviewed
    assert table.loc["temps", "percent_agreement"] == 100
    everything = project_agreement(project, ["marie", AUTO], include_unreviewed=True).set_index("code")
    assert everything.loc["temps", ["units", "n_marie", f"n_{AUTO}"]].tolist() == [6, 0, 2]
    assert agreement_coverage(project, ["marie", AUTO], include_unreviewed=True)["shared"].tolist() == [6, 6]


def test_a_review_of_a_document_changed_since_no_longer_counts(project, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_review(project, sheet, coder="marie", documents=["d1"])
    fill(sheet, {("d1", 1): set()})
    import_review(project, sheet, coder="marie")
    assert agreement_coverage(project, ["marie", AUTO])["units"].tolist() == [1, 6]
    project.add_documents([build_transcript(RawDocument([Block(TEXTS["d1"] + "\n\nP: Et puis ?")], "txt"), "d1",
                                            language="fr")])
    assert reviewed_segments(project, "marie", "paragraph") == {}


def test_evaluation_on_a_partial_review_counts_the_reviewed_rows_only(project, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_review(project, sheet, coder="marie", documents=["d1"])
    fill(sheet, {("d1", 1): set(), ("d1", 2): {"turnover"}})  # (d1, 3), coded temps by auto:t, not reviewed
    import_review(project, sheet, coder="marie")
    temps = project_evaluation(project, auto=AUTO, human="marie").table.set_index("code").loc["temps"]
    assert (temps["units"], temps["fp"]) == (2, 0)
