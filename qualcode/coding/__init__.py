"""Coding: the rule coder compiled into spaCy matchers, the cache, and the engine that codes many files in
processes or on Dask."""
