"""Counting and comparing codings: frequency, coverage, attributes, co-occurrence, retrieval and KWIC,
inter-coder agreement."""
