"""Labelled and unlabelled training data for the semi-supervised study (Sec. 4.5, Appendix B.2).

A :class:`LabelledSplit` holds one run's data: the labelled and unlabelled
training indices, the label arrays and how to turn indices into model inputs
(an in-memory :class:`csrae.data.Dataset`, or face frames read from disk).
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from csrae.data import Dataset
from csrae.data.face_frames import FaceFrames
from csrae.data.faces import ACTION_UNITS, FaceIndex, fold_split, read_index
from csrae.semisupervised.labels import LabelSpace


class ArrayInputs:
    """Inputs from a prepared in-memory dataset: training batches binarised dynamically where it says so."""

    def __init__(self, data: Dataset):
        self.data = data
        self.eval_x = {split: data.inputs(split) for split in ("val", "test")}

    def augmented(self, indices, generator: torch.Generator) -> Tensor:
        return self.data.training_batch(indices, generator)

    def evaluation(self, split: str, indices) -> Tensor:
        return self.eval_x[split][torch.as_tensor(np.asarray(indices))]


class FrameInputs:
    """Face frames: training frames augmented, evaluation frames centre-cropped."""

    def __init__(self, frames: FaceFrames, split: dict[str, np.ndarray]):
        self.frames, self.split = frames, split

    def augmented(self, indices, generator: torch.Generator) -> Tensor:
        return self.frames.augmented(self.split["train"][np.asarray(indices)], generator)

    def evaluation(self, split: str, indices) -> Tensor:
        return self.frames.centred(self.split[split][np.asarray(indices)])


@dataclass
class LabelledSplit:
    """One run's data; indices point into the training split's arrays."""

    data: object  # what models are built from: a Dataset or FaceFrames
    inputs: ArrayInputs | FrameInputs
    labels: LabelSpace
    y: dict[str, np.ndarray]  # split -> [n] classes or [n, L] 0/1 labels
    labelled: np.ndarray
    unlabelled: np.ndarray
    label_names: tuple[str, ...] = ()

    def size(self, split: str) -> int:
        return len(self.y[split])


def balanced_labelled_subset(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` training indices with ``n / C`` of each of the C classes (Sec. 4.5: n ∈ {250, 1000, 4000})."""
    classes = np.unique(y)
    if n % len(classes):
        raise ValueError(f"{n} labels cannot be balanced over {len(classes)} classes; use a multiple of {len(classes)}")
    per_class = n // len(classes)
    rng = np.random.default_rng(seed)
    chosen = []
    for c in classes:
        members = np.flatnonzero(y == c)
        if per_class > len(members):
            raise ValueError(f"{n} balanced labels need {per_class} of class {c}, but training has {len(members)}")
        chosen.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def class_split(data: Dataset, n_labelled: int, seed: int) -> LabelledSplit:
    """Digits: ``n_labelled`` class-balanced labelled training points, the rest unlabelled."""
    if (data.y["train"] < 0).any():
        raise ValueError(f"{data.name} has no labels; the semi-supervised study needs a labelled dataset")
    labelled = balanced_labelled_subset(data.y["train"], n_labelled, seed)
    unlabelled = np.setdiff1d(np.arange(len(data.y["train"])), labelled)
    labels = LabelSpace(int(data.y["train"].max()) + 1, multi_label=False)
    return LabelledSplit(data, ArrayInputs(data), labels, dict(data.y), labelled, unlabelled)


def face_split(index: FaceIndex, fold: int, fraction: float, seed: int, crop: int | None = None) -> LabelledSplit:
    """Faces: fold ``fold``'s subject-independent split; a random ``fraction`` of training frames labelled."""
    if not 0 < fraction <= 1:
        raise ValueError(f"the labelled fraction must be in (0, 1], got {fraction}")
    split = fold_split(index, fold)
    n_train = len(split["train"])
    order = np.random.default_rng(seed).permutation(n_train)
    n_labelled = max(1, round(fraction * n_train))
    labelled, unlabelled = np.sort(order[:n_labelled]), np.sort(order[n_labelled:])
    frames = FaceFrames(index, **({"crop": crop} if crop else {}))
    y = {name: index.labels[rows] for name, rows in split.items()}
    labels = LabelSpace(index.labels.shape[1], multi_label=True)
    names = tuple(f"AU{au}" for au in ACTION_UNITS[index.dataset])
    return LabelledSplit(frames, FrameInputs(frames, split), labels, y, labelled, unlabelled, names)


def labelled_batches(
    split: LabelledSplit, steps: int, batch_size: int, generator: torch.Generator
) -> Iterator[np.ndarray]:
    """``steps`` batches of labelled training indices.

    Classes: the labelled set reshuffled whenever it runs out.  Multi-label:
    iterative label-balanced batches (Appendix B.2): batch s is balanced for
    output s mod L, half positives and half negatives of it, the minority
    drawn with replacement when it has fewer than half a batch.
    """
    labelled = split.labelled
    y = split.y["train"][labelled]
    if not split.labels.multi_label:
        order = torch.empty(0, dtype=torch.long)
        for _ in range(steps):
            while len(order) < min(batch_size, len(labelled)):
                order = torch.cat([order, torch.randperm(len(labelled), generator=generator)])
            take, order = order[:batch_size], order[batch_size:]
            yield labelled[take.numpy()]
        return
    half = max(1, batch_size // 2)
    for step in range(steps):
        column = y[:, step % y.shape[1]]
        parts = [np.flatnonzero(column == value) for value in (1, 0)]
        if any(len(p) == 0 for p in parts):  # this output is constant among the labelled frames
            parts = [np.arange(len(y))]
        chosen = []
        for members in parts:
            replace = len(members) < half
            if replace:
                draw = torch.randint(0, len(members), (half,), generator=generator)
            else:
                draw = torch.randperm(len(members), generator=generator)[:half]
            chosen.append(members[draw.numpy()])
        yield labelled[np.concatenate(chosen)]


def epoch_batches(indices: np.ndarray, batch_size: int, generator: torch.Generator) -> list[np.ndarray]:
    """One epoch over ``indices`` in a fresh order.  A last batch of one point joins the one before:
    batch normalisation (the face networks) cannot train on a single point."""
    order = indices[torch.randperm(len(indices), generator=generator).numpy()]
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    if len(batches) > 1 and len(batches[-1]) == 1:
        batches[-2:] = [np.concatenate(batches[-2:])]
    return batches


def load_split(prepared: str | Path, labels: float, fold: int, seed: int) -> LabelledSplit:
    """A run's split from the workflow's prepared data: ``data.npz`` (digits: ``labels`` is a count)
    or ``faces.json`` (faces: ``labels`` is a fraction, ``fold`` the test fold)."""
    prepared = Path(prepared)
    if prepared.name == "faces.json":
        meta = json.loads(prepared.read_text())
        return face_split(read_index(meta["dataset"], meta["root"], check_frames=False), fold, labels, seed)
    if fold != 0:
        raise ValueError(f"{prepared.parent.name} has one train/val/test split; fold must be 0, got {fold}")
    return class_split(Dataset.load(prepared.parent), int(labels), seed)
