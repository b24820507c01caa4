"""Training: warm-up, divergence as an outcome, and resuming a killed run exactly."""

import numpy as np
import pytest
import torch

from csrae.data import Dataset
from csrae.run import RunSpec, read_saved, train_run
from csrae.trainer import CHECKPOINT, TrainConfig, warmup_weight


def test_warmup_is_linear_from_zero():
    assert [warmup_weight(2.0, e, 4) for e in range(6)] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]
    assert warmup_weight(2.0, 0, 0) == 2.0


def test_killed_run_resumes_to_the_same_result(pinwheel_dir, tmp_path, monkeypatch):
    data = Dataset.load(pinwheel_dir)
    spec = RunSpec(
        "pinwheel", "MixtureCSRAE", {"lambda": 1.0, "K": 4, "prior": "mog"}, 2, TrainConfig(epochs=12, warmup=5)
    )
    reference = train_run(spec, data, tmp_path / "reference", tmp_path / "reference_state", log=lambda *_: None)

    batch, calls = Dataset.training_batch, []

    def killed_mid_epoch_seven(self, indices, generator):
        calls.append(1)
        if len(calls) == 7 * 30 + 4:  # 3,000 points in batches of 100: step 3 of epoch 7
            raise KeyboardInterrupt  # as SIGKILL would: the epoch's progress is lost
        return batch(self, indices, generator)

    monkeypatch.setattr(Dataset, "training_batch", killed_mid_epoch_seven)
    with pytest.raises(KeyboardInterrupt):
        train_run(spec, data, tmp_path / "resumed", tmp_path / "state", log=lambda *_: None)
    monkeypatch.setattr(Dataset, "training_batch", batch)
    assert torch.load(tmp_path / "state" / CHECKPOINT, weights_only=True)["epoch"] == 7
    assert not (tmp_path / "resumed" / "summary.json").exists()

    lines = []
    resumed = train_run(spec, data, tmp_path / "resumed", tmp_path / "state", log=lines.append)
    assert f"resumed from {tmp_path / 'state' / CHECKPOINT} at epoch 7" in lines
    assert resumed["best"] == reference["best"] and resumed["epochs_run"] == reference["epochs_run"] == 12
    assert (tmp_path / "resumed" / "history.csv").read_text() == (tmp_path / "reference" / "history.csv").read_text()
    expected = read_saved(tmp_path / "reference" / "model.pt")["state_dict"]
    for key, value in read_saved(tmp_path / "resumed" / "model.pt")["state_dict"].items():
        torch.testing.assert_close(value, expected[key], rtol=0, atol=0)


def test_command_line_training_resumes(pinwheel_dir, tmp_path):
    from csrae.cli import main

    command = [
        "train", "--data", str(pinwheel_dir), "--model", "CSRAE", "--hp", "lambda=1", "--latent-dim", "2",
        "--epochs", "2", "--warmup", "1", "--out", str(tmp_path / "run"),
    ]  # fmt: skip
    main(command)
    first = (tmp_path / "run" / "history.csv").read_text()
    main(command)  # a rerun finds the finished checkpoint and trains nothing
    assert (tmp_path / "run" / "history.csv").read_text() == first
    assert torch.load(tmp_path / "run" / "state" / CHECKPOINT, weights_only=True)["epoch"] == 2


def test_a_run_diverging_in_its_first_step_is_recorded_and_not_retrained(pinwheel_dir, tmp_path):
    data = Dataset.load(pinwheel_dir)
    data.x["train"] = np.full_like(data.x["train"], np.nan)
    spec = RunSpec("pinwheel", "CSRAE", {"lambda": 1.0}, 2, TrainConfig(epochs=2, warmup=0))
    summary = train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lambda *_: None)
    diverged = summary["diverged"]
    assert (diverged["epoch"], diverged["phase"], diverged["step"]) == (0, "train", 0)
    assert set(diverged["terms"]) == {"loss", "reconstruction", "regulariser"} and np.isnan(diverged["terms"]["loss"])
    assert summary["best"] is None and summary["best_epoch"] is None
    saved = read_saved(tmp_path / "out" / "model.pt")
    assert saved["state_dict"] is None and repr(saved["diverged"]) == repr(diverged)
    assert (tmp_path / "out" / "history.csv").read_text().strip() == "epoch"
    lines = []  # a rerun (a retried job) trains nothing: the run is finished
    again = train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lines.append)
    assert repr(again["diverged"]) == repr(diverged) and any(line.startswith("cached ") for line in lines)
    (tmp_path / "out" / "summary.json").unlink()  # killed before its summary: the checkpoint says it is over
    again = train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lines.append)
    assert repr(again["diverged"]) == repr(diverged)
    assert any("resumed from" in line and "epoch 0" in line for line in lines)


def test_a_run_diverging_later_keeps_its_best_finite_weights(pinwheel_dir, tmp_path, monkeypatch):
    data = Dataset.load(pinwheel_dir)
    steps_per_epoch = len(data.x["train"]) // 100
    batch, calls = Dataset.training_batch, []

    def poisoned_from_epoch_two(self, indices, generator):
        calls.append(1)
        x = batch(self, indices, generator)
        return x * np.nan if len(calls) == 2 * steps_per_epoch + 3 else x

    monkeypatch.setattr(Dataset, "training_batch", poisoned_from_epoch_two)
    spec = RunSpec("pinwheel", "VAE", {"beta": 1.0}, 2, TrainConfig(epochs=5, warmup=0))
    summary = train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lambda *_: None)
    assert (summary["diverged"]["epoch"], summary["diverged"]["step"]) == (2, 2)
    assert summary["epochs_run"] == 2 and summary["best_epoch"] in (0, 1)
    history = np.genfromtxt(tmp_path / "out" / "history.csv", delimiter=",", names=True)
    assert len(history) == 2 and np.isfinite(history["val_loss"]).all()
    state = read_saved(tmp_path / "out" / "model.pt")["state_dict"]
    assert all(torch.isfinite(v).all() for v in state.values())


def test_a_non_finite_validation_loss_is_a_divergence(pinwheel_dir, tmp_path):
    data = Dataset.load(pinwheel_dir)
    spec = RunSpec("pinwheel", "CSRAE", {"lambda": 1e300}, 2, TrainConfig(epochs=3, warmup=2))
    summary = train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lambda *_: None)
    assert (summary["diverged"]["epoch"], summary["diverged"]["phase"]) == (0, "validation")
    assert summary["diverged"]["terms"]["val_loss"] == float("inf") and summary["best"] is None


def test_checkpoint_from_other_settings_is_refused(pinwheel_dir, tmp_path):
    data = Dataset.load(pinwheel_dir)
    spec = RunSpec("pinwheel", "CSRAE", {"lambda": 1.0}, 2, TrainConfig(epochs=1, warmup=0))
    train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lambda *_: None)
    spec.train = TrainConfig(epochs=1, warmup=0, lr=1e-3)
    with pytest.raises(ValueError, match="delete it to start afresh"):
        train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lambda *_: None)


def test_checkpoint_from_another_kind_of_device_is_refused(pinwheel_dir, tmp_path):
    """A CUDA generator's stream cannot go on on the CPU: the resume says so instead of failing obscurely."""
    data = Dataset.load(pinwheel_dir)
    spec = RunSpec("pinwheel", "CSRAE", {"lambda": 1.0}, 2, TrainConfig(epochs=2, warmup=0))
    train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lambda *_: None)
    checkpoint = torch.load(tmp_path / "state" / CHECKPOINT, weights_only=True)
    assert checkpoint["generator_device"] == "cpu"
    torch.save(checkpoint | {"generator_device": "cuda"}, tmp_path / "state" / CHECKPOINT)
    (tmp_path / "out" / "summary.json").unlink()  # as if killed before its end
    with pytest.raises(ValueError, match="written on a cuda device.*resume it on cuda or delete it"):
        train_run(spec, data, tmp_path / "out", tmp_path / "state", device="cpu", log=lambda *_: None)


def test_early_stopping_keeps_the_best_epoch(pinwheel_dir, tmp_path):
    data = Dataset.load(pinwheel_dir)
    spec = RunSpec("pinwheel", "VAE", {"beta": 1.0}, 2, TrainConfig(epochs=200, warmup=0, patience=3, lr=5e-2))
    summary = train_run(spec, data, tmp_path / "out", tmp_path / "state", log=lambda *_: None)
    history = np.genfromtxt(tmp_path / "out" / "history.csv", delimiter=",", names=True)
    assert summary["epochs_run"] < 200
    assert summary["epochs_run"] - 1 - summary["best_epoch"] == 3
    assert history["val_loss"][summary["best_epoch"]] == history["val_loss"].min()


def test_every_trainer_is_a_pack_and_every_model_trainable(pinwheel_dir, tmp_path):
    """What ``fit`` trains is the declared protocol (:class:`csrae.trainer.Pack`), and each model
    :class:`csrae.trainer.Trainable`: the single trainer, the packed one and the semi-supervised one."""
    from csrae.packed import PackedTrainer
    from csrae.semisupervised.data import class_split
    from csrae.semisupervised.training import SemiSupervisedTrainer
    from csrae.trainer import Pack, Trainable, Trainer
    from tests.fixtures import ssl_spec, two_clusters

    data = Dataset.load(pinwheel_dir)
    spec = RunSpec("pinwheel", "WAE", {"lambda": 1.0}, 2, TrainConfig(epochs=1, warmup=0, patience=1))
    alone = Trainer(spec.build(data), data, spec.train, tmp_path / "a", log=lambda *a: None)
    packed = PackedTrainer([spec.build(data)], data, [spec.train], [tmp_path / "b"], log=lambda *a: None)
    ssl, split = ssl_spec("CNN", {}), class_split(two_clusters(), 10, seed=0)
    semi = SemiSupervisedTrainer(ssl.build(split), split, ssl.run.train, tmp_path / "c", log=lambda *a: None)
    assert all(isinstance(trainer, Pack) for trainer in (alone, packed, semi))
    assert all(isinstance(trainer.models[0], Trainable) for trainer in (alone, packed, semi))
