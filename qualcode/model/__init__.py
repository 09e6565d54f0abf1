"""The types every stage shares: transcripts and their spans, codebooks, coding results, errors, the version,
and atomic file writing. Imports nothing else of qualcode."""
