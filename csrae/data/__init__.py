"""Datasets: generators and loaders that return a prepared :class:`Dataset`."""

from collections.abc import Callable

from csrae.data.dataset import Dataset
from csrae.data.download import DatasetFileError
from csrae.data.mnist5k import mnist5k
from csrae.data.toy import gmm1d_samples, pinwheel

DATASETS: dict[str, Callable[..., Dataset]] = {"pinwheel": pinwheel, "mnist5k": mnist5k}
IMAGE_DATASETS = frozenset({"mnist5k"})  # FID on these uses a trained domain classifier


def prepare_dataset(name: str, **options) -> Dataset:
    """Generate or load dataset ``name`` (``options`` go to its loader, e.g. ``path``)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    return DATASETS[name](**options)


__all__ = ["DATASETS", "IMAGE_DATASETS", "Dataset", "DatasetFileError", "gmm1d_samples", "prepare_dataset"]
