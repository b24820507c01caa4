"""Iterating on a study in one working directory, through the real Snakefile: add a seed, add a weight,
train longer, switch back, switch configs, survive a failing job, bump a component version, prune.

One shrunk config (pinwheel, two models, few epochs) walks through the steps in order; each step checks
which jobs ran, what their logs say they trained or reused, and what stayed on disk.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from tests.fixtures import ROOT, snakemake

pytestmark = pytest.mark.workflow

CONFIG = {
    "seeds": [0],
    "training": {"epochs": 3, "warmup": 1, "patience": 5, "batch_size": 100, "lr": 0.005},
    "models": {"VAE": {"beta": [1.0]}, "CSRAE": {"lambda": [0.5]}},
    "datasets": {"pinwheel": {"latent_dim": 2}},
    "evaluation": {"ll_samples": 20, "fid_samples": 100, "knn_k": [3, 5, 10], "inception": "no"},
    "feature_net": {"epochs": 1},
    "figure1": {"samples": 100, "steps": 20, "lr": 0.001},
    "resources": {"gpus_per_job": 0, "pack": 1},
}
# The study after a seed and a weight were added: the config of the later steps.
GROWN = CONFIG | {"seeds": [0, 1], "models": {"VAE": {"beta": [1.0]}, "CSRAE": {"lambda": [0.5, 2.0]}}}
TABLES = ("table1.csv", "table2.csv", "paper_comparison.csv")


def run(workdir: Path, config: dict, *args) -> dict[str, int]:
    """``snakemake --cores 2`` with ``config``; the jobs it ran, per rule."""
    (workdir / "config").mkdir(exist_ok=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(workdir, "--cores", "2", *args)
    output = result.stdout + result.stderr
    return {rule: int(n) for rule, n in re.findall(r"^(\w+)\s+(\d+)$", output, re.MULTILINE) if rule != "total"}


def log_lines(workdir: Path, rule: str, word: str) -> list[str]:
    """The lines of ``rule``'s job logs that start with ``word`` (trained, cached, evaluated, continuing)."""
    logs = sorted((workdir / "results" / "logs" / rule).rglob("*.log"))
    return [line for log in logs for line in log.read_text().splitlines() if line.startswith(word)]


def tables(workdir: Path) -> dict[str, bytes]:
    return {name: (workdir / "results" / name).read_bytes() for name in TABLES}


def run_folders(workdir: Path) -> set[Path]:
    return {p.parent for p in (workdir / "results" / "runs").rglob("summary.json")}


def with_changes(config: dict, **changes) -> dict:
    return yaml.safe_load(yaml.safe_dump(config)) | changes  # a deep copy, changed


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("iterate")
    jobs = run(workdir, CONFIG)
    assert jobs["train"] == jobs["evaluate"] == 2
    return workdir


def test_adding_a_seed_trains_and_evaluates_only_its_runs(study):
    """The new seed's two training jobs ask for a GPU each, as on a workstation with two (``--resources
    gpu=2``): they run at once, each in a GPU slot of its own, and record the device it let them see (torch
    sees no GPU here and trains on the CPU; the runs' keys do not depend on the device asked for)."""
    before = {p: (p / "model.pt").read_bytes() for p in run_folders(study)}
    config = with_changes(CONFIG, seeds=[0, 1], resources={"gpus_per_job": 1, "pack": 1})
    jobs = run(study, config, "--resources", "gpu=2")
    assert jobs["train"] == jobs["evaluate"] == 2  # one job per structure, each with one new run
    new = [json.loads((p / "summary.json").read_text()) for p in run_folders(study) - set(before)]
    assert sorted(summary["provenance"]["cuda_visible_devices"] for summary in new) == ["0", "1"]
    trained, cached = log_lines(study, "train", "trained"), log_lines(study, "train", "cached")
    assert sorted(line.split()[-2] for line in trained) == ["0", "0", "1", "1"]  # seed 0 at first, then seed 1
    assert len(cached) == 2 and all(" seed 0 " in line for line in cached)
    assert len(log_lines(study, "evaluate", "evaluated")) == 4 and len(log_lines(study, "evaluate", "cached")) == 2
    assert all((p / "model.pt").read_bytes() == weights for p, weights in before.items())
    rows = [r for r in (study / "results" / "table1.csv").read_text().splitlines()[1:]]
    assert all(",2," in row for row in rows)  # n_seeds


def test_adding_a_weight_trains_only_that_weights_runs(study):
    before = set(log_lines(study, "train", "trained"))
    jobs = run(study, GROWN)
    assert jobs["train"] == jobs["evaluate"] == 1  # CSRAE's structure; the VAE's job is untouched
    new = set(log_lines(study, "train", "trained")) - before
    assert len(new) == 2 and all("{'lambda': 2.0}" in line for line in new)


def test_training_longer_continues_and_switching_back_recomputes_nothing(study):
    config = GROWN
    first, folders = tables(study), run_folders(study)
    longer = with_changes(config, training=config["training"] | {"epochs": 5})
    jobs = run(study, longer)
    assert jobs["train"] == jobs["evaluate"] == 2
    assert len(log_lines(study, "train", "continuing from")) == 6  # every run, from its 3-epoch checkpoint
    assert folders < run_folders(study)  # the 3-epoch runs are kept beside the 5-epoch ones
    assert tables(study) != first
    jobs = run(study, config)
    assert "train" not in jobs and "evaluate" not in jobs and jobs["tables"] == 1
    assert tables(study) == first  # byte for byte


def test_two_configs_in_one_working_directory_keep_their_own_runs(study):
    config = GROWN
    first = tables(study)
    other = with_changes(config, training=config["training"] | {"lr": 0.002}, seeds=[0])
    other["evaluation"] = config["evaluation"] | {"ll_samples": 10}
    jobs = run(study, other)
    assert jobs["train"] == jobs["evaluate"] == 2
    table1 = (study / "results" / "table1.csv").read_text()
    assert table1 != first["table1.csv"].decode() and ",1," in table1.splitlines()[1]  # its own runs: one seed
    shutil.copy(study / "results" / "in_use.json", study / "other_in_use.json")
    jobs = run(study, config)
    assert "train" not in jobs and "evaluate" not in jobs
    assert tables(study) == first


def test_a_failing_job_leaves_every_earlier_result_readable(study):
    """Snakemake removes a failed job's output, which is only its manifest: every run and evaluation stays,
    and the rerun after the fix lists them again without training or evaluating anything."""
    data = study / "results" / "data" / "pinwheel" / "data.npz"
    original = data.read_bytes()
    records = {
        p: p.read_bytes() for p in (study / "results").rglob("*.json") if p.name in ("summary.json", "metrics.json")
    }
    manifests = {p: p.read_bytes() for p in (study / "results" / "manifests").rglob("*.json")}
    data.write_bytes(original[: len(original) // 2])  # damaged: every training job fails to read it
    (study / "config" / "config.yaml").write_text(yaml.safe_dump(GROWN))
    result = snakemake(study, "--cores", "2", check=False)
    assert result.returncode != 0 and "Error in rule train" in result.stdout + result.stderr
    for path, content in records.items():
        assert path.read_bytes() == content and (path.parent / "definition.json").is_file()
    for folder in run_folders(study):
        assert (folder / "model.pt").is_file() and (folder / "checkpoint.pt").is_file()
    data.write_bytes(original)
    trained = set(log_lines(study, "train", "trained"))
    jobs = run(study, GROWN)
    assert jobs["train"] == 2 and set(log_lines(study, "train", "trained")) == trained  # all read back
    assert {p: p.read_bytes() for p in manifests} == manifests


def test_provenance_in_every_record_and_the_code_version_in_table1(study):
    summaries = list((study / "results" / "runs").rglob("summary.json"))
    metrics = list((study / "results" / "evaluation").rglob("metrics.json"))
    assert summaries and metrics
    fields = {"csrae", "git_commit", "git_dirty", "python", "torch", "cuda", "device", "device_name", "components"}
    for path in summaries + metrics:
        record = json.loads(path.read_text())
        assert fields <= set(record["provenance"]), path
        assert record["key"] == path.parent.name
    table1 = (study / "results" / "table1.csv").read_text().splitlines()
    assert "code" in table1[0].split(",") and all("csrae 0.1.0" in row for row in table1[1:])


def test_bumping_a_component_version_reruns_exactly_what_depends_on_it(study, tmp_path):
    """The workflow from a copy of the repository whose csrae/versions.py has one version bumped (that copy's
    csrae first on the search path; run from the working directory, so that the checkout's is not)."""
    copy = tmp_path / "repo"
    for folder in ("workflow", "csrae"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    versions = copy / "csrae" / "versions.py"
    source = versions.read_text()
    planned = {}
    for component in ("evaluation", "model", "feature_net"):
        versions.write_text(re.sub(rf'"{component}": (\d+)', rf'"{component}": 99', source))
        command = [sys.executable, "-m", "snakemake", "-s", str(copy / "workflow" / "Snakefile"), "-d", str(study)]
        env = os.environ | {"PYTHONPATH": str(copy)}
        dry_run = subprocess.run([*command, "-n"], cwd=study, capture_output=True, text=True, check=True, env=env)
        output = dry_run.stdout
        planned[component] = {rule for rule, _ in re.findall(r"^(\w+)\s+(\d+)$", output, re.MULTILINE)}
    assert "evaluate" in planned["evaluation"] and "train" not in planned["evaluation"]
    assert {"train", "evaluate"} <= planned["model"]
    # pinwheel has no FID classifier: a new classifier version changes none of its jobs
    assert not {"train", "evaluate", "feature_net"} & planned["feature_net"]


def test_rounds_of_seeds_train_only_the_new_runs_and_a_killed_round_resumes(study):
    """A ``decide`` block (rounds of 2, 4, 8 seeds): round 1 is the two-seed study; after its look, round 2
    trains seeds 2 and 3 of the cells an undecided effect needs, and nothing else.  Killed with its Snakemake
    while a round-2 run trains, the round resumes from that run's checkpoint.  (Longer training than the
    other steps, so that the kill lands mid-run.)"""
    training = CONFIG["training"] | {"epochs": 200, "patience": 200}
    config = with_changes(CONFIG, seeds=[0, 1], training=training, decide={"max_seeds": 8})
    (study / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    command = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"), "--cores", "2"]
    process = subprocess.Popen(command, cwd=study, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    killed_at = None
    while killed_at is None and process.poll() is None:
        for checkpoint in (study / "results" / "runs" / "pinwheel").glob("*/*/seed[23]/*/checkpoint.pt"):
            try:
                epoch = torch.load(checkpoint, weights_only=True)["epoch"]
            except (OSError, RuntimeError, EOFError):
                continue  # being written
            if epoch >= 2:
                os.killpg(process.pid, signal.SIGKILL)
                killed_at = epoch
                break
        time.sleep(0.05)
    process.wait()
    assert killed_at is not None, "no round-2 run was seen training"

    snakemake(study, "--unlock")  # the killed Snakemake's lock on the directory
    jobs = run(study, config)
    rounds = sorted((study / "results" / "decide").glob("round*.json"))
    assert len(rounds) >= 2 and json.loads(rounds[-1].read_text())["done"] and "train_round" in jobs
    logs = sorted((study / "results" / "logs" / "train-rounds").rglob("*.log"))
    lines = [line for log in logs for line in log.read_text().splitlines()]
    resumed = [int(m[1]) for line in lines if (m := re.match(r"resumed from .* at epoch (\d+)", line))]
    assert resumed and max(resumed) >= killed_at
    trained = [line for line in lines if line.startswith("trained")]
    assert trained and all(re.search(r" seed ([2-7]) ", line) for line in trained)  # the rounds' new seeds only
    assert not [line for line in lines if line.startswith("cached")]
    assert (study / "results" / "findings.md").read_text().startswith("# Findings")


def test_prune_lists_the_other_configs_runs_and_keeps_them_when_asked(study):
    command = [sys.executable, "-m", "csrae.cli", "prune"]
    listed = subprocess.run(command, cwd=study, capture_output=True, text=True, check=True).stdout
    unused = [line.split(" ", 1)[1] for line in listed.splitlines() if line.startswith("unused ")]
    assert any(u.startswith("results/runs/pinwheel/") for u in unused)  # the lr 0.002 and 5-epoch runs
    assert any(u.startswith("results/evaluation/pinwheel/") for u in unused)
    in_use = json.loads((study / "results" / "in_use.json").read_text())
    assert not set(unused) & set(in_use["folders"])
    kept = subprocess.run([*command, "--keep", "other_in_use.json"], cwd=study, capture_output=True, text=True)
    still = {line.split(" ", 1)[1] for line in kept.stdout.splitlines() if line.startswith("unused ")}
    other = json.loads((study / "other_in_use.json").read_text())
    assert still < set(unused) and not still & set(other["folders"])
    subprocess.run([*command, "--apply"], cwd=study, check=True, capture_output=True)
    assert "Nothing to be done" in snakemake(study, "-n").stdout
