"""Keys for the gold-standard labels: labels are stored by a hash of the unit's text, never the text itself."""

from __future__ import annotations

import hashlib
import unicodedata


def canonical(text: str) -> str:
    """NFKC-normalised, casefolded text keeping only alphanumeric characters."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def key(text: str) -> str:
    """First 16 hex characters of the SHA-1 of ``canonical(text)``."""
    return hashlib.sha1(canonical(text).encode("utf-8")).hexdigest()[:16]
