"""The features the suggester learns from: words, sentence embeddings and a segment's place in its interview.

Each segment becomes one row of a sparse matrix:

- TF-IDF of its words and word pairs (``sublinear_tf``; words seen in one segment only are dropped);
- its static sentence embedding (wordllama, 256 dimensions, shipped in the wheel and loaded offline);
- the embeddings of the segments before and after it, of the last segment by another speaker (the
  question a participant answers) and of its section's heading (an interview-guide question), with the
  similarity of the segment to its neighbours;
- its speaker (names heard in at least two documents, so that "Interviewer" or "Dan" counts and
  participants' names do not), the speaker's role, and where it falls in its document (fifths).

Everything here is linear in the number of segments: one pass builds each block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from qualcode.model.transcript import Segment

__all__ = ["FeatureSpace", "embed"]

POSITION_BINS = 5
_NONE = "(none)"


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised static sentence embeddings (float32, one row per text; zeros for an empty text), from
    wordllama (shipped in its wheel, loaded offline) in bounded memory however long a text is."""
    from qualcode.coding.similarity import embed as mean_embedding

    if not texts:
        return np.zeros((0, 256), dtype=np.float32)
    vectors = mean_embedding(list(texts))
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


@dataclass
class FeatureSpace:
    """What turns segments into feature rows, learnt once from all the segments of a project.

    ``vocabulary`` and ``idf`` are the TF-IDF's; ``speakers`` the speaker names kept as features;
    ``weights`` scales each block (``words``, ``embedding``, ``context``, ``structure``; 0 leaves it out).
    """

    vocabulary: list[str]
    idf: np.ndarray
    speakers: list[str]
    roles: list[str]
    weights: dict[str, float]

    @classmethod
    def learn(
        cls, segments: Sequence[Segment], roles: Sequence[str | None], weights: dict[str, float]
    ) -> FeatureSpace:
        tfidf = _vectorizer(None)
        tfidf.fit([s.text for s in segments])
        vocabulary = [""] * len(tfidf.vocabulary_)
        for word, index in tfidf.vocabulary_.items():
            vocabulary[index] = word
        documents: dict[str, set[str]] = {}
        for s in segments:
            documents.setdefault(_speaker(s.speaker), set()).add(s.document)
        speakers = sorted(name for name, docs in documents.items() if len(docs) >= 2 and name != _NONE)
        return cls(vocabulary, tfidf.idf_.astype(np.float64), speakers,
                   sorted({r for r in roles if r}), dict(weights))

    @property
    def words(self) -> Any:
        """The fitted TF-IDF vectorizer (rebuilt from the stored vocabulary and idf)."""
        tfidf = _vectorizer({w: i for i, w in enumerate(self.vocabulary)})
        tfidf.idf_ = self.idf
        return tfidf

    def transform(
        self, segments: Sequence[Segment], roles: Sequence[str | None], vectors: np.ndarray | None = None
    ) -> tuple[sparse.csr_matrix, np.ndarray]:
        """The feature rows of ``segments`` (in document order) and their embeddings.

        ``vectors`` are the segments' embeddings when already computed.
        """
        w = self.weights
        blocks = [self.words.transform([s.text for s in segments]) * w["words"]]
        if vectors is None:
            vectors = embed([s.text for s in segments]) if w["embedding"] or w["context"] else None
        if vectors is not None and w["embedding"]:
            blocks.append(sparse.csr_matrix(vectors * w["embedding"]))
        if vectors is not None and w["context"]:
            blocks.append(sparse.csr_matrix(_context(segments, vectors) * w["context"]))
        if w["structure"]:
            blocks.append(sparse.csr_matrix(self._structure(segments, roles) * w["structure"]))
        if vectors is None:
            vectors = np.zeros((len(segments), 256), dtype=np.float32)
        return sparse.hstack(blocks, format="csr"), vectors

    def texts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Feature rows of free texts (a code's definition and examples): words and embedding only."""
        width = self.width
        words = self.words.transform(list(texts)) * self.weights["words"]
        blocks = [words]
        if self.weights["embedding"]:
            blocks.append(sparse.csr_matrix(embed(list(texts)) * self.weights["embedding"]))
        rest = width - sum(b.shape[1] for b in blocks)
        blocks.append(sparse.csr_matrix((len(texts), rest)))
        return sparse.hstack(blocks, format="csr")

    @property
    def width(self) -> int:
        w = self.weights
        return (len(self.vocabulary) + (256 if w["embedding"] else 0) + (_CONTEXT_WIDTH if w["context"] else 0)
                + (self._structure_width if w["structure"] else 0))

    @property
    def _structure_width(self) -> int:
        return len(self.speakers) + 1 + len(self.roles) + 1 + POSITION_BINS + 1

    def _structure(self, segments: Sequence[Segment], roles: Sequence[str | None]) -> np.ndarray:
        out = np.zeros((len(segments), self._structure_width), dtype=np.float32)
        speaker_index = {name: i for i, name in enumerate(self.speakers)}
        role_index = {name: len(self.speakers) + 1 + i for i, name in enumerate(self.roles)}
        first = len(self.speakers) + 1 + len(self.roles) + 1
        for row, (s, role, place) in enumerate(zip(segments, roles, _places(segments), strict=True)):
            out[row, speaker_index.get(_speaker(s.speaker), len(self.speakers))] = 1
            out[row, role_index.get(role or "", first - 1)] = 1
            out[row, first + min(int(place * POSITION_BINS), POSITION_BINS - 1)] = 1
            out[row, -1] = np.log1p(len(s.text)) / 10
        return out


_CONTEXT_WIDTH = 4 * 256 + 2


def _vectorizer(vocabulary: dict[str, int] | None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), min_df=1 if vocabulary else 2, sublinear_tf=True,
                           strip_accents="unicode", vocabulary=vocabulary, dtype=np.float64)


def _speaker(name: str | None) -> str:
    return " ".join(name.casefold().split()) if name else _NONE


def _places(segments: Sequence[Segment]) -> list[float]:
    """Each segment's relative place in its document, 0 (first) to 1 (last)."""
    counts: dict[str, int] = {}
    for s in segments:
        counts[s.document] = counts.get(s.document, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for s in segments:
        out.append(seen.get(s.document, 0) / max(counts[s.document] - 1, 1))
        seen[s.document] = seen.get(s.document, 0) + 1
    return out


def _context(segments: Sequence[Segment], vectors: np.ndarray) -> np.ndarray:
    """Previous, next, the other speaker's last segment and the section heading; two similarities."""
    n, dim = vectors.shape
    previous, following, other = (np.zeros((n, dim), dtype=np.float32) for _ in range(3))
    answered = -1  # the latest segment, in this document, by another speaker than segment i's
    for i, s in enumerate(segments):
        same_document = i > 0 and segments[i - 1].document == s.document
        if not same_document:
            answered = -1
        elif _speaker(segments[i - 1].speaker) != _speaker(s.speaker):
            answered = i - 1
        if same_document:
            previous[i] = vectors[i - 1]
        if i + 1 < n and segments[i + 1].document == s.document:
            following[i] = vectors[i + 1]
        if answered >= 0:
            other[i] = vectors[answered]
    headings = sorted({s.section for s in segments if s.section})
    heading_vectors = dict(zip(headings, embed(headings), strict=True))
    sections = np.zeros((n, dim), dtype=np.float32)
    for i, s in enumerate(segments):
        if s.section:
            sections[i] = heading_vectors[s.section]
    similarity = np.stack([(vectors * previous).sum(1), (vectors * following).sum(1)], axis=1)
    return np.hstack([previous, following, other, sections, similarity])
