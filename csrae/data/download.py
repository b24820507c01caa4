"""Source files of a dataset: where they come from, how they are checked, how to fetch them."""

import hashlib
import shutil
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from csrae.io import atomic_write


class DatasetFileError(RuntimeError):
    """A source file is missing, unreadable or does not match its checksum."""


@dataclass(frozen=True)
class SourceFile:
    """One published file: its name on disk, its URL and the MD5 digests accepted for it.

    ``md5`` is empty where the publisher gives no checksum; the loader's
    shape and value checks are then what catches a truncated file.
    """

    name: str
    url: str
    md5: tuple[str, ...] = ()


def digest(path: Path, algorithm: str = "sha256") -> str:
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def sha256(path: Path) -> str:
    return digest(path, "sha256")


def missing_file_error(path: Path, url: str, dataset: str | None = None) -> DatasetFileError:
    hint = f" or run `csrae download --dataset {dataset} --out {path.parent}`" if dataset else ""
    return DatasetFileError(f"dataset file {path} is missing. Download it from {url} and place it at {path}{hint}.")


def verify(path: Path, expected: str | Sequence[str], url: str, algorithm: str = "sha256") -> None:
    """Raise a :class:`DatasetFileError` naming the file, its source and the fix."""
    path = Path(path)
    accepted = (expected,) if isinstance(expected, str) else tuple(expected)
    if not path.is_file():
        raise missing_file_error(path, url)
    actual = digest(path, algorithm)
    if actual not in accepted:
        raise DatasetFileError(
            f"dataset file {path} is corrupt or truncated: {algorithm.upper()} {actual}, expected "
            f"{' or '.join(accepted)}. Delete it and download it again from {url}."
        )


def check_sizes(name: str, sizes: dict[str, int], expected: dict[str, int]) -> None:
    """Refuse split sizes other than the published ones: a source file is truncated."""
    if sizes != expected:
        raise DatasetFileError(
            f"{name}: the source files hold splits of sizes {sizes}, expected {expected}; a file is truncated. "
            "Download it again (or pass strict=False for a deliberately small copy)."
        )


def locate(directory: Path, source: SourceFile, dataset: str, strict: bool = True) -> Path:
    """The verified path of ``source`` in ``directory`` (its checksum checked when ``strict``)."""
    path = Path(directory) / source.name
    if not path.is_file():
        raise missing_file_error(path, source.url, dataset)
    if strict and source.md5:
        verify(path, source.md5, source.url, "md5")
    return path


def fetch(url: str, path: Path, expected: str | Sequence[str] = (), algorithm: str = "sha256") -> Path:
    """Download ``url`` to ``path`` unless a copy is there; verify it when checksums are given."""
    path = Path(path)
    if not path.is_file():
        with urllib.request.urlopen(url, timeout=60) as response:
            atomic_write(path, lambda f: shutil.copyfileobj(response, f))
    if expected:
        verify(path, expected, url, algorithm)
    return path


def download(files: Sequence[SourceFile], directory: Path) -> list[Path]:
    """Fetch every source file of a dataset into ``directory``, checking published MD5s."""
    return [fetch(f.url, Path(directory) / f.name, f.md5, "md5") for f in files]
