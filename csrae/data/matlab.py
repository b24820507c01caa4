"""Datasets stored as MATLAB files: Omniglot (IWAE's ``chardata.mat``) and Caltech101 Silhouettes.

No checksum is published for either file; the loaders check every array's
shape and value range instead, so a truncated or foreign file is reported.
Both store images column-major: each 784-vector is transposed to row-major
(the VampPrior code's ``reshape(..., order='fortran')``).
"""

from pathlib import Path

import numpy as np
import scipy.io

from csrae.data.download import DatasetFileError, SourceFile, check_sizes, locate
from csrae.data.registry import Splits

OMNIGLOT = SourceFile("chardata.mat", "https://github.com/yburda/iwae/raw/master/datasets/OMNIGLOT/chardata.mat")
OMNIGLOT_SIZES = {"train": 24345, "test": 8070}
OMNIGLOT_VALIDATION = 1217  # Table V: 23,128 / 1,217 / 8,070
CALTECH = SourceFile(
    "caltech101_silhouettes_28_split1.mat",
    "https://people.cs.umass.edu/~marlin/data/caltech101_silhouettes_28_split1.mat",
)
CALTECH_SIZES = {"train": 4100, "val": 2264, "test": 2307}  # Table V, as stored


def read_mat(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    try:
        contents = scipy.io.loadmat(path)
    except (OSError, ValueError, TypeError, scipy.io.matlab.MatReadError) as error:
        raise DatasetFileError(f"cannot read {path} as a MATLAB file: {error}. Download it again.") from error
    missing = [k for k in keys if k not in contents]
    if missing:
        raise DatasetFileError(f"{path} lacks the arrays {missing}; it is not the expected file")
    return {k: np.asarray(contents[k]) for k in keys}


def row_major(images: np.ndarray, path: Path, key: str) -> np.ndarray:
    """``[n, 784]`` column-major 28×28 images in [0, 1] → row-major float32."""
    if images.ndim != 2 or images.shape[1] != 784:
        raise DatasetFileError(f"{path}: {key} has shape {images.shape}, expected [n, 784]")
    if images.min() < 0 or images.max() > 1:
        raise DatasetFileError(f"{path}: {key} has values outside [0, 1]")
    n = len(images)
    return images.reshape(n, 28, 28).transpose(0, 2, 1).reshape(n, 784).astype(np.float32)


def omniglot(path: Path, strict: bool = True, seed: int = 0) -> Splits:
    """Omniglot 28×28; labels are the alphabet; validation = the last 1,217 of the shuffled training set."""
    file = locate(Path(path), OMNIGLOT, "omniglot")
    arrays = read_mat(file, ("data", "testdata", "target", "testtarget"))
    train_x, test_x = row_major(arrays["data"].T, file, "data"), row_major(arrays["testdata"].T, file, "testdata")
    train_y, test_y = arrays["target"].argmax(axis=0), arrays["testtarget"].argmax(axis=0)
    if strict:
        check_sizes("omniglot", {"train": len(train_x), "test": len(test_x)}, OMNIGLOT_SIZES)
    order = np.random.default_rng(seed).permutation(len(train_x))
    n_val = round(len(train_x) * OMNIGLOT_VALIDATION / OMNIGLOT_SIZES["train"])
    train, val = order[:-n_val], order[-n_val:]
    return Splits(
        {"train": train_x[train], "val": train_x[val], "test": test_x},
        {"train": train_y[train], "val": train_y[val], "test": test_y},
        {"source": str(file), "url": OMNIGLOT.url, "seed": seed},
    )


def caltech101(path: Path, strict: bool = True) -> Splits:
    """Caltech101 Silhouettes 28×28 as split in the file; stored 0 = object, so pixels are 1 − x."""
    file = locate(Path(path), CALTECH, "caltech101")
    keys = {"train": "train", "val": "val", "test": "test"}
    arrays = read_mat(file, tuple(f"{k}_{kind}" for k in keys.values() for kind in ("data", "labels")))
    x = {s: 1.0 - row_major(arrays[f"{k}_data"], file, f"{k}_data") for s, k in keys.items()}
    y = {s: arrays[f"{k}_labels"].reshape(-1).astype(np.int64) - 1 for s, k in keys.items()}
    if strict:
        check_sizes("caltech101", {s: len(v) for s, v in x.items()}, CALTECH_SIZES)
    return Splits(x, y, {"source": str(file), "url": CALTECH.url})
