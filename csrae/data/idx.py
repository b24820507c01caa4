"""Readers for the on-disk formats of MNIST-like datasets: idx (LeCun) and ASCII ``.amat`` (Larochelle)."""

import gzip
import zlib
from pathlib import Path

import numpy as np

from csrae.data.download import DatasetFileError

IDX_UNSIGNED_BYTE = 0x08


def read_idx(path: Path) -> np.ndarray:
    """An idx file (optionally gzip-compressed) as a uint8 array of the shape in its header."""
    path = Path(path)
    try:
        raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetFileError(f"cannot read {path}: {error}. Delete it and download it again.") from error
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != IDX_UNSIGNED_BYTE:
        raise DatasetFileError(f"{path} is not an idx file of unsigned bytes (header {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], dtype=">u4"))
    if len(raw) != header + int(np.prod(shape)):
        raise DatasetFileError(
            f"{path} is truncated or corrupt: its header promises shape {shape} "
            f"({header + int(np.prod(shape))} bytes), the file holds {len(raw)} bytes"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_amat(path: Path, columns: int = 784) -> np.ndarray:
    """Larochelle's binarised MNIST: one image per line, ``columns`` space-separated 0/1 values."""
    import pandas as pd  # imported here: only the .amat reader needs it

    try:
        table = pd.read_csv(path, sep=r"\s+", header=None, dtype=np.float32).to_numpy()
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise DatasetFileError(f"cannot read {path} as space-separated numbers: {error}") from error
    if table.ndim != 2 or table.shape[1] != columns:
        raise DatasetFileError(f"{path} has {table.shape[1]} columns per line, expected {columns}")
    if not np.isin(table, (0.0, 1.0)).all():
        raise DatasetFileError(f"{path} holds values other than 0 and 1; it is not binarised MNIST")
    return table
