"""Test splits of survey section 3.4, written as split files with their seeds.

1. ``iid``: hold out a fraction (default 20%) of the speakers of the training corpus; their clips are
   the test set, every other clip is training data. Speakers are sorted, then permuted with
   ``numpy.random.default_rng(seed)``; the first ``round(fraction * n_speakers)`` (at least one) are held out.
2. ``cross-dataset``: train on one corpus, test on another never seen in training (e.g. HDTF); an
   optional seeded sample caps the test size.
3. ``emotion``: an emotion-annotated corpus (CREMA-D, RAVDESS, MEAD); speakers are held out as in
   ``iid`` and the test set is balanced over emotions (at most ``per_emotion`` clips of each, seeded).
4. ``low-shot``: per held-out speaker, one adaptation clip and ``shots`` (1-5) frame indices drawn from
   its first ``window`` frames for personalisation; the speaker's other clips are the test set. With
   view labels (MEAD) the adaptation clip is frontal and the test clips are the other views (novel view).

A split file is JSON: protocol, seed, parameters, the index it came from (path and SHA-256), counts,
and the clip lists (paths relative to each dataset root), so anyone can rebuild the same split.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from thg.errors import InputError

SCHEMA = "thg-split/1"
PROTOCOLS = ("iid", "cross-dataset", "emotion", "low-shot")


@dataclass
class Split:
    protocol: str
    seed: int
    params: dict
    train: list[str] = field(default_factory=list)     # "<dataset>:<video path>"
    test: list[str] = field(default_factory=list)
    test_speakers: list[str] = field(default_factory=list)
    adaptation: dict = field(default_factory=dict)     # low-shot: speaker -> {"clip", "frames"}
    sources: dict = field(default_factory=dict)        # index files used and their SHA-256

    def counts(self) -> dict:
        return {"train": len(self.train), "test": len(self.test), "test_speakers": len(self.test_speakers)}

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, "protocol": self.protocol, "seed": self.seed, "params": self.params,
                "sources": self.sources, "counts": self.counts(), "test_speakers": self.test_speakers,
                "adaptation": self.adaptation, "train": self.train, "test": self.test}


def _id(clip) -> str:
    return f"{clip.dataset}:{clip.video}"


def _hold_out_speakers(clips: Sequence, fraction: float, seed: int) -> list[str]:
    if not 0 < fraction < 1:
        raise InputError(f"hold-out fraction {fraction} must lie strictly between 0 and 1, e.g. 0.2")
    speakers = sorted({c.speaker for c in clips})
    if len(speakers) < 2:
        raise InputError(f"a speaker hold-out needs at least 2 speakers, the index has {len(speakers)}; "
                         f"use a larger corpus or the cross-dataset protocol")
    n = min(len(speakers) - 1, max(1, int(round(fraction * len(speakers)))))
    order = np.random.default_rng(seed).permutation(len(speakers))
    return sorted(speakers[i] for i in order[:n])


def split_iid(clips: Sequence, *, fraction: float = 0.2, seed: int = 0) -> Split:
    held = set(_hold_out_speakers(clips, fraction, seed))
    return Split("iid", seed, {"holdout_fraction": fraction, "unit": "speaker"},
                 train=sorted(_id(c) for c in clips if c.speaker not in held),
                 test=sorted(_id(c) for c in clips if c.speaker in held), test_speakers=sorted(held))


def split_cross_dataset(train_clips: Sequence, test_clips: Sequence, *, max_test: int | None = None,
                        seed: int = 0) -> Split:
    train_sets = sorted({c.dataset for c in train_clips})
    test_sets = sorted({c.dataset for c in test_clips})
    shared = set(train_sets) & set(test_sets)
    if shared:
        raise InputError(f"cross-dataset split: {', '.join(sorted(shared))} is in both the training and the test "
                         f"index; give a test corpus unseen in training")
    test = sorted(test_clips, key=_id)
    if max_test is not None and len(test) > max_test:
        pick = np.random.default_rng(seed).choice(len(test), size=max_test, replace=False)
        test = [test[i] for i in sorted(pick)]
    return Split("cross-dataset", seed, {"train_datasets": train_sets, "test_datasets": test_sets,
                                         "max_test": max_test},
                 train=sorted(_id(c) for c in train_clips), test=[_id(c) for c in test],
                 test_speakers=sorted({c.speaker for c in test}))


def split_emotion(clips: Sequence, *, fraction: float = 0.2, per_emotion: int | None = None, seed: int = 0) -> Split:
    labelled = [c for c in clips if c.emotion]
    if not labelled:
        raise InputError("emotion split: no clip carries an emotion label; index an emotion corpus "
                         "(crema-d, ravdess, mead)")
    held = set(_hold_out_speakers(labelled, fraction, seed))
    rng = np.random.default_rng(seed + 1)
    test: list[str] = []
    per_class: dict[str, int] = {}
    for emotion in sorted({c.emotion for c in labelled}):
        pool = sorted((c for c in labelled if c.speaker in held and c.emotion == emotion), key=_id)
        if per_emotion is not None and len(pool) > per_emotion:
            pool = [pool[i] for i in sorted(rng.choice(len(pool), size=per_emotion, replace=False))]
        per_class[emotion] = len(pool)
        test += [_id(c) for c in pool]
    return Split("emotion", seed, {"holdout_fraction": fraction, "per_emotion": per_emotion,
                                   "test_per_emotion": per_class, "unit": "speaker"},
                 train=sorted(_id(c) for c in labelled if c.speaker not in held), test=sorted(test),
                 test_speakers=sorted(held))


def split_low_shot(clips: Sequence, *, shots: int = 1, window: int = 25, fraction: float = 0.2,
                   seed: int = 0) -> Split:
    if not 1 <= shots <= 5:
        raise InputError(f"low-shot split: shots={shots}; the protocol uses 1 to 5 frames for personalisation")
    if window < shots:
        raise InputError(f"low-shot split: window={window} frames cannot hold {shots} shots")
    held = _hold_out_speakers(clips, fraction, seed)
    rng = np.random.default_rng(seed + 2)
    has_views = any(c.view and c.view != "front" for c in clips)
    adaptation, test = {}, []
    for spk in held:
        own = sorted((c for c in clips if c.speaker == spk), key=_id)
        frontal = [c for c in own if c.view in ("", "front")] or own
        ada = frontal[int(rng.integers(len(frontal)))]
        frames = sorted(int(i) for i in rng.choice(window, size=shots, replace=False))
        adaptation[spk] = {"clip": _id(ada), "frames": frames}
        rest = [c for c in own if c is not ada and (not has_views or c.view not in ("", "front"))]
        test += [_id(c) for c in rest]
    return Split("low-shot", seed, {"shots": shots, "window_frames": window, "holdout_fraction": fraction,
                                    "novel_view": has_views},
                 train=sorted(_id(c) for c in clips if c.speaker not in set(held)), test=sorted(test),
                 test_speakers=held, adaptation=adaptation)


def file_source(path: str | os.PathLike) -> dict:
    path = Path(path)
    return {"path": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def write_split(split: Split, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write the split file atomically; an existing file is replaced only with ``overwrite``."""
    from thg.io.output import atomic_output

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path, overwrite=overwrite) as tmp:
        tmp.write_text(json.dumps(split.to_dict(), indent=1), encoding="utf-8")
    return path


def read_split(path: str | os.PathLike) -> Split:
    from thg.io.output import read_json_document

    data = read_json_document(path, schema=SCHEMA, what="thg split file", hint="make one with `thg eval split`")
    return Split(data["protocol"], data["seed"], data["params"], data["train"], data["test"], data["test_speakers"],
                 data.get("adaptation", {}), data.get("sources", {}))


__all__ = ["Split", "PROTOCOLS", "split_iid", "split_cross_dataset", "split_emotion", "split_low_shot",
           "write_split", "read_split"]
