"""CIFAR10 from the python pickles of ``cifar-10-batches-py`` (torchvision's layout).

Split 45,000/5,000/10,000 (Table V): the last 5,000 training images are the
validation set.  The batches are unpickled only after their MD5 is checked
(``strict``), and always through an unpickler that admits nothing but
numpy arrays, lists, dicts and strings.
"""

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from csrae.data.download import DatasetFileError, SourceFile, check_sizes, fetch, locate
from csrae.data.registry import Splits

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
TAR_MD5 = "c58f30108f718f92721af3b95e74349a"
BATCH_MD5 = {  # torchvision.datasets.CIFAR10.train_list / test_list
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}
BATCH_FILES = tuple(SourceFile(name, URL, (md5,)) for name, md5 in BATCH_MD5.items())
FOLDER = "cifar-10-batches-py"
SIZES = {"train": 50000, "test": 10000}
VALIDATION_SIZE = 5000
IMAGE_SIZE = 3 * 32 * 32


class _ArrayUnpickler(pickle.Unpickler):
    ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("_codecs", "encode"),  # bytes in protocol-2 pickles written by Python 3
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a dataset file")
        return super().find_class(module, name)


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Pixels ``[n, 3072]`` (channel-major, as stored) in [0, 1] and labels of one batch."""
    try:
        batch = _ArrayUnpickler(io.BytesIO(path.read_bytes()), encoding="bytes").load()
        data, labels = batch[b"data"], batch[b"labels"]
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, TypeError, ValueError) as error:
        raise DatasetFileError(f"cannot read {path} as a CIFAR10 batch: {error!r}. Download it again.") from error
    data, labels = np.asarray(data), np.asarray(labels, dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != IMAGE_SIZE or len(labels) != len(data):
        raise DatasetFileError(f"{path}: data has shape {data.shape} with {len(labels)} labels, expected [n, 3072]")
    return (data / 255.0).astype(np.float32), labels


def batch_folder(path: str | Path) -> Path:
    """``cifar-10-batches-py`` given it or the folder that holds it."""
    root = Path(path)
    return root if root.name == FOLDER else root / FOLDER


def cifar10(path: Path, strict: bool = True) -> Splits:
    """``path`` is the folder holding ``cifar-10-batches-py`` (or that folder itself)."""
    folder = batch_folder(path)
    url = f"{URL} (MD5 {TAR_MD5}; extract it in {folder.parent})"
    batches = {
        name: read_batch(locate(folder, SourceFile(name, url, (md5,)), "cifar10", strict))
        for name, md5 in BATCH_MD5.items()
    }
    train_x = np.concatenate([batches[f"data_batch_{i}"][0] for i in range(1, 6)])
    train_y = np.concatenate([batches[f"data_batch_{i}"][1] for i in range(1, 6)])
    test_x, test_y = batches["test_batch"]
    if strict:
        check_sizes("cifar10", {"train": len(train_x), "test": len(test_x)}, SIZES)
    n_val = len(train_x) * VALIDATION_SIZE // SIZES["train"]
    return Splits(
        {"train": train_x[:-n_val], "val": train_x[-n_val:], "test": test_x},
        {"train": train_y[:-n_val], "val": train_y[-n_val:], "test": test_y},
        {"source": str(folder), "url": URL},
    )


def download(directory: str | Path) -> Path:
    """Fetch the archive (MD5 checked) and extract ``cifar-10-batches-py`` into ``directory``."""
    archive = fetch(URL, Path(directory) / Path(URL).name, TAR_MD5, "md5")
    with tarfile.open(archive) as tar:
        tar.extractall(directory, filter="data")
    return Path(directory) / FOLDER
