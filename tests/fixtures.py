"""What the tests share: small copies of each dataset written in the exact on-disk format the published files
use, small in-memory datasets and specs, and running the real Snakefile."""

import csv
import gzip
import pickle
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import scipy.io
import yaml

from csrae.data import Dataset
from csrae.data.mnist import IDX_NAMES

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "workflow" / "Snakefile"


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


# Where each action unit of the synthetic faces shows: (x, y) of a mark on the 256×256 frame.
AU_MARKS = {1: (112, 84), 2: (84, 80), 4: (128, 96), 6: (88, 140), 9: (128, 130), 10: (128, 150),
            12: (96, 168), 14: (160, 168), 17: (128, 200), 25: (128, 176), 26: (128, 188)}  # fmt: skip


def write_faces(root: Path, dataset: str = "disfa", subjects: int = 6, frames: int = 10, seed: int = 0) -> None:
    """A synthetic face set in the layout of :mod:`csrae.data.faces`: aligned 256×256 PNG faces whose
    action units show as dark marks growing with intensity, and ``index.csv``."""
    from PIL import Image, ImageDraw

    from csrae.data.faces import ACTION_UNITS

    rng = np.random.default_rng(seed)
    units = ACTION_UNITS[dataset]
    rows = []
    for s in range(subjects):
        tone, shift = rng.integers(150, 230), rng.integers(-6, 7, 2)
        rates = rng.uniform(0.2, 0.6, len(units))  # each subject shows each unit at its own rate
        for f in range(frames):
            active = rng.random(len(units)) < rates
            intensity = np.where(active, rng.integers(2, 6, len(units)), rng.integers(0, 2, len(units)))
            image = Image.new("RGB", (256, 256), (60, 60, 70))
            draw = ImageDraw.Draw(image)
            cx, cy = 128 + shift[0], 128 + shift[1]
            draw.ellipse((cx - 80, cy - 100, cx + 80, cy + 100), fill=(tone, int(tone * 0.8), int(tone * 0.7)))
            for ex in (cx - 32, cx + 32):
                draw.ellipse((ex - 10, cy - 30, ex + 10, cy - 20), fill=(30, 30, 30))
            for au, level in zip(units, intensity):
                x, y = AU_MARKS[au][0] + shift[0], AU_MARKS[au][1] + shift[1]
                r = 2 + 3 * int(level)
                draw.ellipse((x - r, y - r // 2, x + r, y + r // 2), fill=(90 - 10 * int(level), 20, 20))
            name = f"subject{s}/frame{f:04d}.png"
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            image.save(root / name)
            rows.append([name, f"S{s:02d}", *intensity.tolist()])
    header = ["frame", "subject", *(f"AU{au}" for au in units)]
    lines = [",".join(header)] + [",".join(map(str, row)) for row in rows]
    (root / "index.csv").write_text("\n".join(lines) + "\n")


WRITERS = {  # dataset name -> writer of its source files in a directory
    "static_mnist": write_amat,
    "dynamic_mnist": write_mnist_idx,
    "fashion_mnist": write_mnist_idx,
    "omniglot": write_omniglot,
    "caltech101": write_caltech,
    "cifar10": write_cifar10,
}


def snakemake(workdir, *args, check=True, python=sys.executable, snakefile=SNAKEFILE):
    """``snakemake -d workdir *args`` run from ``workdir`` by ``python``; ``snakefile`` None: the workdir's own."""
    command = [str(python), "-m", "snakemake", *(["-s", str(snakefile)] if snakefile else []), "-d", str(workdir)]
    result = subprocess.run([*command, *args], cwd=workdir, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def planned_jobs(dry_run_output: str) -> list[dict]:
    """The jobs a ``snakemake -n`` printed: each one's ``rule``, ``wildcards`` and evaluated ``resources``
    (numbers as ints)."""
    jobs = []
    for line in dry_run_output.splitlines():
        if match := re.match(r"^(?:local)?rule (\w+):$", line):
            jobs.append({"rule": match[1], "wildcards": {}, "resources": {}})
        elif jobs and (match := re.match(r"^    (wildcards|resources): (.*)$", line)):
            pairs = re.findall(r"(\w+)=(.*?)(?=, \w+=|$)", match[2])
            jobs[-1][match[1]] = {key: int(value) if value.isdigit() else value for key, value in pairs}
    return jobs


def workdir_with(tmp_path, config_path):
    """``tmp_path`` with ``config_path`` as its config/config.yaml."""
    (tmp_path / "config").mkdir(parents=True, exist_ok=True)
    shutil.copy(config_path, tmp_path / "config" / "config.yaml")
    return tmp_path


def with_synthetic_faces(workdir):
    """Add the synthetic face set (3 subjects, 8 frames each) as DISFA to the semi-supervised study."""
    write_faces(workdir / "faces" / "disfa", "disfa", subjects=3, frames=8)
    config_path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    training = {"epochs": 2, "pretrain_epochs": 1, "batch_size": 8, "eval_batch_size": 8}
    config["semisupervised"]["datasets"]["disfa"] = {"source": "faces/disfa", "labels": [0.5], "training": training}
    config_path.write_text(yaml.safe_dump(config))
    return workdir


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def two_clusters(sizes=(600, 200, 200), dim=16, seed=0) -> Dataset:
    """Two classes in [0, 1]^dim: half the dimensions near 0.2 or 0.8 by class, half uniform noise."""
    rng = np.random.default_rng(seed)
    x, y = {}, {}
    for split, n in zip(("train", "val", "test"), sizes):
        labels = rng.integers(0, 2, n)
        centres = np.where(labels[:, None] == 1, 0.8, 0.2) * np.ones((1, dim))
        points = np.clip(centres + 0.25 * rng.standard_normal((n, dim)), 0, 1)
        points[:, : dim // 2] = rng.random((n, dim // 2))
        x[split], y[split] = points.astype(np.float32), labels
    return Dataset("two_clusters", x, y, "bernoulli", "mlp300", None, binarize=True)


def ssl_spec(model="CSRAE", hparams=None, epochs=12, **config):
    """A semi-supervised spec on :func:`two_clusters` with ten labels."""
    from csrae.run import RunSpec
    from csrae.semisupervised.training import SemiSupervisedConfig, SemiSupervisedSpec

    hparams = hparams or {"lambda": 1.0, "alpha": 10.0}
    settings = {"epochs": epochs, "warmup": 2, "patience": epochs, "batch_size": 50, "seed": 0} | config
    return SemiSupervisedSpec(RunSpec("two_clusters", model, hparams, 4, SemiSupervisedConfig(**settings)), labels=10)
