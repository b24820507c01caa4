"""Results identified by what defines them: reuse, continuation, damaged checkpoints, locks, versions,
provenance and pruning."""

import os
import time

import pytest
import torch

from csrae import versions
from csrae.data import Dataset
from csrae.evaluation import EvalConfig
from csrae.lock import RunLock
from csrae.run import RunSpec, read_saved, train_sweep
from csrae.steps import evaluate_runs
from csrae.store import content_key
from csrae.trainer import CHECKPOINT, TrainConfig


def quiet(*_):
    pass


def spec(seed=0, **train):
    settings = {"epochs": 4, "warmup": 1, "patience": 10, "lr": 5e-3} | train
    return RunSpec("pinwheel", "CSRAE", {"lambda": 1.0}, 2, TrainConfig(**settings, seed=seed))


def weights(summary):
    from pathlib import Path

    return read_saved(Path(summary["folder"]) / "model.pt")["state_dict"]


def assert_same_run(a, b):
    assert a["best"] == b["best"] and a["epochs_run"] == b["epochs_run"]
    for name, value in weights(a).items():
        torch.testing.assert_close(weights(b)[name], value, rtol=0, atol=0)


def test_a_key_is_the_hash_of_the_definition_whatever_its_key_order():
    assert content_key({"a": 1, "b": {"c": 2, "d": 3}}) == content_key({"b": {"d": 3, "c": 2}, "a": 1})
    assert content_key({"a": 1}) != content_key({"a": 2}) and len(content_key({})) == 12


def test_a_finished_run_is_found_not_retrained_and_a_new_seed_trains_alone(pinwheel_dir, tmp_path):
    data = Dataset.load(pinwheel_dir)
    lines = []
    (first,) = train_sweep([spec(0)], data, tmp_path, log=lines.append)
    assert first["folder"].startswith(str(tmp_path / "pinwheel" / "CSRAE" / "z=2_lambda=1" / "seed0"))
    lines.clear()
    again, second = train_sweep([spec(0), spec(1)], data, tmp_path, log=lines.append)
    assert [line.split()[0] for line in lines if line.startswith(("cached", "trained"))] == ["cached", "trained"]
    assert f"cached {first['key']}" in lines[-2] and again == first
    assert second["key"] != first["key"]
    provenance = first["provenance"]
    assert {"csrae", "git_commit", "git_dirty", "python", "torch", "cuda", "device_name", "components"} <= set(
        provenance
    )
    assert provenance["device"] == "cpu" and first["definition"]["data"] == data.fingerprint


def test_a_changed_setting_is_a_new_run_beside_the_old(pinwheel_dir, tmp_path):
    data = Dataset.load(pinwheel_dir)
    (old,) = train_sweep([spec(lr=5e-3)], data, tmp_path, log=quiet)
    (new,) = train_sweep([spec(lr=1e-3)], data, tmp_path, log=quiet)
    assert old["folder"] != new["folder"] and os.path.isfile(os.path.join(old["folder"], "model.pt"))
    lines = []
    (back,) = train_sweep([spec(lr=5e-3)], data, tmp_path, log=lines.append)  # switching back is a look-up
    assert back == old and lines[-1].startswith(f"cached {old['key']}")


@pytest.mark.parametrize("patience", [10, 1], ids=["budget exhausted", "stopped early"])
def test_a_larger_epoch_budget_continues_the_shorter_run_and_equals_training_that_long(
    pinwheel_dir, tmp_path, patience
):
    data = Dataset.load(pinwheel_dir)
    (short,) = train_sweep([spec(epochs=3, patience=patience)], data, tmp_path / "store", log=quiet)
    lines = []
    (longer,) = train_sweep([spec(epochs=6, patience=patience)], data, tmp_path / "store", log=lines.append)
    (fresh,) = train_sweep([spec(epochs=6, patience=patience)], data, tmp_path / "fresh", log=quiet)
    assert any(line.startswith(f"continuing from {short['key']}") for line in lines)
    assert_same_run(longer, fresh)
    assert read_saved(os.path.join(short["folder"], "model.pt"))["spec"]["train"]["epochs"] == 3  # kept as it was
    history = lambda s: open(os.path.join(s["folder"], "history.csv")).read()  # noqa: E731
    assert history(longer) == history(fresh)


def test_a_truncated_checkpoint_is_set_aside_with_a_warning_and_the_run_trained_anew(pinwheel_dir, tmp_path):
    data = Dataset.load(pinwheel_dir)
    (reference,) = train_sweep([spec()], data, tmp_path / "reference", log=quiet)
    (run,) = train_sweep([spec()], data, tmp_path / "store", log=quiet)
    folder = run["folder"]
    os.remove(os.path.join(folder, "summary.json"))  # as if killed, and then its checkpoint damaged on disk
    with open(os.path.join(folder, CHECKPOINT), "r+b") as f:
        f.truncate(100)
    lines = []
    (again,) = train_sweep([spec()], data, tmp_path / "store", log=lines.append)
    warning = next(line for line in lines if line.startswith("warning:"))
    assert os.path.join(folder, CHECKPOINT) in warning and "set aside as checkpoint.pt.damaged-" in warning
    assert any(name.startswith("checkpoint.pt.damaged-") for name in os.listdir(folder))
    assert_same_run(again, reference)


def test_a_second_process_on_a_locked_run_waits_then_reads_its_result(pinwheel_dir, tmp_path):
    """The run's lock is held (as by a trainer in another process) while a second trainer starts: it waits,
    and once the holder has finished, it reuses the result instead of training the run a second time."""
    import threading

    data = Dataset.load(pinwheel_dir)
    (done,) = train_sweep([spec()], data, tmp_path / "done", log=quiet)
    (folder,) = [os.path.join(tmp_path, "store", *done["folder"].split(os.sep)[-5:])]
    lock = RunLock(folder, log=quiet)
    lock.acquire()

    def finish_then_release():
        time.sleep(1.0)
        for name in os.listdir(done["folder"]):
            if name != "lock":
                os.replace(os.path.join(done["folder"], name), os.path.join(folder, name))
        lock.release()

    threading.Thread(target=finish_then_release).start()
    lines = []
    (second,) = train_sweep([spec()], data, tmp_path / "store", log=lines.append)
    assert lines[0].startswith(f"waiting: {folder} is being trained by process {os.getpid()}")
    assert lines[-1].startswith(f"cached {done['key']}") and second["best"] == done["best"]


def test_bumping_a_component_version_recomputes_exactly_what_depends_on_it(pinwheel_dir, tmp_path, monkeypatch):
    data = Dataset.load(pinwheel_dir)
    config = EvalConfig(ll_samples=5, fid_samples=50, loss_repeats=1, n_points=50)

    def train_and_evaluate():
        lines = []
        (run,) = train_sweep([spec(epochs=2)], data, tmp_path / "runs", log=lines.append)
        runs = [(run["folder"], config)]
        (record,) = evaluate_runs(pinwheel_dir, runs, tmp_path / "eval", inception="no", log=lines.append)
        return [line.split()[0] for line in lines if line.startswith(("cached", "trained", "evaluated"))], record

    assert train_and_evaluate()[0] == ["trained", "evaluated"]
    assert train_and_evaluate()[0] == ["cached", "cached"]
    monkeypatch.setitem(versions.COMPONENTS, "evaluation", versions.COMPONENTS["evaluation"] + 1)
    assert train_and_evaluate()[0] == ["cached", "evaluated"]  # re-evaluated, not retrained
    monkeypatch.setitem(versions.COMPONENTS, "model", versions.COMPONENTS["model"] + 1)
    done, record = train_and_evaluate()
    assert done == ["trained", "evaluated"]
    assert record["provenance"]["components"]["model"] == versions.COMPONENTS["model"]
    assert record["trained_with"]["components"]["model"] == versions.COMPONENTS["model"]
    assert len(os.listdir(tmp_path / "runs" / "pinwheel" / "CSRAE" / "z=2_lambda=1" / "seed0")) == 2  # both kept


def test_pinned_cpu_kernels_are_part_of_a_runs_definition(pinwheel_dir, monkeypatch):
    data = Dataset.load(pinwheel_dir)
    monkeypatch.delenv("MKL_CBWR", raising=False)
    default = spec().definition(data, "cpu")
    monkeypatch.setenv("MKL_CBWR", "COMPATIBLE")
    assert spec().definition(data, "cpu") == default | {"mkl_cbwr": "COMPATIBLE"}
    assert "mkl_cbwr" not in spec().definition(data, "cuda")  # a GPU run does not use MKL's kernels
