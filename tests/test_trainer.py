"""Training: warm-up, divergence errors, and resuming a killed run exactly."""

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from csrae.data import Dataset
from csrae.run import RunSpec, train_run
from csrae.trainer import CHECKPOINT, TrainConfig, TrainingDiverged, warmup_weight


def test_warmup_is_linear_from_zero():
    assert [warmup_weight(2.0, e, 4) for e in range(6)] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]
    assert warmup_weight(2.0, 0, 0) == 2.0


def train_command(data_dir, out_dir, epochs):
    return [
        sys.executable, "-m", "csrae.cli", "train", "--data", str(data_dir), "--model", "MixtureCSRAE",
        "--hp", "lambda=1", "--hp", "K=4", "--hp", "prior=mog", "--latent-dim", "2", "--epochs", str(epochs),
        "--warmup", "5", "--patience", "100", "--out", str(out_dir),
    ]  # fmt: skip


def test_killed_run_resumes_to_the_same_result(pinwheel_dir, tmp_path):
    epochs = 40
    reference = tmp_path / "reference"
    subprocess.run(train_command(pinwheel_dir, reference, epochs), check=True, capture_output=True)

    resumed = tmp_path / "resumed"
    process = subprocess.Popen(train_command(pinwheel_dir, resumed, epochs), stderr=subprocess.DEVNULL)
    checkpoint = resumed / "state" / CHECKPOINT
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if checkpoint.exists() and torch.load(checkpoint, weights_only=True)["epoch"] >= 5:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = torch.load(checkpoint, weights_only=True)["epoch"]
    assert 5 <= killed_at < epochs, "the run was not killed mid-training"
    assert not (resumed / "summary.json").exists()

    result = subprocess.run(train_command(pinwheel_dir, resumed, epochs), check=True, capture_output=True, text=True)
    assert f"resumed from {checkpoint} at epoch {killed_at}" in result.stdout

    expected = json.loads((reference / "summary.json").read_text())
    actual = json.loads((resumed / "summary.json").read_text())
    assert actual["best"] == expected["best"] and actual["epochs_run"] == expected["epochs_run"] == epochs
    assert (resumed / "history.csv").read_text() == (reference / "history.csv").read_text()
    for key, value in torch.load(reference / "model.pt", weights_only=True)["state_dict"].items():
        torch.testing.assert_close(
            torch.load(resumed / "model.pt", weights_only=True)["state_dict"][key], value, rtol=0, atol=0
        )


def test_non_finite_loss_names_epoch_step_and_terms(pinwheel_dir, tmp_path):
    data = Dataset.load(pinwheel_dir)
    data.x["train"] = data.x["train"].copy()
    data.x["train"][:] = np.nan
    spec = RunSpec("pinwheel", "CSRAE", {"lambda": 1.0}, 2, TrainConfig(epochs=2, warmup=0))
    with pytest.raises(TrainingDiverged, match=r"epoch 0, step 0: loss=nan, reconstruction=nan, regulariser="):
        train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lambda *_: None)


def test_checkpoint_from_other_settings_is_refused(pinwheel_dir, tmp_path):
    data = Dataset.load(pinwheel_dir)
    spec = RunSpec("pinwheel", "CSRAE", {"lambda": 1.0}, 2, TrainConfig(epochs=1, warmup=0))
    train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lambda *_: None)
    spec.train = TrainConfig(epochs=1, warmup=0, lr=1e-3)
    with pytest.raises(ValueError, match="delete it to start afresh"):
        train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lambda *_: None)


def test_early_stopping_keeps_the_best_epoch(pinwheel_dir, tmp_path):
    data = Dataset.load(pinwheel_dir)
    spec = RunSpec("pinwheel", "VAE", {"beta": 1.0}, 2, TrainConfig(epochs=200, warmup=0, patience=3, lr=5e-2))
    summary = train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lambda *_: None)
    history = np.genfromtxt(tmp_path / "out" / "history.csv", delimiter=",", names=True)
    assert summary["epochs_run"] < 200
    assert summary["epochs_run"] - 1 - summary["best_epoch"] == 3
    assert history["val_loss"][summary["best_epoch"]] == history["val_loss"].min()
