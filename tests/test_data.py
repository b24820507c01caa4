"""Datasets: toy generators, the real mnist5k file, fixtures in its format, clear errors."""

import gzip

import numpy as np
import pandas as pd
import pytest

from csrae.data import Dataset, DatasetFileError, gmm1d_samples, prepare_dataset
from csrae.data.download import fetch, sha256
from csrae.data.mnist5k import SHA256, default_path
from csrae.data.toy import pinwheel_samples


def test_gmm1d_is_the_papers_mixture():
    x = gmm1d_samples(20000, seed=0)[:, 0]
    assert x.shape == (20000,)
    assert abs(x.mean()) < 0.1
    assert x.var() == pytest.approx(10.0, rel=0.03)  # 9 (means) + 1 (unit variance)
    assert (x > 0).mean() == pytest.approx(0.5, abs=0.02)


def test_pinwheel_arms_and_spread():
    points, labels = pinwheel_samples(seed=0)
    assert points.shape == (4000, 2) and np.bincount(labels).tolist() == [1000] * 4
    radius = np.linalg.norm(points, axis=1)
    assert np.median(radius) == pytest.approx(1.0, abs=0.05)  # radial mean 1, radial std 0.05
    # each arm occupies its own angular sector near radius 1
    angles = np.angle(points[:, 0] + 1j * points[:, 1])
    for arm in range(4):
        mean_direction = np.angle(np.exp(1j * angles[labels == arm]).mean())
        expected = -(2 * np.pi * arm / 4 + 0.25 * np.e)  # clockwise, as in Johnson et al.'s code
        assert np.angle(np.exp(1j * (mean_direction - expected))) == pytest.approx(0.0, abs=0.15)


def test_pinwheel_split_is_deterministic_and_stratified():
    a, b = prepare_dataset("pinwheel"), prepare_dataset("pinwheel")
    assert {s: len(a.x[s]) for s in a.x} == {"train": 3000, "val": 500, "test": 500}
    np.testing.assert_array_equal(a.x["test"], b.x["test"])
    assert np.bincount(a.y["val"]).tolist() == [125] * 4


def test_real_mnist5k_file():
    data = prepare_dataset("mnist5k")
    assert sha256(default_path()) == SHA256
    assert {s: len(data.x[s]) for s in data.x} == {"train": 4000, "val": 500, "test": 500}
    assert np.bincount(data.y["train"]).tolist() == [400] * 10
    assert data.x["train"].min() == 0.0 and data.x["train"].max() == 1.0
    assert set(np.unique(data.inputs("val").numpy())) == {0.0, 1.0}
    np.testing.assert_array_equal(data.inputs("test").numpy(), data.inputs("test").numpy())


def write_fixture(path, rows=5000, columns=785):
    rng = np.random.default_rng(0)
    table = np.concatenate(
        [rng.integers(0, 256, (rows, columns - 1)), np.repeat(np.arange(10), rows // 10)[:, None]], 1
    )
    with gzip.open(path, "wt", compresslevel=1) as f:
        pd.DataFrame(table).to_csv(f, header=False, index=False)  # as np.savetxt(fmt="%d") writes it, faster


def test_fixture_in_the_exact_format_loads(tmp_path):
    write_fixture(tmp_path / "mnist_5k.csv.gz")
    data = prepare_dataset("mnist5k", tmp_path / "mnist_5k.csv.gz", verify="shape")
    assert data.x["test"].shape == (500, 784) and data.image_shape == (1, 28, 28)


def test_missing_file_says_where_and_how(tmp_path):
    with pytest.raises(DatasetFileError, match=r"missing.*Download it from https://.*mnist_5k.csv.gz.*place it at"):
        prepare_dataset("mnist5k", tmp_path / "absent.csv.gz")


def test_corrupt_or_truncated_files_are_refused(tmp_path):
    path = tmp_path / "mnist_5k.csv.gz"
    write_fixture(path)
    with pytest.raises(DatasetFileError, match="corrupt or truncated.*download it again"):
        prepare_dataset("mnist5k", path)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(DatasetFileError, match="cannot read"):
        prepare_dataset("mnist5k", path, verify="shape")
    write_fixture(path, rows=100)
    with pytest.raises(DatasetFileError, match=r"has shape \(100, 785\)"):
        prepare_dataset("mnist5k", path, verify="shape")


def test_fetch_verifies_the_checksum(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"csrae" * 100)
    target = tmp_path / "cache" / "file.bin"
    assert fetch(source.as_uri(), target, sha256(source)).read_bytes() == source.read_bytes()
    with pytest.raises(DatasetFileError, match="corrupt"):
        fetch(source.as_uri(), tmp_path / "other.bin", "0" * 64)


def test_prepared_dataset_round_trip_and_missing_error(tmp_path):
    data = prepare_dataset("pinwheel")
    data.save(tmp_path / "p")
    loaded = Dataset.load(tmp_path / "p")
    np.testing.assert_array_equal(loaded.x["train"], data.x["train"])
    assert loaded.meta() == data.meta()
    with pytest.raises(FileNotFoundError, match="csrae prepare"):
        Dataset.load(tmp_path / "nothing")
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        prepare_dataset("cifar")
