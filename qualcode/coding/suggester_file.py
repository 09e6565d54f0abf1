"""A fitted suggester as a file of plain arrays (NumPy ``.npz``, read with ``allow_pickle=False``): never a
pickle, which would run code when loaded."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from qualcode.coding.suggest import Suggester

__all__ = ["load_suggester", "save_suggester"]


def save_suggester(suggester: Suggester, path: str | os.PathLike[str]) -> None:
    from qualcode.model.files import write_atomic_path

    codes = suggester.codes_
    models = [suggester.models_[c] for c in codes]
    data = suggester.training_set_
    prototypes = [(c, i) for c in codes for i in suggester.prototypes_[c]]
    meta = {
        "settings": json.loads(suggester.settings_json(suggester)),
        "coder": suggester.coder_,
        "codes": codes,
        "too_few": suggester.too_few_,
        "speakers": suggester.features_.speakers,
        "roles": suggester.features_.roles,
        "weights": suggester.features_.weights,
    }
    arrays = {
        "meta": np.array(json.dumps(meta, sort_keys=True, ensure_ascii=False)),
        "vocabulary": np.array(suggester.features_.vocabulary, dtype=str),
        "idf": suggester.features_.idf,
        "coef": np.vstack([m.coef for m in models]),
        "intercept": np.array([m.intercept for m in models]),
        "calibration": np.array([[m.a, m.b] for m in models]),
        "threshold": np.array([m.threshold for m in models]),
        "prototype_code": np.array([codes.index(c) for c, _ in prototypes], dtype=np.int64),
        "prototype_document": np.array([data.segments[i].document for _, i in prototypes], dtype=str),
        "prototype_segment": np.array([data.segments[i].segment_id for _, i in prototypes], dtype=np.int64),
        "prototype_text": np.array([data.segments[i].text for _, i in prototypes], dtype=str),
        "prototype_vector": suggester.vectors_[[i for _, i in prototypes]],
    }

    def write(temporary: Any) -> None:
        with open(temporary, "wb") as handle:
            np.savez_compressed(handle, **arrays)

    write_atomic_path(os.fspath(path), write)


def load_suggester(path: str | os.PathLike[str]) -> Suggester:
    """A suggester with the learnt weights, calibration and thresholds of the file (no training set: it
    scores feature rows through ``models_`` and ``features_``)."""
    from qualcode.coding.features import FeatureSpace
    from qualcode.coding.learner import CodeModel
    from qualcode.coding.suggest import FORMAT, Suggester, SuggestError

    try:
        with np.load(os.fspath(path), allow_pickle=False) as stored:
            arrays = {k: stored[k] for k in stored.files}
        meta = json.loads(str(arrays["meta"]))
    except (OSError, ValueError, KeyError) as exc:
        raise SuggestError(f"{path}: is not a suggester model file ({exc}). Write one with Suggester.save() "
                           "or 'qualcode suggest --model-out'.") from exc
    settings = meta["settings"]
    if settings.get("format") != FORMAT:
        raise SuggestError(f"{path}: holds a model in format {settings.get('format')!r}; this qualcode reads {FORMAT!r}.")
    suggester = Suggester(**{k: v for k, v in settings.items() if k != "format"})
    suggester.coder_, suggester.codes_, suggester.too_few_ = meta["coder"], meta["codes"], meta["too_few"]
    suggester.features_ = FeatureSpace(list(arrays["vocabulary"]), arrays["idf"], meta["speakers"], meta["roles"],
                                       meta["weights"])
    suggester.models_ = {
        code: CodeModel(arrays["coef"][j], float(arrays["intercept"][j]), float(arrays["calibration"][j, 0]),
                        float(arrays["calibration"][j, 1]), float(arrays["threshold"][j]))
        for j, code in enumerate(meta["codes"])
    }
    suggester.thresholds_ = {c: m.threshold for c, m in suggester.models_.items()}
    return suggester
