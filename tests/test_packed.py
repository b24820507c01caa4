"""Packed training equals training alone, skips finished members, and resumes after a kill."""

import numpy as np
import pytest
import torch

from csrae import registry
from csrae.data import prepare_dataset
from csrae.packed import PackedTrainer
from csrae.registry import generative_models
from csrae.run import RunSpec
from csrae.trainer import TrainConfig, Trainer
from tests.fixtures import write_mnist_idx

SETTINGS = dict(epochs=3, warmup=1, patience=10, batch_size=25, lr=5e-4)
MEMBERS = [(0.5, 0), (2.0, 1), (1.0, 2)]  # (regulariser weight, seed)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """In double precision: float32 rounding differs between batched and single matmuls, and Adam
    turns a rounding-level gradient on a weight whose gradient is ~0 into a step of size lr."""
    directory = tmp_path_factory.mktemp("mnist")
    write_mnist_idx(directory)
    dataset = prepare_dataset("dynamic_mnist", directory, verify="shape")
    dataset.x = {split: x.astype(np.float64) for split, x in dataset.x.items()}
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield dataset
    torch.set_default_dtype(default)


def specs(model, members=MEMBERS, **settings):
    entry = registry.model(model)
    configs = [(entry.example() | {entry.weight: w}, TrainConfig(**SETTINGS | settings, seed=s)) for w, s in members]
    return [RunSpec("dynamic_mnist", model, hparams, 4, config) for hparams, config in configs]


def quiet(*_):
    pass


def train_alone(spec, data, state_dir):
    model = spec.build(data)
    trainer = Trainer(model, data, spec.train, state_dir, log=quiet)
    trainer.fit()
    return model, trainer.run.history


def train_packed(runs, data, state_dirs):
    models = [spec.build(data) for spec in runs]
    trainer = PackedTrainer(models, data, [s.train for s in runs], state_dirs, log=quiet)
    trainer.fit()
    return models, [run.history for run in trainer.runs], trainer


def assert_same_run(a, b, rtol=1e-9, atol=1e-9):
    (model_a, history_a), (model_b, history_b) = a, b
    assert [r["epoch"] for r in history_a] == [r["epoch"] for r in history_b]
    for row_a, row_b in zip(history_a, history_b):
        for key in row_a:
            assert row_b[key] == pytest.approx(row_a[key], rel=rtol, abs=atol), key
    for name, value in model_a.state_dict().items():
        torch.testing.assert_close(model_b.state_dict()[name], value, rtol=rtol, atol=atol)


@pytest.mark.parametrize("model", generative_models())
def test_a_packed_member_equals_the_same_run_trained_alone(model, data, tmp_path):
    runs = specs(model)
    alone = [train_alone(spec, data, tmp_path / f"alone{i}") for i, spec in enumerate(runs)]
    models, histories, _ = train_packed(runs, data, [tmp_path / f"pack{i}" for i in range(len(runs))])
    for reference, packed in zip(alone, zip(models, histories)):
        assert_same_run(reference, packed)


def test_finished_members_leave_the_pack(data, tmp_path):
    runs = specs("CSRAE")
    dirs = [tmp_path / f"run{i}" for i in range(len(runs))]
    finished = train_alone(runs[1], data, dirs[1])  # already trained: its checkpoint says so
    trainer = PackedTrainer([s.build(data) for s in runs], data, [s.train for s in runs], dirs, log=quiet)
    assert trainer.active == [0, 2]
    trainer.fit()
    assert_same_run(finished, (trainer.models[1], trainer.runs[1].history), rtol=0, atol=0)


def test_a_diverging_member_leaves_the_pack_and_the_others_are_unaffected(data, tmp_path):
    runs = specs("CSRAE", members=[(0.5, 0), (float("inf"), 1), (2.0, 2)])
    models, histories, trainer = train_packed(runs, data, [tmp_path / f"pack{i}" for i in range(3)])
    assert trainer.runs[1].diverged["epoch"] == 0 and histories[1] == []
    assert trainer.runs[1].best_row is None and trainer.runs[0].diverged is None is trainer.runs[2].diverged
    for i in (0, 2):
        assert_same_run(train_alone(runs[i], data, tmp_path / f"alone{i}"), (models[i], histories[i]))


@pytest.mark.parametrize("model", ["MixtureCSRAE", "MixtureVAE", "WAE"])
def test_a_killed_pack_resumes_exactly_and_a_member_can_resume_alone(
    model, data, tmp_path, monkeypatch, kill_after_saves
):
    runs = specs(model, epochs=4)
    models, histories, _ = train_packed(runs, data, [tmp_path / f"full{i}" for i in range(3)])

    dirs = [tmp_path / f"killed{i}" for i in range(3)]
    kill_after_saves(5)  # mid-epoch 1 of the pack: members saved unevenly
    with pytest.raises(KeyboardInterrupt):
        train_packed(runs, data, dirs)
    monkeypatch.undo()

    solo = train_alone(runs[2], data, dirs[2])  # member 2 resumes from the pack's checkpoint, alone
    resumed_models, resumed_histories, _ = train_packed(runs[:2], data, dirs[:2])
    for i in range(2):
        assert_same_run((models[i], histories[i]), (resumed_models[i], resumed_histories[i]), rtol=0, atol=0)
    assert_same_run((models[2], histories[2]), solo)


def test_pack_members_must_share_their_structure(data, tmp_path):
    mixed = specs("MixtureCSRAE")[:1] + [
        RunSpec("dynamic_mnist", "MixtureCSRAE", {"lambda": 1.0, "K": 7, "prior": "mog"}, 4, TrainConfig(**SETTINGS))
    ]
    with pytest.raises(ValueError, match="share their class, architecture and prior"):
        PackedTrainer([s.build(data) for s in mixed], data, [s.train for s in mixed], [tmp_path] * 2)
    other = specs("CSRAE")[:1] + specs("CSRAE", batch_size=50)[:1]
    with pytest.raises(ValueError, match="differ only in seed and weight"):
        PackedTrainer([s.build(data) for s in other], data, [s.train for s in other], [tmp_path] * 2)


def test_a_structure_trains_in_packs_and_a_pack_out_of_gpu_memory_is_halved(data, tmp_path, monkeypatch):
    from csrae.run import train_structure

    runs = specs("CSRAE", members=[(0.5, 0), (2.0, 1), (1.0, 2), (0.25, 3), (4.0, 4)])
    train_members = PackedTrainer.train_members

    def out_of_memory_above_two(self, weights):
        if len(weights) > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return train_members(self, weights)

    monkeypatch.setattr(PackedTrainer, "train_members", out_of_memory_above_two)
    lines = []
    outs, states = [tmp_path / f"out{i}" for i in range(5)], [tmp_path / f"state{i}" for i in range(5)]
    summaries = train_structure(runs, data, outs, states, pack=4, device="cpu", log=lines.append)
    # packs of at most 4: [0-3] (out of memory: [0, 1] then [2, 3]) and [4] alone
    assert "a pack of 4 runs does not fit in GPU memory: training packs of 2 and 2" in lines
    assert [s["spec"]["train"]["seed"] for s in summaries] == [0, 1, 2, 3, 4]
    for i, spec in enumerate(runs):
        model, history = train_alone(spec, data, tmp_path / f"alone{i}")
        saved = torch.load(outs[i] / "model.pt", weights_only=True)["state_dict"]
        for name, value in model.state_dict().items():
            torch.testing.assert_close(saved[name], value, rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match="pack must be >= 1"):
        train_structure(runs, data, outs, states, pack=0)
