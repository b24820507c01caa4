"""Fetching source files with checksums, and errors that say how to get them."""

import hashlib
import shutil
import urllib.request
from pathlib import Path

from csrae.data.dataset import atomic_write


class DatasetFileError(RuntimeError):
    """A source file is missing or does not match its checksum."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, expected_sha256: str, url: str) -> None:
    """Raise a :class:`DatasetFileError` naming the file, its source and the fix."""
    path = Path(path)
    if not path.is_file():
        raise DatasetFileError(
            f"dataset file {path} is missing. Download it from {url} and place it at {path} "
            f"(expected SHA-256 {expected_sha256})."
        )
    actual = sha256(path)
    if actual != expected_sha256:
        raise DatasetFileError(
            f"dataset file {path} is corrupt or truncated: SHA-256 {actual}, expected {expected_sha256}. "
            f"Delete it and download it again from {url}."
        )


def fetch(url: str, path: Path, expected_sha256: str) -> Path:
    """Download ``url`` to ``path`` unless a verified copy is there; verify after."""
    path = Path(path)
    if not path.is_file():
        with urllib.request.urlopen(url, timeout=60) as response:
            atomic_write(path, lambda f: shutil.copyfileobj(response, f))
    verify(path, expected_sha256, url)
    return path
