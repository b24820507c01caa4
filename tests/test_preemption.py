"""SIGTERM in the middle of an epoch (a cluster's time limit, a preemption): the trainer writes its state at
that step and stops, and the next start continues that epoch from that step to the bit-identical result,
alone, in a pack, and semi-supervised."""

import io
import signal

import pytest
import torch

from csrae.data import Dataset
from csrae.preemption import Preempted, reported
from csrae.run import RunSpec, read_saved, train_run, train_structure
from csrae.semisupervised.data import class_split
from csrae.semisupervised.training import train_semisupervised
from csrae.trainer import PARTIAL, TrainConfig
from tests.fixtures import ssl_spec, two_clusters


def quiet(*_):
    pass


@pytest.fixture
def sigterm_at(monkeypatch):
    """``sigterm_at(n)``: SIGTERM is sent to this process as the ``n``-th training batch is drawn (the step
    then ends, and the trainer stops after it)."""

    def arm(n: int) -> None:
        batch, calls = Dataset.training_batch, []

        def drawn(self, indices, generator):
            calls.append(1)
            if len(calls) == n:
                signal.raise_signal(signal.SIGTERM)
            return batch(self, indices, generator)

        monkeypatch.setattr(Dataset, "training_batch", drawn)

    return arm


def same_weights(a, b) -> None:
    for name, value in read_saved(a / "model.pt")["state_dict"].items():
        torch.testing.assert_close(read_saved(b / "model.pt")["state_dict"][name], value, rtol=0, atol=0)


def spec(seed=0, lam=1.0) -> RunSpec:
    train = TrainConfig(epochs=4, warmup=1, patience=10, lr=5e-3, seed=seed)
    return RunSpec("pinwheel", "CSRAE", {"lambda": lam}, 2, train)


def test_a_run_stopped_by_sigterm_continues_its_epoch_to_the_same_result(pinwheel_dir, tmp_path, sigterm_at):
    data = Dataset.load(pinwheel_dir)
    reference = train_run(spec(), data, tmp_path / "reference", log=quiet)
    sigterm_at(2 * 30 + 5)  # 30 steps an epoch: step 4 of epoch 2
    with pytest.raises(Preempted, match="stopped by SIGTERM at epoch 2, step 5 of 30"):
        train_run(spec(), data, tmp_path / "stopped", log=quiet)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is the trainer's alone
    assert torch.load(tmp_path / "stopped" / PARTIAL, weights_only=True)["steps"].shape[0] == 5
    lines = []
    resumed = train_run(spec(), data, tmp_path / "stopped", log=lines.append)
    assert "continuing epoch 2 at step 5 of 30" in lines and not (tmp_path / "stopped" / PARTIAL).exists()
    assert resumed["best"] == reference["best"]
    assert (tmp_path / "stopped" / "history.csv").read_text() == (tmp_path / "reference" / "history.csv").read_text()
    same_weights(tmp_path / "reference", tmp_path / "stopped")


def test_a_pack_stopped_by_sigterm_continues_every_member(pinwheel_dir, tmp_path, sigterm_at):
    data = Dataset.load(pinwheel_dir)
    specs = [spec(0, 0.5), spec(1, 2.0)]
    train_structure(specs, data, [tmp_path / "a0", tmp_path / "a1"], pack=2, log=quiet)
    sigterm_at(2 * (30 + 7))  # two members draw a batch each per step: step 6 of epoch 1
    stopped = [tmp_path / "b0", tmp_path / "b1"]
    with pytest.raises(Preempted, match="stopped by SIGTERM at epoch 1, step 7 of 30"):
        train_structure(specs, data, stopped, pack=2, log=quiet)
    assert all((folder / PARTIAL).is_file() for folder in stopped)
    lines = []
    train_structure(specs, data, stopped, pack=2, log=lines.append)
    assert lines.count("continuing epoch 1 at step 7 of 30") == 2
    for i in range(2):
        same_weights(tmp_path / f"a{i}", stopped[i])


def test_a_semisupervised_run_stopped_by_sigterm_continues_to_the_same_result(tmp_path, sigterm_at):
    split = class_split(two_clusters((200, 50, 50)), 10, seed=0)
    run = ssl_spec(epochs=3, pretrain_epochs=1)
    reference = train_semisupervised(run, split, tmp_path / "reference", log=quiet)
    sigterm_at(4 + 3)  # 200 points in batches of 50: step 2 of epoch 1, the first semi-supervised one
    with pytest.raises(Preempted):
        train_semisupervised(run, split, tmp_path / "stopped", log=quiet)
    again = train_semisupervised(run, split, tmp_path / "stopped", log=quiet)
    assert {k: v for k, v in again.items() if k not in ("run", "provenance")} == {
        k: v for k, v in reference.items() if k not in ("run", "provenance")
    }
    same_weights(tmp_path / "reference", tmp_path / "stopped")


def test_a_stop_is_reported_on_the_process_own_output_as_well():
    stream = io.StringIO()
    with pytest.raises(Preempted), reported(stream):
        raise Preempted("stopped by SIGTERM at epoch 3, step 7 of 30")
    assert stream.getvalue() == "csrae: stopped by SIGTERM at epoch 3, step 7 of 30\n"
