"""Loading folders and files into a corpus, ids, attributes, per-file errors, segments."""

from __future__ import annotations

import os

import pytest
from conftest import SAMPLES, require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode.model.errors import AttributesError


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_folder_ids_are_relative_paths_without_suffix(tmp_path):
    write(tmp_path / "site1" / "interview03.txt", "Bonjour.\n")
    write(tmp_path / "site1" / "interview04.md", "# Titre\n\nTexte.\n")
    write(tmp_path / "a.txt", "x y z\n")
    write(tmp_path / "a.md", "x y z\n")
    write(tmp_path / ".hidden.txt", "secret\n")
    write(tmp_path / ".git" / "x.txt", "secret\n")
    write(tmp_path / "image.png", "not read")
    corpus = qc.read_corpus(tmp_path)
    assert corpus.ids == ["a.md", "a.txt", "site1/interview03", "site1/interview04"]
    assert corpus.skipped == [(tmp_path / "image.png").as_posix()]
    assert corpus.errors == []
    assert corpus["site1/interview03"].metadata["source"].endswith("site1/interview03.txt")


def test_ids_that_two_folders_share_become_paths_from_their_common_parent(tmp_path):
    write(tmp_path / "site1" / "interview01.txt", "Premier entretien.\n")
    write(tmp_path / "site2" / "interview01.txt", "Second entretien.\n")
    write(tmp_path / "site2" / "interview02.txt", "Troisième.\n")
    corpus = qc.read_corpus([tmp_path / "site1", tmp_path / "site2"])
    assert corpus.ids == ["site1/interview01", "site2/interview01", "interview02"]
    assert corpus["site2/interview01"].text.startswith("Second")
    files = qc.read_corpus([tmp_path / "site1" / "interview01.txt", tmp_path / "site2" / "interview01.txt"])
    assert files.ids == ["site1/interview01", "site2/interview01"]


def test_a_file_reached_through_two_arguments_is_read_once(tmp_path):
    write(tmp_path / "site1" / "sub" / "a.txt", "Un.\n")
    corpus = qc.read_corpus([tmp_path / "site1", tmp_path / "site1" / "sub"])
    assert corpus.ids == ["sub/a"]


def test_errors_are_collected_and_the_rest_loads(tmp_path):
    write(tmp_path / "good.txt", "Les parents viennent.\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bad.odt").write_bytes(b"PK\x03\x04broken")
    corpus = qc.read_corpus(tmp_path)
    assert corpus.ids == ["good"]
    kinds = {os.path.basename(e.path): e.kind for e in corpus.errors}
    assert kinds == {"empty.txt": "empty", "bad.odt": "corrupt"}
    for error in corpus.errors:
        assert error.path in str(error) and error.hint
    frame = corpus.errors_frame()
    assert list(frame.columns) == ["path", "error", "problem", "hint"] and len(frame) == 2


def test_explicit_paths_missing_and_unsupported(tmp_path):
    good = write(tmp_path / "good.txt", "Bonjour tout le monde.\n")
    corpus = qc.read_corpus([good, tmp_path / "missing.txt", write(tmp_path / "x.xyz", "?")])
    assert corpus.ids == ["good"]
    messages = sorted(str(e) for e in corpus.errors)
    assert "does not exist" in messages[0] and "no reader for files ending in '.xyz'" in messages[1]


def test_attributes_join_and_mismatches_are_reported(tmp_path):
    write(tmp_path / "docs" / "p1.txt", "Texte un.\n")
    write(tmp_path / "docs" / "p2.txt", "Texte deux.\n")
    attributes = write(tmp_path / "attributes.csv", "document;role;site\np1;directrice;Nord\nghost;parent;Sud\n",
                       "cp1252")
    corpus = qc.read_corpus(tmp_path / "docs", attributes=attributes)
    assert corpus["p1"].attributes == {"role": "directrice", "site": "Nord"}
    assert corpus["p2"].attributes == {}
    assert any("'p2' has no row" in w for w in corpus.warnings)
    assert any("'ghost', which matches no transcript" in w for w in corpus.warnings)
    assert list(corpus.summary().columns)[-2:] == ["role", "site"]


@pytest.mark.parametrize("text, message", [
    ("role,site\nx,y\n", "no 'document' column"),
    ("document,role\np1,a\np1,b\n", "appears on several rows: p1"),
])
def test_malformed_attributes(tmp_path, text, message):
    path = write(tmp_path / "attributes.csv", text)
    with pytest.raises(AttributesError, match=message):
        qc.read_attributes(path)


def test_sample_attributes_match_the_samples():
    corpus = qc.read_corpus(SAMPLES, attributes=SAMPLES.parent / "attributes.csv")
    assert corpus.errors == [] and corpus.warnings == []
    assert len(corpus) >= 8
    assert {t.language for t in corpus} == {"fr", "en"}
    assert all(t.attributes.get("role") for t in corpus)


def test_every_shared_transcript_loads():
    root = require_shared("corpora")
    corpus = qc.read_corpus(root)
    assert corpus.errors == [], [str(e) for e in corpus.errors]
    expected = {p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*")
                if p.suffix.lower() in (".md", ".txt", ".pdf", ".docx", ".odt")}
    assert expected <= set(corpus.ids)
    for t in corpus:
        assert t.text.strip() and t.paragraphs, t.id
    assert corpus["qualcoder-examples-mock/transcript"].speakers == ["id1", "id2", "id3"]
    for n in range(1, 8):
        assert corpus[f"pdpilot-interviews/transcripts_pdf/P{n}"].turns, f"P{n} has speaker turns"


def test_segments_know_speaker_and_section():
    text = ("Comment travaillez-vous avec les familles ?\n"
            "I: Do parents come?\nR: Sometimes.\nThey are busy.\n")
    from qualcode.ingest.structure import build_transcript
    from qualcode.model.transcript import Block, RawDocument

    t = build_transcript(RawDocument([Block(text)], "txt"), "d", language="en")
    paragraphs = t.segments("paragraph")
    assert [s.speaker for s in paragraphs] == [None, "I", "R", "R"]
    assert [s.text for s in paragraphs][1:] == ["Do parents come?", "Sometimes.", "They are busy."]
    turns = t.segments("turn")
    assert [s.text for s in turns][-1] == "Sometimes.\nThey are busy."
    assert all(s.section == "Comment travaillez-vous avec les familles ?" for s in paragraphs[1:])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([*list("ab é’«» \n\t😀I:R?."), "\xa0", "\r\n", "مر", "I: ", "R: "]),
                max_size=120).map("".join))
def test_segments_slice_back_for_any_text(text):
    from qualcode.ingest.structure import build_transcript
    from qualcode.model.transcript import Block, RawDocument

    t = build_transcript(RawDocument([Block(text)], "txt"), "d", language="fr")
    for unit in ("paragraph", "sentence", "turn"):
        for s in t.segments(unit):
            assert t.text[s.start:s.end] == s.text and s.text == s.text.strip() and s.text


def test_seed_loads_to_the_same_text_from_utf16_cp1252_and_docx(tmp_path):
    import docx

    seed = require_shared("seeds/000_c0c839df2532a9e7.txt")
    reference = qc.read_transcript(seed)
    assert len(reference.paragraphs) == 20 and "[bookmark" not in reference.text
    text = seed.read_text(encoding="utf-8")
    (tmp_path / "utf16.txt").write_bytes(text.replace("\n", "\r\n").encode("utf-16"))
    (tmp_path / "cp1252.txt").write_bytes(text.encode("cp1252"))
    document = docx.Document()
    for line in text.replace("[bookmark: _GoBack]", "").split("\n"):
        document.add_paragraph(line)
    document.save(tmp_path / "word.docx")
    encodings = {}
    for name in ("utf16.txt", "cp1252.txt", "word.docx"):
        t = qc.read_transcript(tmp_path / name)
        assert t.text == reference.text, name
        assert [(p.start, p.end) for p in t.paragraphs] == [(p.start, p.end) for p in reference.paragraphs]
        encodings[name] = t.metadata.get("encoding")
    assert encodings["utf16.txt"] == "utf-16-le" and encodings["cp1252.txt"] == "cp1252"
