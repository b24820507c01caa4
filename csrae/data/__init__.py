"""Datasets: generators and loaders that return a prepared :class:`Dataset`.

Loaders read the published files from a directory (``path``); without one
they look in ``$CSRAE_DATA/<name>`` (default ``data/<name>``), except
Fashion-MNIST, which defaults to Debian's ``dataset-fashion-mnist`` copy.
A researcher's own datasets (:mod:`csrae.data.own`) answer the same questions.
"""

import os
from collections.abc import Callable
from pathlib import Path

from csrae.data import cifar as _cifar
from csrae.data.cifar import cifar10
from csrae.data.dataset import Dataset
from csrae.data.download import DatasetFileError, SourceFile, download, missing_file_error
from csrae.data.matlab import CALTECH, OMNIGLOT, caltech101, omniglot
from csrae.data.mnist import (
    DEBIAN_FASHION_MNIST,
    FASHION_FILES,
    MNIST_FILES,
    STATIC_FILES,
    dynamic_mnist,
    fashion_mnist,
    static_mnist,
)
from csrae.data.mnist5k import mnist5k
from csrae.data.own import OWN, register_dataset
from csrae.data.toy import gmm1d_samples, pinwheel

DATASETS: dict[str, Callable[..., Dataset]] = {
    "pinwheel": pinwheel,
    "mnist5k": mnist5k,
    "static_mnist": static_mnist,
    "dynamic_mnist": dynamic_mnist,
    "fashion_mnist": fashion_mnist,
    "omniglot": omniglot,
    "caltech101": caltech101,
    "cifar10": cifar10,
}
IMAGE_DATASETS = frozenset(DATASETS) - {"pinwheel"}  # FID on these uses a trained domain classifier
UNLABELLED_DATASETS = frozenset({"static_mnist"})  # no kNN error (Table II) on these
# An unlabelled dataset cannot train its own domain classifier: its FID uses one trained on a labelled
# dataset of the same domain (static MNIST's binarised digits are MNIST digits).
FID_CLASSIFIER_DATASET = {"static_mnist": "dynamic_mnist"}
# How a dataset's files are checked when prepared: "checksum" — the published checksums, sizes and value
# ranges (the default); "shape" — only the format, image shape and value range, which accepts copies that
# are not the published files (a re-compressed mirror, a small subset).
VERIFY = ("checksum", "shape")
SOURCE_FILES: dict[str, tuple[SourceFile, ...]] = {
    "static_mnist": tuple(STATIC_FILES.values()),
    "dynamic_mnist": MNIST_FILES,
    "fashion_mnist": FASHION_FILES,
    "omniglot": (OMNIGLOT,),
    "caltech101": (CALTECH,),
}
SELF_LOCATING = frozenset({"pinwheel", "mnist5k", "fashion_mnist"})  # generated, or with a default source


def default_source(name: str) -> Path:
    return Path(os.environ.get("CSRAE_DATA", "data")) / name


def known(name: str) -> bool:
    return name in DATASETS or name in OWN


def is_image(name: str) -> bool:
    """Whether a dataset holds images (sample and reconstruction figures)."""
    return OWN[name].image_shape is not None if name in OWN else name in IMAGE_DATASETS


def is_labelled(name: str) -> bool:
    """Whether a dataset has labels (the kNN study, a domain classifier)."""
    return OWN[name].labelled if name in OWN else name not in UNLABELLED_DATASETS


def fid_classifier_dataset(name: str) -> str | None:
    """The dataset whose domain classifier gives ``name``'s FID features (itself, unless it is unlabelled), or
    None: FID on the raw data."""
    if name in OWN:
        return OWN[name].fid_classifier
    return FID_CLASSIFIER_DATASET.get(name, name) if name in IMAGE_DATASETS else None


def prepare_dataset(name: str, path: str | Path | None = None, verify: str = "checksum", **options) -> Dataset:
    """Generate or load dataset ``name``; ``path`` is its source file or directory, ``verify`` one of
    :data:`VERIFY` (ignored for a generated dataset)."""
    if name in OWN:
        return OWN[name].load(path)
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}, give its arrays "
            "(datasets.<name>.arrays) or register its loader in a plugin (docs/library.md, 'Your own dataset')"
        )
    if verify not in VERIFY:
        raise ValueError(f"verify must be one of {VERIFY}, got {verify!r}")
    if path is None and name not in SELF_LOCATING:
        path = default_source(name)
    if name != "pinwheel":
        options["strict"] = verify == "checksum"
    return DATASETS[name](**({"path": path} if path is not None else {}), **options)


def check_sources(name: str, path: str | Path | None = None) -> None:
    """Fail early, naming the file, where it goes and where it comes from, if a source file is absent.

    Only presence is checked here; checksums and contents are checked when the dataset is loaded.
    """
    if name in OWN:
        return
    if name == "fashion_mnist" and path is None:
        path = DEBIAN_FASHION_MNIST
        if not path.is_dir():
            raise DatasetFileError(
                f"fashion_mnist: {path} is missing; `apt-get install dataset-fashion-mnist` installs it there, "
                "or set the dataset's `source` to a directory with the idx files "
                f"(`csrae download --dataset fashion_mnist --out DIR` fetches them from {FASHION_FILES[0].url})."
            )
    if name == "cifar10":
        folder = _cifar.batch_folder(path if path is not None else default_source(name))
        files = [SourceFile(batch, _cifar.URL) for batch in _cifar.BATCH_MD5]
    elif name in SOURCE_FILES:
        folder, files = Path(path) if path is not None else default_source(name), SOURCE_FILES[name]
    else:
        return
    for source in files:
        candidates = (folder / source.name, folder / source.name.removesuffix(".gz"))
        if not any(c.is_file() for c in candidates):
            raise missing_file_error(folder / source.name, source.url, name)


def download_dataset(name: str, directory: str | Path) -> Path:
    """Download dataset ``name``'s published files into ``directory`` (needs network access)."""
    if name == "cifar10":
        return _cifar.download(directory)
    if name not in SOURCE_FILES:
        raise ValueError(f"{name!r} needs no download; downloadable: {sorted(SOURCE_FILES) + ['cifar10']}")
    download(SOURCE_FILES[name], Path(directory))
    return Path(directory)


__all__ = [
    "DATASETS",
    "FID_CLASSIFIER_DATASET",
    "VERIFY",
    "fid_classifier_dataset",
    "IMAGE_DATASETS",
    "is_image",
    "is_labelled",
    "known",
    "register_dataset",
    "UNLABELLED_DATASETS",
    "check_sources",
    "Dataset",
    "DatasetFileError",
    "download_dataset",
    "gmm1d_samples",
    "prepare_dataset",
]
