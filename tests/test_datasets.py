"""The paper's image datasets, loaded from fixture files in their exact on-disk formats."""

import gzip
import os
import pickle

import numpy as np
import pytest

from csrae.data import DatasetFileError, prepare_dataset
from csrae.data.mnist import DEBIAN_FASHION_MNIST
from tests.fixtures import WRITERS, write_cifar10, write_mnist_idx

SIZES = {  # fixture split sizes through each loader's split rule
    "static_mnist": (60, 20, 20),
    "dynamic_mnist": (100, 20, 40),
    "fashion_mnist": (100, 20, 40),
    "omniglot": (190, 10, 40),
    "caltech101": (80, 30, 30),
    "cifar10": (90, 10, 20),
}


@pytest.fixture(params=sorted(WRITERS))
def fixture(request, tmp_path):
    name = request.param
    WRITERS[name](tmp_path)
    return name, tmp_path


def test_loads_with_paper_splits_and_orientation(fixture):
    name, directory = fixture
    data = prepare_dataset(name, directory, verify="shape")
    assert tuple(len(data.x[s]) for s in ("train", "val", "test")) == SIZES[name]
    for split in ("train", "val", "test"):
        x = data.x[split]
        assert x.dtype == np.float32 and x.shape[1] == data.data_dim == int(np.prod(data.image_shape))
        assert 0.0 <= x.min() and x.max() <= 1.0
        # every fixture image has a bright block in rows 0..13, columns 0..6: stored order is undone
        image = x[0].reshape(data.image_shape)
        side = data.image_shape[-1]
        assert (image[:, : side // 2, : side // 4] == 1.0).all(), name
        assert image[:, side // 2 :, side // 2 :].mean() < 0.5, name
    labelled = data.y["train"] >= 0
    assert labelled.all() == (name != "static_mnist")
    assert data.likelihood == ("logistic" if name == "cifar10" else "bernoulli")


def test_strict_mode_checks_checksums_or_published_sizes(fixture):
    name, directory = fixture
    with pytest.raises(DatasetFileError, match="corrupt or truncated|expected"):
        prepare_dataset(name, directory)


def test_missing_files_name_path_url_and_command(tmp_path):
    for name in WRITERS:
        with pytest.raises(DatasetFileError, match=rf"missing.*https?://.*place it at {tmp_path}.*csrae download"):
            prepare_dataset(name, tmp_path)


def test_default_source_is_under_csrae_data(tmp_path, monkeypatch):
    monkeypatch.setenv("CSRAE_DATA", str(tmp_path))
    with pytest.raises(DatasetFileError, match=str(tmp_path / "omniglot" / "chardata.mat")):
        prepare_dataset("omniglot")


def test_truncated_idx_and_foreign_files_are_reported(tmp_path):
    write_mnist_idx(tmp_path)
    images = tmp_path / "train-images-idx3-ubyte.gz"
    raw = gzip.decompress(images.read_bytes())
    images.write_bytes(gzip.compress(raw[:-100]))
    with pytest.raises(DatasetFileError, match="truncated or corrupt.*promises shape"):
        prepare_dataset("dynamic_mnist", tmp_path, verify="shape")
    images.write_bytes(images.read_bytes()[:50])
    with pytest.raises(DatasetFileError, match="cannot read"):
        prepare_dataset("dynamic_mnist", tmp_path, verify="shape")
    (tmp_path / "chardata.mat").write_bytes(b"not a matlab file")
    with pytest.raises(DatasetFileError, match="cannot read .* as a MATLAB file"):
        prepare_dataset("omniglot", tmp_path, verify="shape")


def test_uncompressed_idx_files_beside_torchvision_raw(tmp_path):
    write_mnist_idx(tmp_path)
    for gz in tmp_path.glob("*.gz"):
        gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    assert len(prepare_dataset("dynamic_mnist", tmp_path, verify="shape").x["train"]) == 100


def test_cifar_batches_cannot_run_code(tmp_path):
    write_cifar10(tmp_path)

    class Exploit:
        def __reduce__(self):
            return (os.system, ("touch pwned",))

    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps({b"data": Exploit()}))
    with pytest.raises(DatasetFileError, match="refusing to load"):
        prepare_dataset("cifar10", tmp_path, verify="shape")
    assert not (tmp_path / "pwned").exists()


@pytest.mark.skipif(not DEBIAN_FASHION_MNIST.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_from_debian():
    data = prepare_dataset("fashion_mnist")  # MD5s checked, published sizes checked
    assert {s: len(v) for s, v in data.x.items()} == {"train": 50000, "val": 10000, "test": 10000}
    assert np.bincount(data.y["test"]).tolist() == [1000] * 10


def test_download_fetches_verifies_and_extracts(tmp_path, monkeypatch):
    import dataclasses
    import tarfile

    import csrae.data
    import csrae.data.cifar as cifar_module
    from csrae.data.download import SourceFile, digest
    from csrae.data.registry import DATASETS

    mirror = tmp_path / "mirror"
    write_mnist_idx(mirror)
    files = tuple(SourceFile(p.name, p.as_uri(), (digest(p, "md5"),)) for p in sorted(mirror.glob("*.gz")))
    mnist = DATASETS["dynamic_mnist"]
    monkeypatch.setitem(DATASETS, "dynamic_mnist", dataclasses.replace(mnist, files=files))
    target = csrae.data.download_dataset("dynamic_mnist", tmp_path / "mnist")
    assert len(prepare_dataset("dynamic_mnist", target, verify="shape").x["test"]) == 40

    corrupt = (SourceFile(files[0].name, files[0].url, ("0" * 32,)),)
    monkeypatch.setitem(DATASETS, "dynamic_mnist", dataclasses.replace(mnist, files=corrupt))
    with pytest.raises(DatasetFileError, match="MD5 .* expected 0{32}"):
        csrae.data.download_dataset("dynamic_mnist", tmp_path / "other")

    write_cifar10(tmp_path / "cifar_src")
    archive = mirror / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "cifar_src" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    monkeypatch.setattr(cifar_module, "URL", archive.as_uri())
    monkeypatch.setattr(cifar_module, "TAR_MD5", digest(archive, "md5"))
    folder = csrae.data.download_dataset("cifar10", tmp_path / "cifar")
    assert len(prepare_dataset("cifar10", folder, verify="shape").x["val"]) == 10
