"""A prepared dataset: train/val/test arrays plus how to model them.

Stored as ``data.npz`` (arrays, read with ``allow_pickle=False``) beside
``meta.json`` (likelihood, architecture, image shape, provenance).  Reading
one needs no torch (the workflow plans from it); its tensor views import it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from csrae.io import atomic_write, atomic_write_text

if TYPE_CHECKING:
    import torch

SPLITS = ("train", "val", "test")
EVAL_BINARIZATION_SEED = 1234  # val/test are binarised once, with this seed


@dataclass
class Dataset:
    name: str
    x: dict[str, np.ndarray]  # split -> [n, data_dim] float32
    y: dict[str, np.ndarray]  # split -> [n] int64 labels (-1 where unlabelled)
    likelihood: str  # "bernoulli" or "gaussian"
    architecture: str
    image_shape: tuple[int, ...] | None = None  # (C, H, W) for images
    binarize: bool = False  # dynamic binarisation of training batches
    provenance: dict = field(default_factory=dict)

    @property
    def data_dim(self) -> int:
        return int(self.x["train"].shape[1])

    @property
    def is_image(self) -> bool:
        return self.image_shape is not None

    def inputs(self, split: str) -> torch.Tensor:
        """Model inputs for evaluation: val/test binarised once with a fixed seed."""
        import torch

        x = torch.from_numpy(self.x[split])
        if not self.binarize:
            return x
        generator = torch.Generator().manual_seed(EVAL_BINARIZATION_SEED + SPLITS.index(split))
        return torch.bernoulli(x, generator=generator)

    def training_batch(self, indices, generator: torch.Generator) -> torch.Tensor:
        """Training points ``indices`` on ``generator``'s device, binarised afresh there (with ``generator``)
        where the data say so: on a GPU the training split stays on it, and no batch crosses the bus."""
        import torch

        x = self.training_split(generator.device)[torch.as_tensor(indices, device=generator.device)]
        return torch.bernoulli(x, generator=generator) if self.binarize else x

    def training_split(self, device: torch.device) -> torch.Tensor:
        """The training split as a tensor on ``device``, copied there once."""
        import torch

        copies = self.__dict__.setdefault("_training_copies", {})
        if device not in copies:
            copies[device] = torch.from_numpy(self.x["train"]).to(device)
        return copies[device]

    @functools.cached_property
    def fingerprint(self) -> str:
        """A hash of the prepared arrays and how they are modelled: part of every run's identity."""
        digest = hashlib.sha256(json.dumps(self.meta() | {"provenance": None}, sort_keys=True).encode())
        for name in SPLITS:
            for array in (self.x[name], self.y[name]):
                digest.update(f"{array.dtype}{array.shape}".encode())
                digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:16]

    def labels(self, split: str) -> np.ndarray:
        return self.y[split]

    def meta(self) -> dict:
        meta = asdict(self)
        del meta["x"], meta["y"]
        meta["sizes"] = {s: int(self.x[s].shape[0]) for s in SPLITS}
        return meta

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {f"x_{s}": self.x[s] for s in SPLITS} | {f"y_{s}": self.y[s] for s in SPLITS}
        atomic_write(directory / "data.npz", lambda f: np.savez_compressed(f, **arrays))
        atomic_write_text(directory / "meta.json", json.dumps(self.meta(), indent=2))

    @classmethod
    def load(cls, directory: str | Path) -> Dataset:
        directory = Path(directory)
        for name in ("data.npz", "meta.json"):
            if not (directory / name).is_file():
                raise FileNotFoundError(
                    f"prepared dataset file {directory / name} is missing; "
                    "prepare it with `csrae prepare --dataset NAME --out DIR` (or the workflow's prepare rule)"
                )
        meta = json.loads((directory / "meta.json").read_text())
        with np.load(directory / "data.npz", allow_pickle=False) as arrays:
            x = {s: arrays[f"x_{s}"] for s in SPLITS}
            y = {s: arrays[f"y_{s}"] for s in SPLITS}
        shape = meta["image_shape"]
        return cls(
            name=meta["name"],
            x=x,
            y=y,
            likelihood=meta["likelihood"],
            architecture=meta["architecture"],
            image_shape=tuple(shape) if shape else None,
            binarize=meta["binarize"],
            provenance=meta["provenance"],
        )


def split_indices(labels: np.ndarray, fractions: tuple[float, float, float], seed: int) -> dict[str, np.ndarray]:
    """Stratified train/val/test indices: each class split by ``fractions``."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
    for label in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == label))
        n_train = round(fractions[0] * len(idx))
        n_val = round(fractions[1] * len(idx))
        parts["train"].append(idx[:n_train])
        parts["val"].append(idx[n_train : n_train + n_val])
        parts["test"].append(idx[n_train + n_val :])
    return {s: rng.permutation(np.concatenate(p)) for s, p in parts.items()}
