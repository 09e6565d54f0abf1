"""Language detection for French and English transcripts, from stop-word frequencies.

The stop-word lists are spaCy's own (``spacy.lang.fr.stop_words``, ``spacy.lang.en.stop_words``). They are
read straight from spaCy's source files: importing ``spacy.lang.fr`` costs about three seconds (spaCy itself
and the French tokenizer exceptions), reading the two word lists costs a few milliseconds.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections import Counter
from functools import cache
from itertools import islice
from pathlib import Path

__all__ = ["LANGUAGES", "detect_language", "language_code", "stop_words"]

LANGUAGES = ("fr", "en")
MAX_WORDS = 5000
_CHARS_PER_WORD = 40  # words are looked for in the first MAX_WORDS * this many characters
MIN_WORDS = 5
MIN_HITS = 3
RATIO = 1.5
ACCENT_RATE = 0.02

# Names of languages as metadata writes them (Pandoc's `lang: fr-FR`, `language: French`), in English and in
# the language itself, for the languages spaCy tokenises; BCP 47 tags are cut to their primary subtag.
_NAMES = {
    "french": "fr", "français": "fr", "francais": "fr", "english": "en", "anglais": "en", "german": "de",
    "deutsch": "de", "spanish": "es", "español": "es", "espanol": "es", "italian": "it", "italiano": "it",
    "portuguese": "pt", "português": "pt", "dutch": "nl", "nederlands": "nl", "catalan": "ca", "català": "ca",
}
_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*")


def language_code(value: object) -> str | None:
    """The spaCy language code of a language as metadata gives it (``"fr"``, ``"fr-FR"``, ``"fr_CA"``,
    ``"French"``, ``"français"``), or None when it names no language spaCy knows."""
    if not isinstance(value, str):
        return None
    text = value.strip().casefold()
    if text in _NAMES:
        return _NAMES[text]
    match = _TAG.fullmatch(text)
    if match is None:
        return None
    code = match.group(1)
    return code if importlib.util.find_spec(f"spacy.lang.{code}") is not None else None


_WORD = re.compile(r"[^\W\d_]+['’]?")
_ACCENTS = frozenset("àâäçéèêëîïôöùûüÿœæ")


def _source_path(lang: str) -> Path | None:
    """Path of spaCy's ``lang/<lang>/stop_words.py``, found without importing spaCy."""
    spec = importlib.util.find_spec("spacy")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root, "lang", lang, "stop_words.py")
        if path.is_file():
            return path
    return None


@cache
def stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words for ``lang`` ("fr" or "en"), lower-case.

    Parameters
    ----------
    lang : a language code in :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"The 'lang' parameter must be one of {LANGUAGES}. Got {lang!r} instead.")
    path = _source_path(lang)
    spec = importlib.util.spec_from_file_location(f"_qualcode_stop_words_{lang}", path) if path else None
    if spec is None or spec.loader is None:
        return frozenset(importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


@cache
def _exclusive_stop_words() -> tuple[frozenset[str], frozenset[str]]:
    """French-only and English-only stop words (words in both lists tell nothing)."""
    fr, en = stop_words("fr"), stop_words("en")
    return fr - en, en - fr


def _hits(word: str, words: frozenset[str]) -> bool:
    return word in words or (word[-1] in "'’" and word[:-1] in words)


def detect_language(text: str) -> str | None:
    """Guess whether ``text`` is French or English.

    Counts French-only and English-only stop words among the first 5,000 words; when neither clearly
    dominates, accented letters decide. Returns None when there is no evidence (too few words).

    Parameters
    ----------
    text : any text.

    Returns
    -------
    ``"fr"``, ``"en"`` or None.
    """
    fr_words, en_words = _exclusive_stop_words()
    counts: Counter[str] = Counter()  # each distinct word lowered and looked up once
    for word, n in Counter(islice(_WORD.findall(text, 0, MAX_WORDS * _CHARS_PER_WORD), MAX_WORDS)).items():
        counts[word.lower()] += n
    if counts.total() < MIN_WORDS:
        return None
    fr = sum(n for w, n in counts.items() if _hits(w, fr_words))
    en = sum(n for w, n in counts.items() if _hits(w, en_words))
    if fr + en < MIN_HITS:
        return None
    if fr >= RATIO * en:
        return "fr"
    if en >= RATIO * fr:
        return "en"
    accents = sum(n * sum(ch in _ACCENTS for ch in w) for w, n in counts.items())
    return "fr" if accents / counts.total() >= ACCENT_RATE else "en"
