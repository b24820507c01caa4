"""The datasets, one typed registry: how each is read and modelled, and which paper dataset it stands for.

A :class:`DatasetType` reads a dataset's splits (from its published files, a
generator, a researcher's arrays or loader) and says how it is modelled
(likelihood, architecture, image shape, dynamic binarisation), whether it is
labelled (the kNN study, a domain classifier), whose domain classifier gives
its FID features, which files it needs before any job and where they come
from, and which of the paper's datasets it is compared with (and that one's
split sizes, Table V).  The package's datasets are registered in
:mod:`csrae.data`; one's own arrays or loader through :func:`register_dataset`
(a plugin file) or a config's ``datasets.<name>`` (:func:`declare`).  No torch.
"""

import dataclasses
import os
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from csrae import plugins
from csrae.data.dataset import SPLITS, Dataset
from csrae.data.download import DatasetFileError, SourceFile, download, missing_file_error

VERIFY = ("checksum", "shape")  # the published checksums and sizes, or only format, shape and range
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")  # a dataset's name is a part of every path it writes
LIKELIHOOD_RANGES = {"bernoulli": (0.0, 1.0), "logistic": (0.0, 1.0)}  # inputs of p(x|z); gaussian: any


@dataclass(frozen=True)
class Splits:
    """What a reader returns: ``x`` and (for a labelled dataset) ``y`` per split, and where they came from."""

    x: Mapping[str, np.ndarray]
    y: Mapping[str, np.ndarray] | None
    provenance: dict


@dataclass(frozen=True)
class DatasetType:
    """One dataset.  ``read(source, strict)`` returns its :class:`Splits` (``strict``: the published checksums
    and sizes); ``fid_classifier``: the labelled dataset whose domain classifier gives its FID features (its
    own name: its own), None for FID on the raw data; ``files``: published files that must be at its source
    before any job; ``default_source``: where they are without a config ``source`` (None: $CSRAE_DATA/<name>;
    a generated dataset has no files); ``splits``: its train / validation / test sizes as prepared from its
    published files; ``paper``: the paper dataset it is compared with, ``paper_splits`` (on a paper dataset)
    that one's train / validation / test sizes (Table V)."""

    name: str
    read: Callable[[Path | None, bool], Splits]
    likelihood: str
    architecture: str
    image_shape: tuple[int, ...] | None = None
    binarize: bool = False
    labelled: bool = True
    fid_classifier: str | None = None
    files: tuple[SourceFile, ...] = ()
    default_source: Path | None = None
    file_folder: Callable[[Path], Path] = Path  # where the files lie in a source folder (CIFAR10: a subfolder)
    fetch: Callable[[Path], Path] | None = None  # a download other than the files one by one (an archive)
    splits: tuple[int, int, int] | None = None
    paper: str | None = None
    paper_splits: tuple[int, int, int] | None = None
    declared: dict = field(default_factory=dict)  # what a config declares of its own arrays (identity)
    source: str | None = field(default=None, compare=False)  # the plugin file that registered it

    def __post_init__(self):
        if not NAME.fullmatch(self.name):
            raise ValueError(f"dataset name {self.name!r}: use letters, digits, '_' and '-', starting with a letter")

    def check_modelled(self) -> None:
        """That its architecture and likelihood exist (imports torch: checked when prepared; a config's own
        arrays are checked by the config schema before any job)."""
        from csrae.likelihoods import LIKELIHOODS
        from csrae.networks import ARCHITECTURES

        if self.architecture not in ARCHITECTURES or self.likelihood not in LIKELIHOODS:
            raise ValueError(
                f"dataset {self.name}: architecture must be one of {sorted(ARCHITECTURES)} and likelihood one of "
                f"{sorted(LIKELIHOODS)}; got {self.architecture!r} and {self.likelihood!r}"
            )

    @property
    def is_image(self) -> bool:
        return self.image_shape is not None

    def source_path(self, path: str | Path | None) -> Path | None:
        """Where the dataset's files are: ``path``, else its default source (None for a generated one)."""
        if path is not None:
            return Path(path)
        if self.default_source is not None:
            return self.default_source
        return Path(os.environ.get("CSRAE_DATA", "data")) / self.name if self.files else None

    def prepare(self, path: str | Path | None = None, verify: str = "checksum") -> Dataset:
        """Read and check the splits (:func:`check_splits`) into a :class:`Dataset`."""
        if verify not in VERIFY:
            raise ValueError(f"verify must be one of {VERIFY}, got {verify!r}")
        self.check_modelled()
        splits = self.read(self.source_path(path), verify == "checksum")
        x, y = check_splits(self, splits)
        provenance = splits.provenance | plugins.source_digest(self.source)
        return Dataset(self.name, x, y, self.likelihood, self.architecture, self.image_shape, self.binarize, provenance)

    def check_sources(self, path: str | Path | None = None) -> None:
        """Fail early, naming the file, where it goes and where it comes from, if a source file is absent
        (checksums and contents are checked when the dataset is read)."""
        folder = self.source_path(path)
        if not self.files or folder is None:
            return
        folder = self.file_folder(folder)
        for source in self.files:
            candidates = (folder / source.name, folder / source.name.removesuffix(".gz"))
            if not any(c.is_file() for c in candidates):
                raise missing_file_error(folder / source.name, source.url, self.name)

    def download(self, directory: str | Path) -> Path:
        """Fetch the published files into ``directory`` (checksums verified; needs network access)."""
        if self.fetch is not None:
            return self.fetch(Path(directory))
        if not self.files:
            raise ValueError(f"{self.name!r} needs no download; downloadable: {downloadable()}")
        download(self.files, Path(directory))
        return Path(directory)


def check_splits(entry: DatasetType, splits: Splits) -> tuple[dict, dict]:
    """``x`` as float32 ``[n, features]`` and ``y`` as int64 (−1 where unlabelled), or a
    :class:`DatasetFileError` naming the array and the problem: every split present and non-empty, one shape
    per point (``[n, features]``, or with an image shape ``[n, *image_shape]``), finite values in the
    likelihood's range, integer labels in ``[0, classes)`` or −1, one per point."""
    where = f"dataset {entry.name}"
    labels = splits.y if entry.labelled else {}
    missing = [f"x_{s}" for s in SPLITS if s not in splits.x] + [f"y_{s}" for s in SPLITS if s not in (labels or {})]
    if missing and (entry.labelled or any(m.startswith("x") for m in missing)):
        raise DatasetFileError(f"{where}: the arrays lack {', '.join(missing)}")
    x = {s: np.asarray(splits.x[s]) for s in SPLITS}
    for split, array in x.items():
        if array.ndim == 0 or len(array) == 0:
            raise DatasetFileError(f"{where}: x_{split} is empty; every split needs points")
    point_shapes = {x[s].shape[1:] for s in SPLITS}
    image = tuple(entry.image_shape or ())
    allowed = {image, (int(np.prod(image)),)} if image else {shape for shape in point_shapes if len(shape) == 1}
    if len(point_shapes) != 1 or not point_shapes <= allowed:
        found = ", ".join(f"x_{s} {x[s].shape}" for s in SPLITS)
        want = " or ".join(f"[n, {', '.join(map(str, shape))}]" for shape in sorted(allowed)) if image else None
        raise DatasetFileError(
            f"{where}: every split must be {want or '[n, features], the same features'}; got {found}"
        )
    low, high = LIKELIHOOD_RANGES.get(entry.likelihood, (-np.inf, np.inf))
    for split, array in x.items():
        if not np.issubdtype(array.dtype, np.integer) and not np.issubdtype(array.dtype, np.floating):
            raise DatasetFileError(f"{where}: x_{split} holds {array.dtype} values, not real numbers")
        if not np.isfinite(array).all():
            raise DatasetFileError(f"{where}: x_{split} holds NaN or infinite values")
        if array.min() < low or array.max() > high:
            raise DatasetFileError(
                f"{where}: x_{split} has values in [{array.min():g}, {array.max():g}], but a {entry.likelihood} "
                f"likelihood models values in [{low:g}, {high:g}]: scale the inputs (e.g. pixels / 255)"
            )
    x = {s: x[s].astype(np.float32, copy=False).reshape(len(x[s]), -1) for s in SPLITS}
    if not entry.labelled:
        return x, {s: np.full(len(x[s]), -1, dtype=np.int64) for s in SPLITS}
    y = {s: np.asarray(labels[s]) for s in SPLITS}
    for split, array in y.items():
        if not np.issubdtype(array.dtype, np.integer):
            raise DatasetFileError(f"{where}: y_{split} holds {array.dtype} values; labels are integers (classes)")
        if array.shape != (len(x[split]),):
            raise DatasetFileError(f"{where}: y_{split} has shape {array.shape}, expected one label per point")
    classes = len(np.unique(np.concatenate([y[s][y[s] >= 0] for s in SPLITS])))
    for split, array in y.items():
        if ((array < -1) | (array >= classes)).any():
            raise DatasetFileError(
                f"{where}: y_{split} has labels in [{array.min()}, {array.max()}]; with {classes} classes they must "
                f"be 0 to {classes - 1} (-1: unlabelled): number the classes 0, 1, ..."
            )
    return x, {s: y[s].astype(np.int64, copy=False) for s in SPLITS}


DATASETS: dict[str, DatasetType] = {}


def register(entry: DatasetType) -> DatasetType:
    """Add a dataset to the registry (a plugin's records its file, :mod:`csrae.plugins`)."""
    DATASETS[entry.name] = dataclasses.replace(entry, source=entry.source or plugins.loading())
    return DATASETS[entry.name]


def dataset(name: str) -> DatasetType:
    """The registered dataset ``name``, or a ValueError listing them and how to add one."""
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}, give its arrays in the config "
            "(datasets.<name>: source, architecture, likelihood) or register its loader in a plugin "
            "(docs/library.md, 'Your own dataset')"
        )
    return DATASETS[name]


def downloadable() -> list[str]:
    return sorted(name for name, entry in DATASETS.items() if entry.files or entry.fetch)


def paper_dataset(name: str) -> str:
    """The paper dataset a dataset is compared with (itself where it is one, or not registered: faces)."""
    return DATASETS[name].paper or name if name in DATASETS else name


def paper_splits(name: str) -> tuple[int, int, int] | None:
    """The paper's train / validation / test sizes of the paper dataset ``name`` stands for (Table V)."""
    paper = paper_dataset(name)
    return DATASETS[paper].paper_splits if paper in DATASETS else None


def register_dataset(name: str, arrays: Callable[[Path | None], Mapping[str, np.ndarray]], **declared) -> DatasetType:
    """Register a dataset whose ``arrays(source)`` returns ``x_train``, ``x_val``, ``x_test`` (and ``y_*``
    when ``labelled``); ``declared``: the other fields of :class:`DatasetType` (architecture, likelihood, ...)."""
    labelled = declared.pop("labelled", True)

    def read(path: Path | None, strict: bool) -> Splits:
        found = arrays(path)
        y = {s: found[f"y_{s}"] for s in SPLITS if f"y_{s}" in found} if labelled else None
        x = {s: found[f"x_{s}"] for s in SPLITS if f"x_{s}" in found}
        return Splits(x, y, {"source": str(path) if path else None})

    return register(DatasetType(name, read, labelled=labelled, **declared))


ARRAYS_HELP = "a .npz file with arrays x_train, x_val, x_test ([n, features]) and optionally y_train, y_val, y_test"
DECLARED = ("architecture", "likelihood", "image_shape", "binarize", "fid_classifier")  # a config's own arrays


def npz_arrays(path: Path | None) -> dict[str, np.ndarray]:
    """The arrays of a ``.npz`` file (read with ``allow_pickle=False``)."""
    if path is None or not Path(path).is_file():
        raise DatasetFileError(f"dataset file {path} is missing: give {ARRAYS_HELP} as the dataset's `source`")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError) as error:
        raise DatasetFileError(f"cannot read {path} as a .npz file ({error}); give {ARRAYS_HELP}") from error


def npz_labelled(path: Path) -> bool:
    """Whether a ``.npz`` file holds labels for every split (read from its directory, not its arrays)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = {name.removesuffix(".npy") for name in archive.namelist()}
    except FileNotFoundError:
        raise DatasetFileError(
            f"dataset file {path} is missing: give {ARRAYS_HELP} as the dataset's `source`"
        ) from None
    except (OSError, zipfile.BadZipFile) as error:
        raise DatasetFileError(f"cannot read {path} as a .npz file ({error}); give {ARRAYS_HELP}") from error
    return all(f"y_{s}" in names for s in SPLITS)


def declare(name: str, settings: dict) -> DatasetType:
    """A dataset of a workflow config: registered already (the package's, a plugin's), or arrays the config
    declares (``architecture`` and ``likelihood`` with a .npz ``source``); else a ValueError naming the key
    and saying how to add it."""
    if "architecture" not in settings:
        try:
            return dataset(name)
        except ValueError as error:
            raise ValueError(f"datasets.{name}: {error}") from None
    source = Path(settings["source"])
    try:
        labelled = npz_labelled(source)
    except DatasetFileError as error:
        raise ValueError(f"datasets.{name}.source: {error}") from None

    def read(path: Path | None, strict: bool) -> Splits:
        found = npz_arrays(path)
        y = {s: found[f"y_{s}"] for s in SPLITS if f"y_{s}" in found}
        return Splits({s: found[f"x_{s}"] for s in SPLITS if f"x_{s}" in found}, y, {"source": str(path)})

    declared = {key: settings[key] for key in DECLARED if key in settings}
    shape = tuple(settings["image_shape"]) if settings.get("image_shape") else None
    entry = DatasetType(
        name, read, settings["likelihood"], settings["architecture"], shape, settings.get("binarize", False),
        labelled, settings.get("fid_classifier"), default_source=source, declared=declared,
    )  # fmt: skip
    DATASETS[name] = entry
    return entry
