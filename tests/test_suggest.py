"""Suggestions learned from a person's coding (issue 19): qc.Suggester, the project's part, ``qualcode suggest``."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import qualcode as qc
from qualcode.cli.app import app
from qualcode.coding.suggest import SUGGEST_COLUMNS
from qualcode.ingest.structure import build_transcript
from qualcode.model.errors import SuggestError
from qualcode.model.transcript import Block, RawDocument
from qualcode.project.suggestions import evaluate_suggestions, suggest

MONEY = ["My salary barely covers the rent and the pay has not moved in years.",
         "We argue about the budget every month, the wages are too low for this job.",
         "Money is the problem: the pay rise they promised never came and bills keep growing.",
         "I took a second job because the salary does not pay for the children's school."]
STRESS = ["I am exhausted, the pressure never stops and I sleep badly.",
          "The stress is constant, I feel anxious before every shift and tired after it.",
          "Burnout is close: too much pressure, no rest, my head is always spinning.",
          "I feel worn out and nervous, the pressure of the deadlines keeps me awake."]
OTHER = ["We moved to this town when I was young and I still like the river walks.",
         "My colleagues are friendly and we often have lunch together near the station.",
         "The building was renovated last year, the new windows let more light in.",
         "I usually cycle to work when the weather is good, otherwise I take the bus."]
QUESTIONS = ["I: How are things at work these days?", "I: Can you tell me more about that?",
             "I: And what happened next?", "I: How do you feel about it?"]


def interview(seed: int) -> tuple[str, list[str]]:
    """An interview text and the topic ('money', 'stress', 'other') of each answer, in order."""
    rng = random.Random(seed)
    lines, topics = [], []
    for _ in range(12):
        topic = rng.choice(["money", "stress", "other", "other"])
        pool = {"money": MONEY, "stress": STRESS, "other": OTHER}[topic]
        lines += [rng.choice(QUESTIONS), "P: " + " ".join(rng.sample(pool, 2))]
        topics.append(topic)
    return "\n\n".join(lines), topics


def transcript(doc_id: str, text: str):
    return build_transcript(RawDocument([Block(text)], "txt"), doc_id, language="en")


@pytest.fixture
def study(tmp_path):
    """Six interviews; marie coded d1-d4 ('money', 'stress' on the answers; 'rare' once); d5, d6 untouched."""
    path = tmp_path / "study.qualcode"
    truth = {}
    with qc.open_project(path) as project:
        docs = {f"d{n}": interview(n) for n in range(1, 7)}
        project.add_documents([transcript(d, text) for d, (text, _) in docs.items()])
        for d, (_, topics) in docs.items():
            answers = [s for s in project.segments(d) if s.speaker == "P"]
            for s, topic in zip(answers, topics, strict=True):
                truth[d, s.segment_id] = topic
                if d in ("d1", "d2", "d3", "d4") and topic != "other":
                    project.add_coding(d, topic, coder="marie", new_code=True, unit="paragraph", segment_id=s.segment_id)
        project.add_coding("d1", "rare", coder="marie", new_code=True, unit="paragraph", segment_id=1)
    return path, truth


def test_suggestions_cover_every_uncoded_segment_and_find_the_topics(study):
    path, truth = study
    with qc.open_project(path) as project:
        suggester = qc.Suggester().fit(project, coder="marie")
        frame = suggester.suggest()
        coded = project.codings("marie")
    assert list(frame.columns) == SUGGEST_COLUMNS
    assert suggester.codes_ == ["money", "stress"] and suggester.too_few_ == {"rare": 2}
    assert frame["score"].between(0, 1).all() and set(frame["suggested"]) <= {0, 1}
    already = {(r.document, r.segment_id, r.code) for r in coded.itertuples()}
    assert not already & set(zip(frame["document"], frame["segment_id"], frame["code"], strict=True))
    assert {"d5", "d6"} <= set(frame["document"])
    new = frame[frame["document"].isin(["d5", "d6"])]
    hits = {(r.document, r.segment_id, r.code) for r in new[new["suggested"] == 1].itertuples()}
    gold = {(d, s, t) for (d, s), t in truth.items() if d in ("d5", "d6") and t != "other"}
    assert len(hits & gold) / len(gold) >= 0.8 and len(hits & gold) / max(len(hits), 1) >= 0.8
    because = new[new["suggested"] == 1]["because"]
    assert because.str.match(r'close to ".+" \(d[1-4], paragraph \d+\)').all()
    assert because.str.contains("words: ").any()


def test_same_project_same_suggestions(study):
    path, _ = study
    with qc.open_project(path) as project:
        first = qc.Suggester(seed=3).fit(project, coder="marie").suggest()
        second = qc.Suggester(seed=3).fit(project, coder="marie").suggest()
    pd.testing.assert_frame_equal(first, second)


def test_next_lists_the_most_uncertain_segments_outside_the_coded_documents(study):
    path, _ = study
    with qc.open_project(path) as project:
        upcoming = qc.Suggester().fit(project, coder="marie").next(5)
    assert len(upcoming) == 5 and set(upcoming["document"]) <= {"d5", "d6"}
    assert upcoming["uncertainty"].is_monotonic_decreasing
    assert not upcoming.duplicated(["document", "segment_id"]).any()


def test_thresholds_suggest_each_code_at_the_coders_own_rate_when_scores_are_unsure(tmp_path):
    """With labels the text does not predict, cross-validated F1 would pick a threshold near 0 (suggest nearly
    everything); the default keeps each code at the coder's own rate among the segments left to decide."""
    rng = random.Random(7)
    with qc.open_project(tmp_path / "noise.qualcode") as project:
        project.add_documents([transcript(f"d{n}", interview(n)[0]) for n in range(1, 7)])
        for d in ("d1", "d2", "d3", "d4"):
            for s in project.segments(d):
                if rng.random() < 0.2:
                    project.add_coding(d, "noise", coder="marie", new_code=True, unit="paragraph", segment_id=s.segment_id)
        suggester = qc.Suggester().fit(project, coder="marie")
        cv = qc.Suggester(threshold="cv").fit(project, coder="marie").suggest()
    data = suggester.training_set_
    rate = len(data.positives["noise"]) / len(data.covered)
    frame, cv = (f[f["document"].isin(["d5", "d6"])] for f in (suggester.suggest(), cv))  # the open segments
    assert frame["suggested"].sum() == round(rate * len(frame))
    assert cv["suggested"].sum() > frame["suggested"].sum()  # what the F1 optimum does on unsure scores
    with pytest.raises(SuggestError, match="'threshold' parameter of Suggester must be one of prevalence, cv"):
        qc.Suggester(threshold="f1").fit(project, coder="marie")


def test_a_saved_model_is_plain_arrays_and_loads_back(study, tmp_path):
    path, _ = study
    with qc.open_project(path) as project:
        suggester = qc.Suggester().fit(project, coder="marie")
    suggester.save(tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz", allow_pickle=False) as stored:
        assert all(stored[k].dtype != object for k in stored.files)
    loaded = qc.Suggester.load(tmp_path / "model.npz")
    assert loaded.codes_ == suggester.codes_ and loaded.thresholds_ == suggester.thresholds_
    assert loaded.smoothing_ == suggester.smoothing_
    for code in suggester.codes_:
        assert np.allclose(loaded.models_[code].score(suggester.X_), suggester.models_[code].score(suggester.X_))
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(SuggestError, match="is not a suggester model file"):
        qc.Suggester.load(tmp_path / "bad.npz")


def test_a_loaded_model_scores_the_project_as_the_fitted_one_does(study, tmp_path):
    path, _ = study
    with qc.open_project(path) as project:
        fitted = qc.Suggester().fit(project, coder="marie")
        fitted.save(tmp_path / "model.npz")
        loaded = qc.Suggester.load(tmp_path / "model.npz").apply(project)
    assert fitted.relevance_model_ is not None and loaded.relevance_model_ is not None
    assert np.abs(loaded.scores() - fitted.scores()).max() < 1e-9
    for code in fitted.codes_:  # the out-of-fold scores it learnt from come back with it
        assert np.allclose(loaded.models_[code].oof, fitted.models_[code].oof, rtol=0, atol=1e-9, equal_nan=True)
    expected, got = fitted.suggest(), loaded.suggest()
    assert (got["suggested"] == expected["suggested"]).all() and got["suggested"].sum() > 0
    assert np.allclose(got["score"], expected["score"], rtol=0, atol=1e-9)
    pd.testing.assert_frame_equal(got.drop(columns="score"), expected.drop(columns="score"))


def test_a_model_file_of_the_first_format_is_refused_with_what_to_do(study, tmp_path):
    import json

    path, _ = study
    with qc.open_project(path) as project:
        qc.Suggester().fit(project, coder="marie").save(tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz", allow_pickle=False) as stored:
        arrays = {k: stored[k] for k in stored.files}
    meta = json.loads(str(arrays["meta"]))
    meta["settings"]["format"] = "qualcode-suggester/1"
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "old.npz", **arrays)
    with pytest.raises(SuggestError, match=r"old\.npz.*earlier qualcode.*Fit again"):
        qc.Suggester.load(tmp_path / "old.npz")


def test_saved_suggestions_are_decided_like_automatic_codings_and_teach_the_next_fit(study):
    path, _ = study
    with qc.open_project(path) as project:
        run = suggest(project, coder="marie", save=True)
        stored = project.codings("auto:suggest:marie")
        assert run.stored == len(stored) == int(run.suggestions["suggested"].sum()) > 2
        assert set(stored["status"]) == {"auto"} and stored["score"].notna().all()
        first, second = stored.iloc[0], stored.iloc[1]
        project.accept(int(first["id"]), coder="marie")
        project.reject(int(second["id"]), coder="marie")
        data = project.training_set("marie")
        index = {(s.document, s.segment_id): i for i, s in enumerate(data.segments)}
        assert index[first["document"], first["segment_id"]] in data.positives[first["code"]]
        assert index[second["document"], second["segment_id"]] in data.negatives[second["code"]]
        again = suggest(project, coder="marie", save=True).suggestions
        key = (second["document"], second["segment_id"], second["code"])
        assert key not in set(zip(again["document"], again["segment_id"], again["code"], strict=True))
        assert "auto:suggest:marie" in set(project.codings()["coder"])


@pytest.mark.parametrize(
    ("coder", "fragment"),
    [("mari", "Did you mean 'marie'?"), ("auto:suggest:marie", "is automatic"), ("nobody", "people who coded it")],
)
def test_bad_coders_are_explained(study, coder, fragment):
    path, _ = study
    with qc.open_project(path) as project, pytest.raises(qc.ProjectError, match=fragment):
        suggest(project, coder=coder)


def test_codes_with_too_few_examples_say_how_many_more(tmp_path):
    text, _ = interview(1)
    with qc.open_project(tmp_path / "p.qualcode") as project:
        project.add_documents([transcript("d1", text)])
        with pytest.raises(qc.ProjectError, match="Nobody has coded it by hand yet"):
            suggest(project, coder="marie")
        project.add_coding("d1", "money", coder="marie", new_code=True, unit="paragraph", segment_id=2)
        with pytest.raises(qc.ProjectError, match="'money' needs 2 more"):
            suggest(project, coder="marie")
        assert project.codings("auto:suggest:marie").empty


def test_a_unit_too_coarse_for_the_codings_is_refused(study):
    path, _ = study
    with qc.open_project(path) as project:
        for s in project.segments("d2"):
            project.add_coding("d2", "everything", coder="ana", new_code=True, unit="paragraph", segment_id=s.segment_id)
        with pytest.raises(qc.ProjectError, match="too coarse"):
            suggest(project, coder="ana")


def test_evaluation_cross_validates_by_document(study):
    path, _ = study
    with qc.open_project(path) as project:
        evaluation = evaluate_suggestions(project, coder="marie")
    table = evaluation.table.set_index("code")
    assert list(table.index) == ["money", "stress", "(all codes)"]
    assert table.loc["(all codes)", "f1"] >= 0.8
    assert table.loc["(all codes)", "units"] == 2 * table.loc["money", "units"]


runner = CliRunner()


def test_cli_writes_suggestions_and_lists_the_next_segments(study, tmp_path):
    path, _ = study
    out = tmp_path / "suggestions.csv"
    result = runner.invoke(app, ["suggest", "--project", str(path), "--from", "marie", "--out", str(out), "--next", "3",
                                 "--model-out", str(tmp_path / "m.npz")])
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(out).columns) == SUGGEST_COLUMNS
    assert "code 'rare': not learnt, it needs 2 more coded segments." in result.output
    assert "uncertainty" in result.output and (tmp_path / "m.npz").exists()
    evaluated = runner.invoke(app, ["suggest", "--project", str(path), "--from", "marie", "--evaluate"])
    assert evaluated.exit_code == 0 and "(all codes)" in evaluated.output and "recall 95%" in evaluated.output


def test_cli_bad_coder_writes_nothing_and_exits_1(study, tmp_path):
    path, _ = study
    out = tmp_path / "suggestions.csv"
    result = runner.invoke(app, ["suggest", "--project", str(path), "--from", "mari", "--out", str(out), "--save"])
    assert result.exit_code == 1 and "Did you mean 'marie'?" in result.output
    assert not out.exists()
    with qc.open_project(path) as project:
        assert project.codings("auto:suggest:mari").empty and project.codings("auto:suggest:marie").empty


def test_scores_lean_towards_their_neighbours_only_inside_a_document_and_a_run():
    from qualcode.coding.learner import run_share, smooth

    values = np.array([0.0, 1.0, 0.0, 0.0, 1.0])
    out = smooth(values, [0, 1, 2, 4, 5], ["a"] * 5 + ["b"], 0.5)
    # 2 sits next to 1 (moves up); 4 is not next to 2 (3 is missing) and 5 is in another document
    assert out.tolist() == [0.5, 0.5, 0.5, 0.0, 1.0]  # 1 moves halfway down to its neighbours
    assert smooth(values, [0, 1, 2, 4, 5], ["a"] * 6, 0.0) is values
    y = np.array([1.0, 1.0, 0.0, 1.0, 1.0])
    assert run_share([0, 1, 2, 4, 5], y, ["a"] * 5 + ["b"]) == 0.5  # 4 and 5: different documents


def test_smoothing_follows_how_the_coder_codes_runs_of_segments(study):
    path, _ = study
    with qc.open_project(path) as project:
        single = qc.Suggester().fit(project, coder="marie")  # marie codes one answer at a time
        for d in ("d1", "d2"):
            project.add_coding(d, "long", coder="marie", new_code=True, unit="paragraph", segment_id=1)
            project.add_coding(d, "long", coder="marie", new_code=True, unit="paragraph", segment_id=2)
        runs = qc.Suggester().fit(project, coder="marie")
        words = qc.Suggester(features=("words",)).fit(project, coder="marie")
    assert single.smoothing_ == {"money": 0.0, "stress": 0.0}
    assert runs.smoothing_["long"] > 0 and runs.smoothing_["money"] == 0.0
    assert set(words.smoothing_.values()) == {0.0}  # the NVivo-like baseline stays plain


def test_what_the_coder_codes_at_all_is_learnt_from_every_code_together(study):
    path, truth = study
    with qc.open_project(path) as project:
        suggester = qc.Suggester().fit(project, coder="marie")
        words = qc.Suggester(features=("words",)).fit(project, coder="marie")
    data = suggester.training_set_
    relevance = suggester.relevance_
    assert words.relevance_ is None and relevance.shape == (len(data.segments),)
    new = [i for i, s in enumerate(data.segments) if s.document in ("d5", "d6")]
    topical = [i for i in new if truth.get((data.segments[i].document, data.segments[i].segment_id)) in ("money", "stress")]
    rest = [i for i in new if i not in topical]
    assert relevance[topical].min() > relevance[rest].max()


def test_calibration_is_fitted_within_folds_so_their_offsets_cannot_invert_it():
    from qualcode.coding.learner import LEAST_SLOPE, _platt, _sigmoid

    # each fold's model ranks its own rows well, but the fold rich in the code got the weaker model (fewer
    # examples left to train on), whose decision values all sit lower: pooled, decision and truth anti-correlate
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(5), np.zeros(45), np.ones(30), np.zeros(20)]
    decision = np.r_[rng.normal(1, 0.3, 5), rng.normal(0, 0.3, 45), rng.normal(-4, 0.3, 30), rng.normal(-5, 0.3, 20)]
    fold = np.r_[np.zeros(50, dtype=int), np.ones(50, dtype=int)]
    assert _platt(decision, y)[0] > 0  # pooled Platt: a higher decision value gives a lower score
    a, b = _platt(decision, y, fold)
    assert a < 0 and np.all(np.diff(_sigmoid(np.sort(decision), a, b)) >= 0)
    # no ranking at all within folds: the least slope keeps the model's order
    assert _platt(rng.normal(size=100), rng.integers(0, 2, 100).astype(float), fold)[0] == -LEAST_SLOPE


def test_the_regularisation_is_chosen_per_code_by_how_the_held_out_rows_rank():
    from scipy import sparse

    from qualcode.coding.learner import fit_code, within_fold_auc

    # the same decision values that invert when pooled rank perfectly within each fold
    y = np.r_[np.ones(5), np.zeros(45), np.ones(30), np.zeros(20)]
    decision = np.r_[np.full(5, 1.0), np.zeros(45), np.full(30, -4.0), np.full(20, -5.0)]
    fold = np.r_[np.zeros(50, dtype=int), np.ones(50, dtype=int)]
    assert within_fold_auc(decision, y, fold) == 1.0
    assert within_fold_auc(decision, np.zeros(100), fold) == 0.5  # no fold holds both classes
    rng = np.random.default_rng(1)
    X = sparse.csr_matrix(rng.normal(size=(100, 30)) + y[:, None] * 0.8)
    one = fit_code(X, y, fold, None, C=1.0, seed=0)
    assert np.array_equal(fit_code(X, y, fold, None, C=(1.0,), seed=0).coef, one.coef)
    chosen = fit_code(X, y, fold, None, C=(1.0, 0.01, 100.0), seed=0)
    candidates = [fit_code(X, y, fold, None, C=c, seed=0) for c in (1.0, 0.01, 100.0)]
    # calibration is one increasing function for all folds, so a candidate's calibrated out-of-fold scores rank as
    # its raw ones: the chosen model is the candidate whose held-out rows rank best (the first of equals)
    rankings = [within_fold_auc(c.oof, y, fold) for c in candidates]
    assert np.array_equal(chosen.coef, candidates[int(np.argmax(rankings))].coef)


@pytest.mark.parametrize("C", [(), (1.0, -2.0), "1", 0, True])
def test_a_bad_regularisation_setting_is_refused(study, C):
    path, _ = study
    with qc.open_project(path) as project, pytest.raises(SuggestError, match="'C' parameter of Suggester"):
        qc.Suggester(C=C).fit(project, coder="marie")
