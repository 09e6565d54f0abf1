"""Tests for qualcode.ingest.language: French/English detection from spaCy's stop words."""

from __future__ import annotations

import pytest
from conftest import require_shared

import qualcode as qc
from qualcode.ingest.language import detect_language, stop_words

SEED = "seeds/000_c0c839df2532a9e7.txt"
ENGLISH = [
    "corpora/qualcoder-examples-mock/transcript.txt",
    "corpora/autspaces-focus-groups/focus-groups/04-october-2019.md",
    "corpora/autspaces-focus-groups/focus-groups/18-september-2019.md",
    "corpora/autspaces-focus-groups/focus-groups/24-september-2019.md",
]


def test_stop_words_are_spacys_own() -> None:
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.fr.stop_words import STOP_WORDS as FR

    assert stop_words("fr") == FR
    assert stop_words("en") == EN


def test_stop_words_rejects_other_languages() -> None:
    with pytest.raises(ValueError, match="'lang' parameter must be one of"):
        stop_words("de")


def test_seed_is_french() -> None:
    text = require_shared(SEED).read_text(encoding="utf-8")
    assert detect_language(text) == "fr"


@pytest.mark.parametrize("relative", ENGLISH)
def test_english_corpora_are_english(relative: str) -> None:
    assert detect_language(require_shared(relative).read_text(encoding="utf-8")) == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Je pense que c'est une bonne idée pour les parents et les enfants.", "fr"),
        ("Ils n’ont pas le temps de venir à l’école, donc on les appelle.", "fr"),
        ("I think that it was a good idea for the parents and their children.", "en"),
        ("We don't have the time to go there, so they call us instead.", "en"),
    ],
)
def test_sentences(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "Bonjour", "Hello world", "12 34 56 78 90", "Marie Dupont, Paris"]
)
def test_no_evidence_gives_none(text: str) -> None:
    assert detect_language(text) is None


def test_accents_break_ties() -> None:
    # Two French and two English stop words: the accents decide.
    assert detect_language("the with donc avec élève écoute théâtre") == "fr"
    assert detect_language("the with donc avec plain words today") == "en"


def test_only_the_first_words_count() -> None:
    french = "je pense que les parents ne viennent pas " * 1000
    english = "I think that the parents do not come here " * 2000
    assert detect_language(french + english) == "fr"


@pytest.mark.parametrize(("given", "code"), [("fr-FR", "fr"), ("French", "fr"), ("français", "fr"),
                                             ("en_GB", "en"), ("EN", "en"), ("de-CH", "de")])
def test_front_matter_languages_are_normalised(tmp_path, given, code):
    path = tmp_path / "note.md"
    path.write_text(f"---\nlang: {given}\n---\n\nLes parents viennent peu aux réunions de l'école.\n", encoding="utf-8")
    transcript = qc.read_transcript(path)
    assert transcript.language == code and not transcript.metadata["warnings"]


def test_an_unknown_front_matter_language_is_detected_with_a_warning(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("---\nlanguage: Klingon\n---\n\nLes parents ne viennent jamais aux réunions de l'école, "
                    "ils n'ont pas le temps.\n", encoding="utf-8")
    transcript = qc.read_transcript(path)
    assert transcript.language == "fr"
    assert any("'Klingon' names no language" in w for w in transcript.metadata["warnings"])


def test_pandoc_languages_code_into_a_project(tmp_path):
    """A Pandoc `lang: fr-FR` went to spacy.blank() as it was: the note failed, and with --project the run
    stored none of the three documents."""
    folder = tmp_path / "notes"
    folder.mkdir()
    for name, lang in (("a", "fr-FR"), ("b", "French"), ("c", "fr")):
        (folder / f"{name}.md").write_text(f"---\nlang: {lang}\n---\n\nLes familles nous font confiance.\n",
                                           encoding="utf-8")
    run = qc.code_folder(folder, project=tmp_path / "p.qcproj", out=tmp_path / "out", jobs=2)
    assert run.complete and sorted(run.project.added) == ["a", "b", "c"]
    assert set(run.result.codings["document"]) == {"a", "b", "c"}
    import pandas as pd  # both paths: the output folder's tables and the project

    assert pd.read_csv(tmp_path / "out" / "documents.csv")["language"].tolist() == ["fr", "fr", "fr"]
    with qc.open_project(tmp_path / "p.qcproj") as project:
        assert project.documents()["language"].tolist() == ["fr", "fr", "fr"]
