"""The CUDA path: device placement, packed = one-at-a-time on the GPU, a killed pack resumed on the GPU,
and the runs' CUDA random streams restored from checkpoints.  Skipped without a CUDA device
(``benchmarks/gpu.sh`` runs them on one)."""

import numpy as np
import pytest
import torch

from csrae.data import Dataset, prepare_dataset
from csrae.evaluation import EvalConfig
from csrae.packed import PackedTrainer
from csrae.run import RunSpec, read_saved, train_run
from csrae.steps import evaluate_runs
from csrae.trainer import CHECKPOINT, RunState, TrainConfig, Trainer
from tests.fixtures import write_mnist_idx

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]
CUDA = torch.device("cuda")
# float32 on the GPU: a batched (vmap) matmul and a single one round differently, and Adam turns
# rounding on a weight whose gradient is ~0 into a step of up to lr, so packed and alone agree to
# this tolerance (4 × lr on weights; the losses to 0.1 %).
TOLERANCE = dict(rtol=1e-3, atol=2e-3)
MEMBERS = [(0.5, 0), (2.0, 1), (1.0, 2)]  # (λ, seed)
SETTINGS = dict(epochs=4, warmup=1, patience=10, batch_size=50, lr=5e-4)


def quiet(*_):
    pass


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Dynamic MNIST in its idx format: binarised afresh on the GPU every step."""
    directory = tmp_path_factory.mktemp("mnist")
    write_mnist_idx(directory)
    return prepare_dataset("dynamic_mnist", directory, verify="shape")


def specs(model="MixtureCSRAE"):
    hparams = {"lambda": 1.0, "K": 5, "prior": "mog"} if model == "MixtureCSRAE" else {"lambda": 1.0}
    return [
        RunSpec("dynamic_mnist", model, hparams | {"lambda": w}, 4, TrainConfig(**SETTINGS, seed=s)) for w, s in MEMBERS
    ]


def packed(runs, data, dirs):
    models = [spec.build(data) for spec in runs]
    trainer = PackedTrainer(models, data, [s.train for s in runs], dirs, device=CUDA, log=quiet)
    trainer.fit()
    return trainer


def assert_close_runs(history_a, history_b, state_a, state_b, **tolerance):
    assert [r["epoch"] for r in history_a] == [r["epoch"] for r in history_b]
    for row_a, row_b in zip(history_a, history_b):
        for key in row_a:
            assert row_b[key] == pytest.approx(row_a[key], rel=tolerance["rtol"], abs=tolerance["atol"]), key
    for name, value in state_a.items():
        torch.testing.assert_close(state_b[name].cpu(), value.cpu(), **tolerance)


def test_training_and_evaluation_run_on_the_gpu(data, tmp_path):
    lines = []
    data.save(tmp_path / "data")
    spec = specs("CSRAE")[0]
    train_run(spec, data, tmp_path / "run", tmp_path / "state", device="cuda", log=lines.append)
    assert "on device cuda" in lines[0]
    saved = read_saved(tmp_path / "run" / "model.pt")
    assert all(v.device.type == "cpu" for v in saved["state_dict"].values())  # loads on any machine
    checkpoint = torch.load(tmp_path / "state" / CHECKPOINT, weights_only=True)
    assert checkpoint["generator_device"] == "cuda"
    run = (tmp_path / "run", EvalConfig(ll_samples=50, fid_samples=100))
    lines.clear()
    (record,) = evaluate_runs(tmp_path / "data", [run], inception="no", log=lines.append)
    assert any("on device cuda" in line for line in lines) and record["provenance"]["device"] == "cuda"
    assert np.isfinite(record["test_ll"]) and np.isfinite(record["fid"])


def test_batches_and_noise_are_drawn_on_the_gpu(data, tmp_path):
    run = RunState(TrainConfig(**SETTINGS), tmp_path, quiet, device=CUDA)
    x = data.training_batch(run.shuffled(len(data.x["train"]))[0], run.data_generator)
    assert x.device.type == "cuda" and set(x.unique().tolist()) <= {0.0, 1.0}
    assert run.noise(CUDA).normal(1, 50, 4).device.type == "cuda"
    assert data.training_split(CUDA).device.type == "cuda"


@pytest.mark.parametrize("model", ["CSRAE", "MixtureCSRAE"])
def test_a_packed_member_equals_the_same_run_trained_alone_on_the_gpu(model, data, tmp_path):
    runs = specs(model)
    trainer = packed(runs, data, [tmp_path / f"pack{i}" for i in range(len(runs))])
    for i, spec in enumerate(runs):
        alone = Trainer(spec.build(data), data, spec.train, tmp_path / f"alone{i}", device=CUDA, log=quiet)
        alone.fit()
        member = trainer.runs[i]
        assert_close_runs(alone.run.history, member.history, alone.model.state_dict(),
                          trainer.models[i].state_dict(), **TOLERANCE)  # fmt: skip


def test_a_killed_pack_resumes_on_the_gpu_to_the_same_result(data, tmp_path, monkeypatch, kill_after_saves):
    runs = specs()
    full = packed(runs, data, [tmp_path / f"full{i}" for i in range(3)])
    dirs = [tmp_path / f"killed{i}" for i in range(3)]
    kill_after_saves(5)  # mid-epoch 1 of the pack: members saved unevenly
    with pytest.raises(KeyboardInterrupt):
        packed(runs, data, dirs)
    monkeypatch.undo()
    resumed = packed(runs, data, dirs)
    # Members 0 and 1 were saved in epoch 1 and go on in packs of the same make-up: equal, not merely
    # close.  Member 2 was a save behind, so it ends its last epoch alone (a 1-member matmul): close.
    for i, tolerance in enumerate([dict(rtol=0, atol=0)] * 2 + [TOLERANCE]):
        assert_close_runs(full.runs[i].history, resumed.runs[i].history, full.models[i].state_dict(),
                          resumed.models[i].state_dict(), **tolerance)  # fmt: skip


def test_the_cuda_random_streams_are_restored_from_the_checkpoint(data, tmp_path):
    spec = specs("CSRAE")[0]
    spec.train = TrainConfig(**SETTINGS | {"epochs": 2}, seed=3)
    Trainer(spec.build(data), data, spec.train, tmp_path, device=CUDA, log=quiet).fit()
    saved = torch.load(tmp_path / CHECKPOINT, weights_only=True)
    restored = RunState(spec.train, tmp_path, quiet, device=CUDA)
    restored.load()
    assert torch.equal(restored.data_generator.get_state(), saved["data_generator"])
    assert torch.equal(restored.noise_generator.get_state(), saved["noise_generator"])
    fresh = RunState(spec.train, tmp_path / "fresh", quiet, device=CUDA)
    assert not torch.equal(fresh.data_generator.get_state(), saved["data_generator"])  # two epochs were drawn
    after = torch.rand(5, generator=restored.noise_generator, device=CUDA)
    again = RunState(spec.train, tmp_path, quiet, device=CUDA)
    again.load()
    torch.testing.assert_close(torch.rand(5, generator=again.noise_generator, device=CUDA), after, rtol=0, atol=0)
    with pytest.raises(ValueError, match="written on a cuda device"):
        RunState(spec.train, tmp_path, quiet, device="cpu").load()


def test_a_dataset_on_disk_trains_on_the_gpu_through_the_loader(tmp_path, data):
    data.save(tmp_path / "data")
    loaded = Dataset.load(tmp_path / "data")
    assert torch.equal(loaded.training_split(CUDA).cpu(), torch.from_numpy(data.x["train"]))
