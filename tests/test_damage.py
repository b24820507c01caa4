"""Damaged and misdirected files in the stores: every read is checked against the key of its folder, a damaged
file the store can recompute is set aside with a warning and recomputed to the same result, and one it
cannot is named with the command that repairs it."""

import json
from pathlib import Path

import numpy as np
import pytest

from csrae.data import Dataset
from csrae.evaluation import EvalConfig
from csrae.manifests import manifest_entries, manifest_records, write_manifest
from csrae.run import RunSpec, read_saved, train_sweep
from csrae.steps import evaluate_runs
from csrae.store import DEFINITION, StoreError, result_folder
from csrae.trainer import TrainConfig

CONFIG = EvalConfig(ll_samples=5, fid_samples=50, loss_repeats=1, n_points=50)


def spec(model="CSRAE", hparams=None, seed=0):
    train = TrainConfig(epochs=3, warmup=1, patience=10, lr=5e-3, seed=seed)
    return RunSpec("pinwheel", model, hparams or {"lambda": 1.0}, 2, train)


@pytest.fixture
def store(pinwheel_dir, tmp_path):
    """A CSRAE and a VAE run of pinwheel, evaluated, with their manifests as the workflow writes them."""
    data, lines = Dataset.load(pinwheel_dir), []
    runs = train_sweep([spec(), spec("VAE", {"beta": 1.0})], data, tmp_path / "runs", log=lines.append)
    evaluations = evaluate(pinwheel_dir, tmp_path, runs, lines.append)
    manifests = {}
    for record in evaluations:
        path = tmp_path / "manifests" / "evaluate" / "pinwheel" / record["model"] / "z=2" / "job.json"
        write_manifest(path, [{"hp": record["hp"], "seed": 0, "key": record["key"], "folder": record["evaluation"]}])
        manifests[record["model"]] = path
    return data, runs, evaluations, manifests


def evaluate(pinwheel_dir, tmp_path, runs, log):
    folders = [(Path(run["folder"]), CONFIG) for run in runs]
    return evaluate_runs(pinwheel_dir, folders, tmp_path / "evaluation", inception="no", log=log)


def numbers(record):
    return {k: v for k, v in record.items() if isinstance(v, float)}


def test_a_truncated_model_is_set_aside_and_written_again_from_the_checkpoint(store, tmp_path):
    data, (run, _), _, _ = store
    model = Path(run["folder"]) / "model.pt"
    weights = read_saved(model)["state_dict"]
    model.write_bytes(model.read_bytes()[:200])
    lines = []
    (again,) = train_sweep([spec()], data, tmp_path / "runs", log=lines.append)
    warning = next(line for line in lines if line.startswith("warning:"))
    assert str(model) in warning and "set aside as model.pt.damaged-" in warning and "from its checkpoint" in warning
    assert lines[-1].startswith(f"repaired {run['key']}")
    assert again["best"] == run["best"]
    assert all((read_saved(model)["state_dict"][k] == v).all() for k, v in weights.items())


def test_a_garbled_summary_is_set_aside_and_written_again(store, tmp_path):
    data, (run, _), _, _ = store
    (Path(run["folder"]) / "summary.json").write_text('{"key": ')
    lines = []
    (again,) = train_sweep([spec()], data, tmp_path / "runs", log=lines.append)
    assert any("summary.json is damaged" in line for line in lines) and lines[-1].startswith("repaired")
    assert again["best"] == run["best"] and again["key"] == run["key"]


def test_damaged_evaluations_are_evaluated_again_to_the_same_numbers(store, pinwheel_dir, tmp_path):
    _, runs, evaluations, _ = store
    (Path(evaluations[0]["evaluation"]) / "metrics.json").write_text("not json")
    artefacts = Path(evaluations[1]["evaluation"]) / "artefacts.npz"
    artefacts.write_bytes(artefacts.read_bytes()[:100])
    lines = []
    again = evaluate(pinwheel_dir, tmp_path, runs, lines.append)
    warnings = [line for line in lines if line.startswith("warning:")]
    assert "metrics.json is damaged" in warnings[0] and "artefacts.npz is damaged" in warnings[1]
    assert [line.split()[0] for line in lines if line.startswith(("cached", "evaluated"))] == ["evaluated"] * 2
    assert [numbers(r) for r in again] == [numbers(r) for r in evaluations]
    with np.load(artefacts) as repaired:
        assert "samples" in repaired.files


def test_a_manifest_pointing_at_another_result_is_refused_naming_both(store):
    _, _, evaluations, manifests = store
    csrae, vae = evaluations
    write_manifest(manifests["VAE"], [{"hp": vae["hp"], "seed": 0, "key": csrae["key"], "folder": csrae["evaluation"]}])
    with pytest.raises(StoreError) as refused:
        manifest_records([manifests["VAE"]], "metrics.json")
    message = str(refused.value)
    assert f"{csrae['evaluation']}/metrics.json is not the result {manifests['VAE']} lists" in message
    assert "model 'CSRAE' where the manifest says 'VAE'" in message and f"--forcerun {manifests['VAE']}" in message
    write_manifest(manifests["VAE"], [{"hp": vae["hp"], "seed": 0, "key": vae["key"], "folder": csrae["evaluation"]}])
    with pytest.raises(StoreError, match=f"is not the result folder of key {vae['key']}"):
        manifest_entries([manifests["VAE"]])


def test_an_unreadable_manifest_and_a_definition_of_another_key_are_named(store, tmp_path):
    _, (run, _), evaluations, manifests = store
    manifests["VAE"].write_text("\x00garbage")
    with pytest.raises(StoreError, match=rf"job.json of .*VAE/z=2 is unreadable .*--forcerun {manifests['VAE']}"):
        manifest_records([manifests["VAE"]], "metrics.json")
    folder = Path(evaluations[0]["evaluation"])
    definition = json.loads((folder / DEFINITION).read_text())
    (folder / DEFINITION).write_text(json.dumps(definition | {"config": "edited"}))
    with pytest.raises(StoreError, match=f"{DEFINITION} does not hash to its folder's key {folder.name}"):
        manifest_records([manifests["CSRAE"]], "metrics.json")
    lines = []
    assert (
        result_folder(folder.parents[4], folder.relative_to(folder.parents[4]).parts[:-1], definition, lines.append)
        == folder
    )
    assert "does not hash to the key" in lines[0] and json.loads((folder / DEFINITION).read_text()) == definition


def test_an_unreadable_run_is_named_with_the_job_that_repairs_it(store, pinwheel_dir, tmp_path):
    _, (run, _), _, _ = store
    (Path(run["folder"]) / "model.pt").write_bytes(b"PK\x03\x04")
    with pytest.raises(StoreError, match=rf"model.pt of {run['folder']} is unreadable .*--forcerun train"):
        evaluate_runs(pinwheel_dir, [(Path(run["folder"]), CONFIG)], tmp_path / "other", inception="no")
