"""Meaning beside the words: how close a segment is to each code's definition and examples, and a score.

Every code's definition, inclusion text and examples are embedded with WordLlama's static embeddings (256
dimensions, shipped in its wheel, loaded with no network), per language: an example counts for the language
it is written in. A segment's similarity to a code is its cosine to the nearest of them, named by
``prototype`` (``ex3`` for the code's third example, ``definition``, ``inclusion``).

:class:`EvidenceModel` turns a segment's evidence for one code (rule hits, their kinds, the similarity, the
segment's length) into a score between 0 and 1 with a logistic model: the default codebook's is trained on
the development split of the hand labels (``tests/labels/train_evidence.py``) and shipped as plain numbers in
``qualcode/codebooks/default.evidence.json``; any other codebook uses :data:`FIXED_MODEL`, whose
coefficients and thresholds are written below and documented in README. A segment without a rule hit is
coded on similarity alone when its score reaches ``similar_threshold``.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.ingest.language import detect_language
from qualcode.model.codebook import Code, Codebook
from qualcode.model.errors import QualcodeError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "FEATURES",
    "FIXED_MODEL",
    "EmbeddingUnavailable",
    "EvidenceModel",
    "Similarity",
    "embed",
    "embedder",
    "evidence_model",
    "features",
    "require_embeddings",
]

FEATURES = ("rule", "matches", "proximity", "similarity", "length")
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "codebooks" / "default.evidence.json"
_PROXIMITY = frozenset(("near", "context", "pattern"))


class EmbeddingUnavailable(QualcodeError):
    """The embedding package is missing or cannot load its weights."""


@lru_cache(maxsize=1)
def _embedder() -> Any:
    """WordLlama's model, loaded once per process from the files of its wheel (every user of embeddings in
    qualcode takes it from here)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import wordllama  # its import calls logging.basicConfig(level=INFO): the root logger is put back below
    except ImportError as exc:
        raise EmbeddingUnavailable(
            "the semantic evidence layer needs the 'wordllama' package, which is not installed: run "
            "'pip install wordllama' (it ships its weights; no download), or code with similarity off "
            "(Coder(similarity=False), 'qualcode code --no-similarity')."
        ) from exc
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    folder = Path(wordllama.__file__).parent
    try:  # WordLlama.load looks for its tokenizer in the wrong folder and would download it: point it home
        return wordllama.WordLlama.load(cache_dir=folder, disable_download=True)
    except Exception as exc:
        raise EmbeddingUnavailable(
            f"wordllama is installed but its shipped weights did not load from {folder} ({exc}); reinstall it "
            "with 'pip install --force-reinstall wordllama', or code with similarity off (--no-similarity)."
        ) from exc


def embedder() -> Any:
    """The embedding model (WordLlama), or :class:`EmbeddingUnavailable` saying what to install."""
    return _embedder()


def require_embeddings() -> None:
    """Raise :class:`EmbeddingUnavailable`, saying what to install, where the embeddings cannot load."""
    _embedder()


# A text longer than this is embedded piece by piece (:func:`embed`): WordLlama would tokenize it as one word
# (its tokenizer has no pre-tokenizer: 8 s for a 6 MB paragraph, against 2.3 s in pieces) and hold a vector
# per token (1.5 GB, twice, for that paragraph).
LONG_TEXT = 20_000
_PIECE = 5_000  # characters per piece of a long text (cut at a space)
_PIECES = 64  # pieces tokenized in one call
_ROWS = 4_096  # token vectors added up at once


def embed(texts: Sequence[str]) -> np.ndarray:
    """WordLlama's mean token embedding of each text (float32, not normalised): bit for bit what
    ``embedder().embed(texts)`` returns, in memory bounded by the longest ordinary text.

    Texts of up to :data:`LONG_TEXT` characters go to WordLlama in batches of 64; a longer one is cut into
    pieces at single spaces, which its tokenizer turns into the same tokens (no token of its vocabulary holds
    a word boundary after its first character), and their vectors are added in their order, as WordLlama adds
    them, :data:`_ROWS` at a time.
    """
    import numpy as np

    model = _embedder()
    out = np.empty((len(texts), model.embedding.shape[1]), dtype=np.float32)
    short = [i for i, text in enumerate(texts) if len(text) <= LONG_TEXT]
    if short:  # a text's mean does not depend on the texts beside it in a batch (padding adds zeros)
        out[short] = model.embed([texts[i] for i in short])
    for i, text in enumerate(texts):
        if len(text) > LONG_TEXT:
            out[i] = _embed_long(model, text)
    return out


def _pieces(text: str, size: int = _PIECE) -> list[str]:
    """``text`` cut at single spaces (not after a space or '▁') into pieces of about ``size`` characters, the
    spaces dropped: WordLlama's tokenizer writes a space as '▁' and starts every text with one."""
    out, start, n = [], 0, len(text)
    while start < n:
        cut = text.find(" ", start + size)
        while cut > 0 and text[cut - 1] in " \u2581":
            cut = text.find(" ", cut + 1)
        if cut < 0 or cut == n - 1:
            out.append(text[start:])
            break
        out.append(text[start:cut])
        start = cut + 1
    return out


def _embed_long(model: Any, text: str) -> np.ndarray:
    """The mean token embedding of one long text, computed as ``WordLlamaInference.embed`` computes it
    (a float32 sum over the tokens in order, divided by their count) without holding a vector per token."""
    import numpy as np

    matrix = model.embedding
    total = np.zeros((1, 1, matrix.shape[1]), dtype=np.float32)
    count = 0
    pieces = _pieces(text)
    for first in range(0, len(pieces), _PIECES):
        for encoding in model.tokenize(pieces[first : first + _PIECES]):
            ids = np.asarray(encoding.ids, dtype=np.int32)[np.asarray(encoding.attention_mask, dtype=bool)]
            np.clip(ids, 0, matrix.shape[0] - 1, out=ids)
            count += len(ids)
            for row in range(0, len(ids), _ROWS):  # the running total first, then these tokens: one order
                block = np.concatenate([total, matrix[ids[row : row + _ROWS]][np.newaxis]], axis=1)
                total = np.asarray(np.sum(block, axis=1, keepdims=True, dtype=np.float32))
    return total[0, 0] / np.float32(max(count, 1))


def _unit(vectors: np.ndarray) -> np.ndarray:
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-9)


def _text_in(text: Any, language: str) -> str:
    if isinstance(text, str):
        return text if text and detect_language(text) in (None, language) else ""
    return str(text.get(language, "")) if text else ""


def prototypes(code: Code, language: str) -> list[tuple[str, str]]:
    """(prototype id, text) of ``code`` in ``language``: its definition, inclusion text and examples."""
    out = [(key, _text_in(getattr(code, key), language)) for key in ("definition", "inclusion")]
    out += [(f"ex{i}", e) for i, e in enumerate(code.examples, 1) if detect_language(e) in (None, language)]
    return [(key, text) for key, text in out if text.strip()]


class Similarity:
    """Cosine similarity of texts to every code's prototypes, per language (embedded once per codebook)."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._by_language: dict[str, tuple[list[str], list[list[str]], Any]] = {}

    def prepare(self, language: str) -> None:
        """Load the embedding model and embed the codebook's prototypes in ``language`` now, not at the first
        text: before forking worker processes, so that they share both instead of each loading its own."""
        _embedder()
        self._prototypes(language)

    def _prototypes(self, language: str) -> tuple[list[str], list[list[str]], Any]:
        cached = self._by_language.get(language)
        if cached is None:
            codes, ids, texts, owner = [], [], [], []
            for code in self.codebook:
                found = prototypes(code, language)
                if found:
                    codes.append(code.id)
                    ids.append([key for key, _ in found])
                    texts += [text for _, text in found]
                    owner += [len(codes) - 1] * len(found)
            matrix = _unit(embed(texts)) if texts else None
            cached = self._by_language[language] = (codes, ids, (matrix, owner))
        return cached

    def nearest(
        self, texts: Sequence[str], language: str, *, vectors: np.ndarray | None = None
    ) -> dict[str, list[tuple[float, str]]]:
        """Per code with prototypes in ``language``: for each text, (similarity, nearest prototype id).
        ``vectors``: the texts' :func:`embed` already computed (one row per text)."""
        import numpy as np

        codes, ids, (matrix, owner) = self._prototypes(language)
        if not codes or not texts:
            return {}
        sims = _unit(embed(list(texts)) if vectors is None else vectors) @ matrix.T  # texts x prototypes
        owner_array = np.asarray(owner)
        out: dict[str, list[tuple[float, str]]] = {}
        for c, code in enumerate(codes):
            columns = np.flatnonzero(owner_array == c)
            block = sims[:, columns]
            best = block.argmax(axis=1)
            out[code] = [(float(block[t, b]), ids[c][b]) for t, b in enumerate(best)]
        return out


def features(rules: Iterable[str], similarity: float, words: int) -> list[float]:
    """The model's inputs for one segment and code: whether a rule fired, how many distinct rules (log),
    whether one of them is a proximity, context or token rule, the similarity, the length in words (log)."""
    rules = list(dict.fromkeys(rules))
    kinds = {r.split(":", 3)[2] if r.count(":") >= 2 else "term" for r in rules}
    return [1.0 if rules else 0.0, math.log1p(len(rules)), 1.0 if _PROXIMITY & kinds else 0.0, similarity,
            math.log1p(words) / 5.0]


@dataclass(frozen=True)
class EvidenceModel:
    """A logistic model over :data:`FEATURES`; ``threshold`` is the score from which a segment with a rule
    hit keeps its code, ``similar_threshold`` the score from which one without gets it on similarity."""

    coef: tuple[float, ...]
    intercept: float
    threshold: float
    similar_threshold: float
    trained_on: str = ""

    def score(self, x: Sequence[float]) -> float:
        z = self.intercept + sum(c * v for c, v in zip(self.coef, x, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> str:
        return json.dumps({"features": list(FEATURES), **asdict(self)}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "evidence model") -> EvidenceModel:
        data = json.loads(text)
        if data.get("features") != list(FEATURES):
            raise ValueError(f"{source}: features {data.get('features')} are not {list(FEATURES)}; retrain it.")
        return cls(tuple(float(c) for c in data["coef"]), float(data["intercept"]), float(data["threshold"]),
                   float(data["similar_threshold"]), str(data.get("trained_on", "")))


# For a codebook without labels: z = 20 * rule + 20 * (similarity - 0.9). Every rule hit keeps its code
# (scores above 0.5 for any similarity above 0.4), and a segment without one is coded on similarity alone
# only from 0.9: on our development labels, paragraphs without a rule hit were right far less often than
# the rules at every lower similarity.
FIXED_MODEL = EvidenceModel(coef=(20.0, 0.0, 0.0, 20.0, 0.0), intercept=-18.0, threshold=0.5,
                            similar_threshold=0.5, trained_on="fixed: every rule hit; similarity >= 0.9 alone")


@lru_cache(maxsize=4)
def _shipped(path: str) -> EvidenceModel:
    return EvidenceModel.from_json(Path(path).read_text(encoding="utf-8"), path)


def evidence_model(codebook: Codebook) -> EvidenceModel:
    """The model trained for the default codebook (by name), else :data:`FIXED_MODEL`."""
    if codebook.name == "qualcode-default" and DEFAULT_MODEL.exists():
        return _shipped(str(DEFAULT_MODEL))
    return FIXED_MODEL
