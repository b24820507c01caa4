"""The MNIST family: static MNIST, dynamic MNIST and Fashion-MNIST (paper Table V).

Splits follow the VampPrior code (Tomczak & Welling 2018), whose numbers the
paper's baselines come from: static MNIST as Larochelle's files store it
(50k/10k/10k) and dynamic MNIST / Fashion-MNIST with the last 10,000 training
images as validation set (50k/10k/10k).  Table V's 45,000/5,000 does not add
up to either file set.
"""

from pathlib import Path

import numpy as np

from csrae.data.download import DatasetFileError, SourceFile, check_sizes, locate
from csrae.data.idx import read_amat, read_idx
from csrae.data.registry import Splits

LAROCHELLE = "http://www.cs.toronto.edu/~larocheh/public/datasets/binarized_mnist/"
STATIC_FILES = {
    split: SourceFile(f"binarized_mnist_{name}.amat", f"{LAROCHELLE}binarized_mnist_{name}.amat")
    for split, name in (("train", "train"), ("val", "valid"), ("test", "test"))
}
STATIC_SIZES = {"train": 50000, "val": 10000, "test": 10000}

IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MNIST_MD5 = (  # torchvision.datasets.MNIST.resources
    "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "d53e105ee54ea40749a09fcbcd1e9432",
    "9fb629c4189551a2d022fa330f9573f3",
    "ec29112dd5afa0611ce80d1b7f02629c",
)
FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_MD5 = (  # torchvision.datasets.FashionMNIST.resources, then Debian's dataset-fashion-mnist (recompressed)
    ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "cf8536b0aa1a6ac5fa3f23001093305c"),
    ("25c81989df183df01b3e8a0aad5dffbe", "10bea18fdb374794d4bb42e356e600c9"),
    ("bef4ecab320f06d8554ea6380940ec79", "f78720b4224f21cce2f2ccf2d7a94c9a"),
    ("bb300cfdad3c16e7a12a480ee83cd310", "0d30e22e447f3c33dab9ed536400ac01"),
)
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")  # apt-get install dataset-fashion-mnist
MNIST_FILES = tuple(SourceFile(f"{n}.gz", f"{MNIST_URL}{n}.gz", (md5,)) for n, md5 in zip(IDX_NAMES, MNIST_MD5))
FASHION_FILES = tuple(SourceFile(f"{n}.gz", f"{FASHION_URL}{n}.gz", md5) for n, md5 in zip(IDX_NAMES, FASHION_MD5))
IDX_SIZES = {"train": 60000, "test": 10000}
VALIDATION_SIZE = 10000  # the last 10,000 training images (VampPrior code)


def static_mnist(path: Path, strict: bool = True) -> Splits:
    """Larochelle's statically binarised MNIST (no labels: kNN error is not defined on it)."""
    x = {split: read_amat(locate(Path(path), f, "static_mnist")) for split, f in STATIC_FILES.items()}
    if strict:
        check_sizes("static_mnist", {s: len(v) for s, v in x.items()}, STATIC_SIZES)
    return Splits(x, None, {"source": str(path), "files": [f.url for f in STATIC_FILES.values()]})


def _idx_pair(directory: Path, images: SourceFile, labels: SourceFile, name: str, strict: bool):
    """Images in [0, 1] as ``[n, 784]`` and labels, with matching lengths checked."""
    pixels = read_idx(_locate_idx(directory, images, name, strict))
    targets = read_idx(_locate_idx(directory, labels, name, strict)).astype(np.int64)
    if pixels.ndim != 3 or targets.ndim != 1 or len(pixels) != len(targets):
        raise DatasetFileError(
            f"{name}: {images.name} has shape {pixels.shape} and {labels.name} {targets.shape}; "
            "expected [n, rows, cols] images with n labels"
        )
    return (pixels.reshape(len(pixels), -1) / 255.0).astype(np.float32), targets


def _locate_idx(directory: Path, source: SourceFile, name: str, strict: bool) -> Path:
    """The ``.gz`` as published (MD5 checked), or the uncompressed file torchvision extracts beside it."""
    extracted = Path(directory) / source.name.removesuffix(".gz")
    if not (Path(directory) / source.name).is_file() and extracted.is_file():
        return extracted
    return locate(directory, source, name, strict)


def _idx_dataset(name: str, directory: Path, files: tuple[SourceFile, ...], strict: bool) -> Splits:
    train_x, train_y = _idx_pair(directory, files[0], files[1], name, strict)
    test_x, test_y = _idx_pair(directory, files[2], files[3], name, strict)
    if strict:
        check_sizes(name, {"train": len(train_x), "test": len(test_x)}, IDX_SIZES)
    n_val = len(train_x) * VALIDATION_SIZE // IDX_SIZES["train"]
    return Splits(
        {"train": train_x[:-n_val], "val": train_x[-n_val:], "test": test_x},
        {"train": train_y[:-n_val], "val": train_y[-n_val:], "test": test_y},
        {"source": str(directory), "files": [f.url for f in files]},
    )


def dynamic_mnist(path: Path, strict: bool = True) -> Splits:
    """MNIST in torchvision's idx files (``MNIST/raw``), binarised dynamically (Table V)."""
    return _idx_dataset("dynamic_mnist", Path(path), MNIST_FILES, strict)


def fashion_mnist(path: Path, strict: bool = True) -> Splits:
    """Fashion-MNIST in idx files (by default Debian's copy, :data:`DEBIAN_FASHION_MNIST`)."""
    return _idx_dataset("fashion_mnist", Path(path), FASHION_FILES, strict)
