"""`csrae prune`: it deletes what no config in use names, and nothing in use — from any folder, with a stale
list of what is in use, or while a run is being trained."""

import json
import os

import pytest

from csrae.cli import main
from csrae.data import Dataset
from csrae.lock import RunLock
from csrae.manifests import write_manifest
from csrae.prune import unused, write_in_use, write_plan
from csrae.run import RunSpec, train_sweep
from csrae.trainer import TrainConfig


def quiet(*_):
    pass


@pytest.fixture
def study(pinwheel_dir, tmp_path, monkeypatch):
    """A working directory whose config uses one run (lr 5e-3) and not another (lr 1e-3), with its
    ``in_use.json`` and the plan it was written for; the runs by name."""
    monkeypatch.chdir(tmp_path)
    data = Dataset.load(pinwheel_dir)
    runs = {}
    for name, lr in (("kept", 5e-3), ("dropped", 1e-3)):
        spec = RunSpec("pinwheel", "CSRAE", {"lambda": 1.0}, 2, TrainConfig(epochs=2, warmup=1, lr=lr))
        (runs[name],) = train_sweep([spec], data, "results/runs", log=quiet)
        write_manifest(
            f"results/manifests/train/{name}.json", [{"key": runs[name]["key"], "folder": runs[name]["folder"]}]
        )
    manifests = ["results/manifests/train/kept.json"]
    write_in_use("results/in_use.json", manifests, [])
    write_plan("results", manifests, [])
    return tmp_path, runs


def test_prune_lists_then_deletes_what_no_config_in_use_names(study, capsys):
    workdir, runs = study
    stale = unused("results", ["results/in_use.json"])
    assert [str(p) for p in stale] == [runs["dropped"]["folder"], "results/manifests/train/dropped.json"]
    main(["prune"])
    assert os.path.isdir(runs["dropped"]["folder"])  # only listed
    main(["prune", "--apply"])
    lines = capsys.readouterr().out.splitlines()
    summary = lines.index(next(line for line in lines if line.endswith("MiB to delete")))
    assert lines[summary - 2 : summary] == [f"to delete {p}" for p in stale]  # listed, with the size, first
    assert lines[-1] == "deleted 2 results"
    assert not os.path.exists(runs["dropped"]["folder"]) and os.path.isfile(f"{runs['kept']['folder']}/model.pt")
    assert os.path.isfile("results/manifests/train/kept.json") and unused("results", ["results/in_use.json"]) == []


def test_prune_from_another_folder_keeps_what_is_in_use(study, tmp_path_factory, monkeypatch):
    workdir, runs = study
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    main(["prune", "--results", str(workdir / "results"), "--apply"])
    assert (workdir / runs["kept"]["folder"] / "model.pt").is_file()
    assert (workdir / "results" / "manifests" / "train" / "kept.json").is_file()
    assert not (workdir / runs["dropped"]["folder"]).exists()


def test_prune_refuses_an_in_use_list_of_an_earlier_plan(study, capsys):
    workdir, runs = study
    write_plan("results", ["results/manifests/train/dropped.json"], [])  # the config changed since
    with pytest.raises(SystemExit, match=r"in_use.json lists what an earlier plan used.*results/in_use.json"):
        main(["prune", "--apply"])
    assert os.path.isdir(runs["dropped"]["folder"])
    in_use = json.loads(open("results/in_use.json").read())
    del in_use["workdir"]  # as csrae 0.1.0 wrote it
    open("results/in_use.json", "w").write(json.dumps(in_use))
    with pytest.raises(SystemExit, match="does not say which working directory its paths are relative to"):
        unused("results", ["results/in_use.json"])


def test_prune_keeps_a_run_being_trained(study, capsys):
    workdir, runs = study
    held = RunLock(runs["dropped"]["folder"], log=quiet)
    held.acquire()  # a training job holds it, as one of another Snakemake would
    try:
        main(["prune", "--apply"])
    finally:
        held.release()
    assert os.path.isfile(f"{runs['dropped']['folder']}/model.pt")
    assert f"kept {runs['dropped']['folder']}: {runs['dropped']['folder']} is being trained by process" in (
        capsys.readouterr().out
    )
    assert not os.path.exists("results/manifests/train/dropped.json")
