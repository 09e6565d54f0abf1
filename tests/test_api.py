"""The public API is small and explicit."""

import qualcode


def test_exported_names():
    assert qualcode.__all__ == sorted(qualcode.__all__, key=str.lower) or qualcode.__all__ == sorted(qualcode.__all__)
    assert set(qualcode.__all__) == {
        "Code", "Codebook", "CodebookError", "Coder", "CodingResult", "Corpus", "QualcodeError", "ReadError",
        "Segment", "Span", "Transcript", "__version__", "default_codebook", "read_attributes", "read_codebook",
        "read_corpus", "read_transcript", "theme_frequency", "theme_matrix", "validate_codebook",
        "write_codebook",
    }
    for name in qualcode.__all__:
        assert hasattr(qualcode, name), name
