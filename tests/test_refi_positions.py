"""Positions between REFI-QDA files and stored documents: code points, NVivo's UTF-16 units, CRLF files."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qualcode.ingest.refi.positions import Offsets, exporter, file_text, on_word_boundaries

CHARS = st.sampled_from([*"ab é\n", "😀", "👍🏽", "𝔘"])


@given(st.lists(CHARS, max_size=40).map("".join), st.data())
def test_an_exported_span_reads_back_to_the_same_span_with_either_reading(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    for reading in ("codepoints", "nvivo"):
        write = exporter(text, reading)
        offsets = Offsets(text)
        back = [offsets.to_stored(offsets.to_codepoint(write(p), reading)) for p in (start, end)]
        assert back == [start, end]


@given(st.lists(CHARS, max_size=40).map("".join), st.data())
def test_positions_in_a_crlf_file_land_on_the_same_text_stored_with_lf(text, data):
    crlf = text.replace("\n", "\r\n")
    start = data.draw(st.integers(0, len(crlf)))
    end = data.draw(st.integers(start, len(crlf)))
    offsets = Offsets(crlf)
    assert offsets.stored == text
    a, b = offsets.to_stored(start), offsets.to_stored(end)
    assert offsets.stored[a:b] == crlf[start:end].replace("\r\n", "\n").replace("\r", "")


def test_nvivo_units_count_astral_characters_twice_and_never_split_them():
    offsets = Offsets("a😀b")
    assert [offsets.to_codepoint(u, "nvivo") for u in range(5)] == [0, 1, None, 2, 3]
    assert offsets.to_codepoint(4, "codepoints") is None and offsets.length("nvivo") == 4


def test_lone_cr_becomes_lf_without_moving_anything():
    assert file_text("a\rb\r\nc") == ("a\nb\nc", [3])


def test_word_boundaries():
    offsets = Offsets("Un mot😀 ici")
    assert on_word_boundaries(offsets, [(3, 6), (4, 6), (0, 11), (0, 12)], "codepoints") == 2  # 12 is outside
    assert on_word_boundaries(offsets, [(9, 12)], "nvivo") == 1  # "ici" read as UTF-16 units
