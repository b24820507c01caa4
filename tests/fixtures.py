"""Small copies of each dataset, written in the exact on-disk format the published files use."""

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import scipy.io

from csrae.data.mnist import IDX_NAMES


def images(n: int, side: int = 28, channels: int = 1, seed: int = 0) -> np.ndarray:
    """``[n, C, side, side]`` uint8 images whose top-left quarter is bright: orientation is testable."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 100, (n, channels, side, side), dtype=np.uint8)
    x[:, :, : side // 2, : side // 4] = 255
    return x


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_mnist_idx(directory: Path, n_train: int = 120, n_test: int = 40) -> None:
    """torchvision's MNIST/FashionMNIST raw files (gzip idx)."""
    directory.mkdir(parents=True, exist_ok=True)
    arrays = (
        images(n_train)[:, 0],
        np.arange(n_train) % 10,
        images(n_test, seed=1)[:, 0],
        np.arange(n_test) % 10,
    )
    for name, array in zip(IDX_NAMES, arrays):
        write_idx(directory / f"{name}.gz", array)


def write_amat(directory: Path, sizes=(60, 20, 20)) -> None:
    """Larochelle's binarized_mnist_{train,valid,test}.amat."""
    directory.mkdir(parents=True, exist_ok=True)
    for split, n in zip(("train", "valid", "test"), sizes):
        binary = (images(n)[:, 0] > 127).reshape(n, 784).astype(int)
        np.savetxt(directory / f"binarized_mnist_{split}.amat", binary, fmt="%d", delimiter=" ")


def column_major(x: np.ndarray) -> np.ndarray:
    """``[n, 1, 28, 28]`` → ``[n, 784]`` flattened column by column, as MATLAB stores images."""
    return x[:, 0].transpose(0, 2, 1).reshape(len(x), 784)


def write_omniglot(directory: Path, n_train: int = 200, n_test: int = 40, alphabets: int = 5) -> None:
    """IWAE's chardata.mat: pixels as (784, n) columns in [0, 1], one-hot alphabets as (classes, n)."""
    directory.mkdir(parents=True, exist_ok=True)

    def one_hot(n):
        target = np.zeros((alphabets, n))
        target[np.arange(n) % alphabets, np.arange(n)] = 1
        return target

    scipy.io.savemat(
        directory / "chardata.mat",
        {
            "data": column_major(images(n_train)).T / 255.0,
            "testdata": column_major(images(n_test, seed=1)).T / 255.0,
            "target": one_hot(n_train),
            "testtarget": one_hot(n_test),
        },
    )


def write_caltech(directory: Path, sizes=(80, 30, 30)) -> None:
    """caltech101_silhouettes_28_split1.mat: binary rows, stored 0 = object, labels 1..101 as (n, 1)."""
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n in zip(("train", "val", "test"), sizes):
        arrays[f"{split}_data"] = 1.0 - (column_major(images(n)) > 127)
        arrays[f"{split}_labels"] = (np.arange(n) % 101 + 1)[:, None].astype(np.uint8)
    scipy.io.savemat(directory / "caltech101_silhouettes_28_split1.mat", arrays)


def write_cifar10(root: Path, per_batch: int = 20, n_test: int = 20) -> None:
    """cifar-10-batches-py: pickled dicts with byte keys, uint8 data [n, 3072] channel-major."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for i, name in enumerate(names):
        n = n_test if name == "test_batch" else per_batch
        batch = {
            b"batch_label": name.encode(),
            b"labels": [int(v) for v in np.arange(n) % 10],
            b"data": images(n, side=32, channels=3, seed=i).reshape(n, 3072),
            b"filenames": [f"{j}.png".encode() for j in range(n)],
        }
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))


WRITERS = {  # dataset name -> writer of its source files in a directory
    "static_mnist": write_amat,
    "dynamic_mnist": write_mnist_idx,
    "fashion_mnist": write_mnist_idx,
    "omniglot": write_omniglot,
    "caltech101": write_caltech,
    "cifar10": write_cifar10,
}
