"""Facial action unit datasets (DISFA, FERA2015) in one documented on-disk layout.

DISFA and FERA2015 are licensed: the user obtains them from their owners,
aligns the frames (Appendix B: a similarity transform on the eye centres to
256×256) and writes them in this layout::

    <root>/index.csv           one row per frame
    <root>/<frame>             the frame: an RGB image (PNG or JPEG), 256×256

``index.csv`` has the columns ``frame`` (path relative to the root),
``subject`` (any identifier) and one intensity column per action unit,
``AU<n>``, with integer intensities 0–5 (FACS A–E = 1–5).  Intensities of 2
and more are positive (Sec. 4.1).  Extra columns are ignored.

Splits are subject-independent: subjects go round-robin, after a seeded
shuffle, into three folds; fold f tests on its subjects and trains on the
others, holding out a random tenth of their frames for validation (the
paper's Table V ratios).  Training frames are randomly cropped to 224×224,
mirrored and rotated by up to ±10°; validation and test frames are centre
cropped (:mod:`csrae.data.face_frames`).  Pixels stay on the k/255 grid for the discretised logistic.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from csrae.data.download import DatasetFileError

ACTION_UNITS = {"disfa": (1, 2, 4, 6, 9, 12, 25, 26), "fera2015": (6, 10, 12, 14, 17)}
INDEX = "index.csv"
FRAME_SIZE, CROP, MAX_ROTATION = 256, 224, 10.0
POSITIVE_INTENSITY = 2
N_FOLDS, VAL_FRACTION = 3, 0.1
LAYOUT_HELP = (
    "The layout is <root>/index.csv with columns frame, subject, {columns} (integer intensities 0-5) "
    "and the aligned 256×256 RGB frames under <root> (README, 'Facial action units')."
)


def columns(dataset: str) -> list[str]:
    return [f"AU{au}" for au in ACTION_UNITS[dataset]]


@dataclass
class FaceIndex:
    """The validated index: frame paths, subjects and AU intensities ``[n, L]``."""

    dataset: str
    root: Path
    frames: list[str]
    subjects: np.ndarray
    intensities: np.ndarray

    @property
    def labels(self) -> np.ndarray:
        """Binary AU labels ``[n, L]``: intensity ≥ 2."""
        return (self.intensities >= POSITIVE_INTENSITY).astype(np.int64)


def read_index(dataset: str, root: str | Path, check_frames: bool = True) -> FaceIndex:
    """Read and check ``<root>/index.csv``; errors name the file, the column or the row."""
    root = Path(root)
    path = root / INDEX
    wanted = columns(dataset)
    help_text = LAYOUT_HELP.format(columns=", ".join(wanted))
    if not path.is_file():
        raise DatasetFileError(
            f"{dataset}: {path} is missing. {dataset} is licensed: request it from its owners "
            "(DISFA: Mavadati et al. 2013; FERA2015: Valstar et al. 2015), align the frames and write them there. "
            + help_text
        )
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("frame", "subject", *wanted) if c not in (reader.fieldnames or [])]
        if missing:
            raise DatasetFileError(f"{path} lacks the column(s) {', '.join(missing)}. " + help_text)
        frames, subjects, intensities = [], [], []
        for line, row in enumerate(reader, start=2):
            frames.append(row["frame"])
            subjects.append(row["subject"])
            intensities.append([_intensity(row[c], path, line, c) for c in wanted])
    if not frames:
        raise DatasetFileError(f"{path} has no rows. " + help_text)
    duplicates = len(frames) - len(set(frames))
    if duplicates:
        raise DatasetFileError(f"{path} lists {duplicates} frame(s) more than once; each row must be a distinct frame")
    if len(set(subjects)) < N_FOLDS:
        raise DatasetFileError(
            f"{path} has {len(set(subjects))} subject(s); subject-independent {N_FOLDS}-fold "
            f"cross-validation needs at least {N_FOLDS}"
        )
    if check_frames:
        absent = [f for f in frames if not (root / f).is_file()]
        if absent:
            raise DatasetFileError(f"{len(absent)} frame(s) listed in {path} are missing, e.g. {root / absent[0]}")
    return FaceIndex(dataset, root, frames, np.array(subjects), np.array(intensities, dtype=np.int64))


def _intensity(text: str, path: Path, line: int, column: str) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= 5:
        raise DatasetFileError(f"{path}, line {line}, column {column}: {text!r} is not an intensity 0-5")
    return value


def subject_folds(subjects: np.ndarray, seed: int = 0, n_folds: int = N_FOLDS) -> np.ndarray:
    """Fold of every frame: subjects shuffled with ``seed``, then dealt round-robin into ``n_folds``."""
    names = np.unique(subjects)
    order = np.random.default_rng(seed).permutation(len(names))
    fold_of = {names[i]: k % n_folds for k, i in enumerate(order)}
    return np.array([fold_of[s] for s in subjects])


def fold_split(index: FaceIndex, fold: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Train/val/test frame indices of ``fold``: test = its subjects; val = a random tenth of the rest."""
    if not 0 <= fold < N_FOLDS:
        raise ValueError(f"fold must be 0..{N_FOLDS - 1}, got {fold}")
    folds = subject_folds(index.subjects, seed)
    rest = np.random.default_rng(seed + fold).permutation(np.flatnonzero(folds != fold))
    n_val = round(VAL_FRACTION * len(rest))
    return {"train": np.sort(rest[n_val:]), "val": np.sort(rest[:n_val]), "test": np.flatnonzero(folds == fold)}
