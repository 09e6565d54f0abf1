"""Coding a folder in worker processes, from the cache and on Dask: the same results as one process."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

import qualcode as qc
from qualcode.coding.cache import Cache
from qualcode.coding.engine import auto_jobs, code_files, iter_coded
from qualcode.model.results import CodedDocument
from qualcode.views.report import render_coded
from tests.conftest import SAMPLES, skip_or_fail


def _evidence(coded: list[CodedDocument]) -> list[tuple]:
    return [(d.transcript.id, i, e) for d in coded for i, found in sorted(d.evidence.items()) for e in found]


@pytest.fixture(scope="module")
def reference():
    """One process, no cache: what every other way of running must give."""
    corpus, coded = code_files(SAMPLES, qc.Coder())
    return corpus, coded


def test_one_process_equals_coding_the_read_corpus(reference):
    corpus, coded = reference
    result = qc.Coder().code(qc.read_corpus(SAMPLES))
    assert [d.transcript.id for d in coded] == result.documents == corpus.ids
    assert sum(len(found) for d in coded for found in d.evidence.values()) == len(result.evidence)
    assert all(d.codebook is not None for d in coded)


def test_two_processes_give_the_same_documents_in_the_same_order(reference):
    _, coded = code_files(SAMPLES, qc.Coder(), jobs=2)
    assert [d.transcript.id for d in coded] == [d.transcript.id for d in reference[1]]
    assert _evidence(coded) == _evidence(reference[1])


def test_while_coding_is_called_once_while_workers_code_and_never_without_them(reference):
    calls = []
    _, coded = code_files(SAMPLES, qc.Coder(), jobs=2, while_coding=lambda: calls.append(len(calls)))
    assert calls == [0] and _evidence(coded) == _evidence(reference[1])
    code_files(SAMPLES, qc.Coder(), jobs=1, while_coding=lambda: calls.append(len(calls)))
    assert calls == [0]  # in one process there is nothing to do it beside


def test_read_errors_and_skipped_files_come_back_from_workers(tmp_path, reference):
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLES, folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "notes.xyz").write_text("no reader", encoding="utf-8")
    corpus, coded = code_files(folder, qc.Coder(), jobs=2)
    assert [type(e).__name__ for e in corpus.errors] == ["EmptyFileError"]
    assert "empty.txt" in str(corpus.errors[0]) and corpus.skipped == [(folder / "notes.xyz").as_posix()]
    assert len(coded) == len(reference[1])


def test_cache_skips_reading_and_matching_and_changes_nothing(tmp_path, reference):
    cache = Cache(tmp_path / "cache")
    _, first = code_files(SAMPLES, qc.Coder(), cache=cache)
    assert cache.misses == len(first) and cache.size()[0] == len(first)
    again = Cache(tmp_path / "cache")
    _, second = code_files(SAMPLES, qc.Coder(), cache=again, jobs=2)
    assert _evidence(first) == _evidence(second) == _evidence(reference[1])
    assert [d.transcript for d in second] == [d.transcript for d in reference[1]]


def test_after_a_codebook_change_only_the_changed_code_is_matched_again(tmp_path, monkeypatch):
    cache = Cache(tmp_path / "cache")
    book = qc.default_codebook()
    code_files(SAMPLES, qc.Coder(book), cache=cache)
    trust = book["trust"]
    rules = {lang: replace(r, terms=(*r.terms, "bonne foi", "good faith")) for lang, r in trust.rules.items()}
    changed = qc.Codebook(book.name, [replace(trust, rules=rules) if c.id == "trust" else c for c in book])
    coder = qc.Coder(changed)
    compiled: list = []
    original = coder._compiled
    monkeypatch.setattr(coder, "_compiled", lambda lang, codes=None: compiled.append(codes) or original(lang, codes))
    _, cached = code_files(SAMPLES, coder, cache=Cache(tmp_path / "cache"))
    assert compiled and all(codes is not None and [c.id for c in codes] == ["trust"] for codes in compiled)
    _, fresh = code_files(SAMPLES, qc.Coder(changed))
    assert _evidence(cached) == _evidence(fresh)


def test_a_damaged_cache_entry_is_coded_afresh(tmp_path, reference):
    cache = Cache(tmp_path / "cache")
    code_files(SAMPLES, qc.Coder(), cache=cache)
    for entry in (tmp_path / "cache").glob("*/*.pickle"):
        entry.write_bytes(b"not a pickle")
    again = Cache(tmp_path / "cache")
    _, coded = code_files(SAMPLES, qc.Coder(), cache=again)
    assert again.hits == 0 and _evidence(coded) == _evidence(reference[1])


def test_an_unwritable_cache_does_not_stop_the_run(tmp_path, reference):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    _, coded = code_files(SAMPLES, qc.Coder(), cache=Cache(blocker / "cache"))
    assert _evidence(coded) == _evidence(reference[1])


def test_jobs_must_be_zero_or_positive():
    with pytest.raises(ValueError, match="jobs"):
        list(iter_coded(SAMPLES, qc.Coder(), jobs=-1))


def test_auto_jobs_uses_every_core_but_never_more_processes_than_files():
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    assert auto_jobs(1) == auto_jobs(0) == 1
    assert auto_jobs(2) == min(2, cores)
    assert auto_jobs(10_000) == auto_jobs() == cores


@pytest.fixture(scope="module")
def dask_client():
    try:
        import dask.distributed as distributed
    except ImportError:
        skip_or_fail("dask is an optional extra, absent here: pip install 'qualcode[dask]'")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        yield client


def test_dask_local_cluster_gives_the_same_results(reference, dask_client):
    corpus, coded = code_files(SAMPLES, qc.Coder(), client=dask_client)
    assert corpus.ids == reference[0].ids
    assert _evidence(coded) == _evidence(reference[1])
    assert len(dask_client.scheduler_info()["workers"]) == 2


def test_cli_outputs_are_the_same_bytes_with_one_two_processes_and_dask(tmp_path, dask_client):
    from typer.testing import CliRunner

    from qualcode.cli.app import app

    runs = {"one": ["--jobs", "1", "--no-cache"], "two": ["--jobs", "2", "--no-cache"], "cached": ["--jobs", "2"],
            "dask": ["--engine", "dask", "--scheduler", dask_client.scheduler.address]}
    for name, options in runs.items():
        result = CliRunner().invoke(app, ["code", str(SAMPLES), "--out", str(tmp_path / name), *options])
        assert result.exit_code == 0, result.output
    reference = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*")}
    assert len(reference) > 10
    for name in ("two", "cached", "dask"):
        assert {p.relative_to(tmp_path / name): p.read_bytes() for p in (tmp_path / name).rglob("*")} == reference


def test_cli_dask_without_a_scheduler_says_what_to_give():
    from typer.testing import CliRunner

    from qualcode.cli.app import app

    result = CliRunner().invoke(app, ["code", str(SAMPLES), "--out", "unused", "--engine", "dask"])
    assert result.exit_code == 2 and "--scheduler" in result.output


def test_coder_code_reads_paths_with_jobs_and_cache(tmp_path, reference):
    on_paths = qc.Coder().code(SAMPLES, jobs=2, cache=qc.Cache(tmp_path / "cache"))
    in_memory = qc.Coder().code(qc.read_corpus(SAMPLES))
    assert on_paths.documents == in_memory.documents
    assert on_paths.evidence.equals(in_memory.evidence) and on_paths.codings.equals(in_memory.codings)
    with pytest.raises(ValueError, match="paths"):
        qc.Coder().code(qc.read_corpus(SAMPLES), jobs=2)


def test_reports_from_bodies_rendered_in_workers_are_the_same_bytes(reference):
    from qualcode.views.report import render_report

    coder = qc.Coder()
    corpus, coded = code_files(SAMPLES, coder, jobs=2, render=render_coded)
    assert all(d.body is not None for d in coded)
    # The run holds each body compressed until the report is written: several times smaller than its HTML.
    assert all(len(d.body.packed) * 3 < len(d.body.html.encode("utf-8")) for d in coded)
    result = coder.result(coded, corpus.errors)
    assert render_report(result, coded) == render_report(result, reference[0].transcripts)
    # Other themes (the codes' French names) than the workers drew with: the bodies are not used.
    assert render_report(result, coded, language="fr") == render_report(result, corpus.transcripts, language="fr")


def test_the_cache_keeps_each_body_until_its_codings_change(tmp_path, monkeypatch):
    import qualcode.views.report

    book = qc.default_codebook()
    code_files(SAMPLES, qc.Coder(book), cache=Cache(tmp_path / "cache"), render=render_coded)
    rendered: list[str] = []
    original = qualcode.views.report.render_body
    monkeypatch.setattr(qualcode.views.report, "render_body", lambda doc, themes: rendered.append(doc.transcript.id)
                        or original(doc, themes))
    _, again = code_files(SAMPLES, qc.Coder(book), cache=Cache(tmp_path / "cache"), render=render_coded)
    assert rendered == [] and all(d.body is not None for d in again)
    trust = book["trust"]
    rules = {lang: replace(r, terms=r.terms[: len(r.terms) // 2]) for lang, r in trust.rules.items()}  # half the terms
    changed = qc.Codebook(book.name, [replace(trust, rules=rules) if c.id == "trust" else c for c in book])
    _, fresh = code_files(SAMPLES, qc.Coder(changed))
    _, cached = code_files(SAMPLES, qc.Coder(changed), cache=Cache(tmp_path / "cache"), render=render_coded)
    differs = [new.transcript.id for new, old in zip(cached, again, strict=True) if new.evidence != old.evidence]
    assert differs and rendered == differs and _evidence(cached) == _evidence(fresh)


def _french_only(folder):
    folder.mkdir()
    for path in SAMPLES.glob("fr_*"):
        shutil.copy(path, folder / path.name)
    return folder


def _new_rules() -> qc.Codebook:
    """The default codebook with one more term: rules this process has not compiled yet."""
    book = qc.default_codebook()
    trust = book["trust"]
    rules = {lang: replace(r, terms=[*r.terms, "bonne foi"]) for lang, r in trust.rules.items()}
    return qc.Codebook(book.name, [replace(trust, rules=rules) if c.id == "trust" else c for c in book])


def test_workers_use_the_codebook_compiled_before_they_were_forked(tmp_path, monkeypatch, reference):
    """The parent builds spaCy's French pipeline and compiles the codebook once; workers forked after it
    compile nothing (each used to pay spaCy's start, 3 to 4 s, and compile the codebook itself)."""
    import os

    from qualcode.coding import coder as coder_module

    folder = _french_only(tmp_path / "fr")
    log = tmp_path / "compiled.log"

    class Counted(coder_module._Compiled):
        def __init__(self, *args, **kwargs):
            with open(log, "a", encoding="utf-8") as file:
                file.write(f"{os.getpid()}\n")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(coder_module, "_Compiled", Counted)
    book = _new_rules()
    _, coded = code_files(folder, qc.Coder(book), jobs=2)
    assert log.read_text(encoding="utf-8").split() == [str(os.getpid())]
    _, alone = code_files(folder, qc.Coder(book))
    assert _evidence(coded) == _evidence(alone) and len(coded) == len(list(SAMPLES.glob("fr_*")))


def test_a_rerun_from_the_cache_compiles_nothing_before_forking(tmp_path, monkeypatch):
    from qualcode.coding import coder as coder_module

    folder = _french_only(tmp_path / "fr")
    book = _new_rules()
    code_files(folder, qc.Coder(book), cache=Cache(tmp_path / "cache"))
    monkeypatch.setattr(coder_module, "_Compiled", None)  # any compile, here or in a worker, would fail
    corpus, again = code_files(folder, qc.Coder(book), cache=Cache(tmp_path / "cache"), jobs=2)
    assert not corpus.errors and len(again) == len(list(SAMPLES.glob("fr_*")))


def test_a_coder_prepares_only_the_codes_a_cached_transcript_lacks():
    coder = qc.Coder(_new_rules())
    keys = coder.rule_keys("fr")
    assert coder.prepare("fr", matches={key: [] for key in keys.values()}) is False
    assert coder.prepare("fr", matches={}) is True


def test_preparing_embeds_the_codebooks_examples_before_workers_are_forked():
    coder = qc.Coder()
    coder.prepare("fr", matches={key: [] for key in coder.rule_keys("fr").values()})  # nothing left to match
    assert "fr" in coder._similarity()._by_language  # the model and prototypes are this process's, shared
    off = qc.Coder(similarity=False)
    off.prepare("fr")
    assert "fr" not in off._similarity()._by_language  # no similarity layer: nothing embedded


def test_results_cross_from_workers_packed_and_come_back_equal(reference):
    import pickle

    from qualcode.coding.engine import _pack, _unpack

    for doc in reference[1]:
        packed = pickle.dumps(_pack(doc), protocol=pickle.HIGHEST_PROTOCOL)
        back = _unpack(pickle.loads(packed))
        assert back == replace(doc, codebook=None)
        assert [s.data for s in back.transcript.spans] == [s.data for s in doc.transcript.spans]
        if doc.segments:
            assert len(packed) < len(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))


def test_the_language_to_prepare_is_guessed_from_bytes_without_reading_the_file(tmp_path):
    from qualcode.coding.engine import _sniff

    assert _sniff(str(SAMPLES / "fr_mediatrice.TextGrid")) == "fr"
    assert _sniff(str(SAMPLES / "en_family_liaison_officer.txt")) == "en"
    assert _sniff(str(SAMPLES / "en_teacher_interview.pdf")) is None
    assert _sniff(str(tmp_path / "missing.txt")) is None


def test_a_body_cached_in_an_earlier_form_is_drawn_again(tmp_path, monkeypatch):
    import qualcode.views.report

    cache = Cache(tmp_path / "cache")
    code_files(SAMPLES, qc.Coder(), cache=cache, render=render_coded)
    monkeypatch.setattr(qualcode.views.report, "_BODY_FORMAT", 1)  # as if the entries held an older Body
    rendered: list[str] = []
    original = qualcode.views.report.render_body
    monkeypatch.setattr(qualcode.views.report, "render_body", lambda doc, themes: rendered.append(doc.transcript.id)
                        or original(doc, themes))
    _, again = code_files(SAMPLES, qc.Coder(), cache=cache, render=render_coded)
    assert rendered and len(rendered) == len(again)


RECODE_IN_ANOTHER_PROCESS = """
import json, sys
from dataclasses import replace
import qualcode as qc
from qualcode.coding.cache import Cache
from qualcode.coding.engine import code_files
from qualcode.ingest.nlp import get_pipeline

book = qc.default_codebook()
trust = book["trust"]
rules = {lang: replace(r, terms=(*r.terms, "bonne foi", "good faith")) for lang, r in trust.rules.items()}
changed = qc.Codebook(book.name, [replace(trust, rules=rules) if c.id == "trust" else c for c in book])
tokenized = []
for language in ("fr", "en"):
    nlp = get_pipeline(language)
    nlp.pipe = lambda texts, *a, _pipe=nlp.pipe, **k: _pipe([tokenized.append(t) or t for t in texts], *a, **k)
_, coded = code_files(sys.argv[1], qc.Coder(changed), cache=Cache(sys.argv[2]))
print(json.dumps({"tokenized": [t for t in tokenized if len(t) > 200],
                  "evidence": [[d.transcript.id, i, *e] for d in coded
                               for i, found in sorted(d.evidence.items()) for e in found]}))
"""


def test_a_re_code_from_the_cache_in_another_process_matches_the_kept_tokens(tmp_path):
    """The cache keeps each file's tokens as arrays with their word forms: a new process re-codes the changed
    code over them (its vocabulary has never seen the words) instead of tokenizing the texts again, and
    finds what coding afresh finds."""
    import json
    import subprocess
    import sys

    book = qc.default_codebook()
    code_files(SAMPLES, qc.Coder(book), cache=Cache(tmp_path / "cache"))
    run = subprocess.run([sys.executable, "-c", RECODE_IN_ANOTHER_PROCESS, str(SAMPLES), str(tmp_path / "cache")],
                         capture_output=True, text=True, check=True)
    out = json.loads(run.stdout)
    assert out["tokenized"] == []  # no transcript tokenized again
    trust = book["trust"]
    rules = {lang: replace(r, terms=(*r.terms, "bonne foi", "good faith")) for lang, r in trust.rules.items()}
    changed = qc.Codebook(book.name, [replace(trust, rules=rules) if c.id == "trust" else c for c in book])
    _, fresh = code_files(SAMPLES, qc.Coder(changed))
    assert out["evidence"] == [[doc, i, *e] for doc, i, e in _evidence(fresh)]
