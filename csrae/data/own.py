"""A researcher's own datasets: arrays ``x_train``, ``x_val``, ``x_test`` (optional ``y_*``) from a ``.npz``
file named in the config, or from a loader function a plugin file registers.

A dataset declares how it is modelled (architecture, likelihood; an image
shape for image figures) and how its FID is computed: on the raw data, or
on the features of the domain classifier of a labelled dataset (its own, or
another of the same domain, ``fid_classifier``).  Without labels it has no
kNN study (docs/library.md, "Your own dataset").
"""

import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from csrae import plugins
from csrae.data.dataset import SPLITS, Dataset
from csrae.data.download import DatasetFileError

ARRAYS_HELP = "a .npz file with float arrays x_train, x_val, x_test ([n, features], values in [0, 1] for images)"


@dataclass(frozen=True)
class OwnDataset:
    """``arrays(source)`` returns the arrays; ``fid_classifier``: the labelled dataset whose classifier gives
    the FID features (this one's name: its own), or None for FID on the raw data."""

    name: str
    arrays: Callable[[Path | None], Mapping[str, np.ndarray]]
    architecture: str
    likelihood: str
    labelled: bool
    image_shape: tuple[int, ...] | None = None
    binarize: bool = False
    fid_classifier: str | None = None
    source: str | None = field(default=None, compare=False)  # the plugin file that registered it

    def __post_init__(self):
        from csrae.likelihoods import LIKELIHOODS
        from csrae.networks import ARCHITECTURES

        if self.architecture not in ARCHITECTURES or self.likelihood not in LIKELIHOODS:
            raise ValueError(
                f"dataset {self.name}: architecture must be one of {sorted(ARCHITECTURES)} and likelihood one of "
                f"{sorted(LIKELIHOODS)}; got {self.architecture!r} and {self.likelihood!r}"
            )

    def load(self, path: str | Path | None = None) -> Dataset:
        arrays = self.arrays(Path(path) if path is not None else None)
        missing = [f"x_{s}" for s in SPLITS if f"x_{s}" not in arrays]
        if missing:
            raise DatasetFileError(f"dataset {self.name}: the arrays lack {missing}; give {ARRAYS_HELP}")
        x = {s: np.asarray(arrays[f"x_{s}"], dtype=np.float32).reshape(len(arrays[f"x_{s}"]), -1) for s in SPLITS}
        unlabelled = {s: np.full(len(x[s]), -1, dtype=np.int64) for s in SPLITS}
        y = {s: np.asarray(arrays[f"y_{s}"], dtype=np.int64) if self.labelled else unlabelled[s] for s in SPLITS}
        if len({v.shape[1] for v in x.values()}) != 1 or any(len(y[s]) != len(x[s]) for s in SPLITS):
            raise DatasetFileError(
                f"dataset {self.name}: the splits differ in features, or labels and inputs in length"
            )
        return Dataset(
            self.name, x, y, self.likelihood, self.architecture, self.image_shape, self.binarize,
            provenance={"source": str(path) if path else None, **plugins.source_digest(self.source)},
        )  # fmt: skip


OWN: dict[str, OwnDataset] = {}


def register_dataset(name: str, arrays: Callable[[Path | None], Mapping[str, np.ndarray]], **declared) -> OwnDataset:
    """Register a dataset whose ``arrays(source)`` returns ``x_train``, ``x_val``, ``x_test`` (and ``y_*`` when
    ``labelled``); ``declared``: the fields of :class:`OwnDataset` (architecture, likelihood, ...)."""
    entry = OwnDataset(name, arrays, source=plugins.loading(), **declared)
    OWN[name] = entry
    return entry


def npz_arrays(path: Path | None) -> dict[str, np.ndarray]:
    """The arrays of a ``.npz`` file (read with ``allow_pickle=False``)."""
    if path is None or not Path(path).is_file():
        raise DatasetFileError(f"dataset file {path} is missing: give {ARRAYS_HELP} as the dataset's `source`")
    with np.load(path, allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def npz_labelled(path: str | Path) -> bool:
    """Whether a ``.npz`` file holds labels for every split (read from its directory, not its arrays)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = {name.removesuffix(".npy") for name in archive.namelist()}
    except FileNotFoundError:
        raise DatasetFileError(
            f"dataset file {path} is missing: give {ARRAYS_HELP} as the dataset's `source`"
        ) from None
    except (OSError, zipfile.BadZipFile) as error:
        raise DatasetFileError(f"cannot read {path} as a .npz file ({error}); give {ARRAYS_HELP}") from error
    return all(f"y_{s}" in names for s in SPLITS)


def declare_npz(name: str, settings: dict) -> OwnDataset:
    """The dataset a workflow config declares: its ``source`` (a .npz file) and how it is modelled."""
    entry = OwnDataset(
        name, npz_arrays, settings["architecture"], settings["likelihood"], npz_labelled(settings["source"]),
        tuple(settings["image_shape"]) if settings.get("image_shape") else None, settings.get("binarize", False),
        settings.get("fid_classifier"),
    )  # fmt: skip
    OWN[name] = entry
    return entry


def declare(name: str, settings: dict, known: Callable[[str], bool]) -> None:
    """A dataset of a workflow config: the package's or a plugin's (``known``), or arrays the config declares
    (``architecture`` and ``likelihood`` with a .npz ``source``); else a ValueError saying how to add it."""
    if "architecture" in settings:
        declare_npz(name, settings)
    elif not known(name):
        raise ValueError(
            f"datasets.{name}: unknown dataset; choose one of the package's (README), declare your own arrays "
            "(source: a .npz with x_train, x_val, x_test; architecture; likelihood) or register its loader in "
            "a plugin (docs/library.md, 'Your own dataset')"
        )
