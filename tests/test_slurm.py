"""`snakemake --profile profiles/slurm all` against a live single-node Slurm with two fake GPUs.

Asserts from Slurm's own records that every training, evaluation and
semi-supervised training job ran on the GPU partition with a GPU of the
asked-for type, the other jobs that need torch on the CPU partition, and the
selection, tables and plots on the submitting host (``localrule``); that a
training job requeued mid-way (``scontrol requeue``, as a preemption would)
stopped on SIGTERM, ran again under its job id and ended with the numbers of
an uninterrupted local run; that a training job needing about two and a half times the
one-minute limit of its partition finished over several attempts, each
continuing where the limit's SIGTERM stopped the last, bit for bit as trained
without a limit; then that the other ways of asking for the GPU (``--gpus``
with and without a model, ``--gres`` without) are accepted too.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from slurm_cluster import GPU_MODEL, LIMITED, LocalSlurm, available

from csrae.data import Dataset
from csrae.run import RunSpec, train_run
from csrae.trainer import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".test" / "config" / "slurm.yaml"
REQUEUED_RUN = "pinwheel/CSRAE/z=2_lambda=1/seed0"  # under results/runs/ and results/evaluation/, by key

reason = available()
if reason and os.environ.get("CSRAE_REQUIRE_SLURM"):
    raise RuntimeError(f"CSRAE_REQUIRE_SLURM is set but {reason}")
pytestmark = [pytest.mark.slurm, pytest.mark.skipif(reason is not None, reason=str(reason))]


def workdir(path: Path, profile: bool) -> Path:
    (path / "config").mkdir(parents=True)
    shutil.copy(CONFIG, path / "config" / "config.yaml")
    if profile:
        shutil.copytree(ROOT / "profiles", path / "profiles")
    return path


def sacct() -> list[dict]:
    fields = ["JobID", "State", "ReqTRES", "Partition", "Comment"]
    out = subprocess.run(
        ["sacct", "-X", "-n", "-P", "-a", "-o", ",".join(fields)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    return [dict(zip(fields, line.split("|"))) for line in out.splitlines() if line]


def requeue_when_training(process: subprocess.Popen, cwd: Path, min_epoch: int = 3) -> tuple[str, int]:
    """``scontrol requeue`` the CSRAE training job once its checkpoint has passed ``min_epoch``."""
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
        checkpoints = list(cwd.glob(f"results/runs/{REQUEUED_RUN}/*/checkpoint.pt"))
        if checkpoints:
            epoch = torch.load(checkpoints[0], weights_only=True)["epoch"]
            if epoch >= min_epoch:
                jobs = subprocess.run(
                    ["squeue", "-h", "-o", "%i|%k"], capture_output=True, text=True, timeout=10
                ).stdout
                for line in jobs.splitlines():
                    job_id, comment = line.split("|", 1)
                    if comment.startswith("rule_train_wildcards") and "_CSRAE_" in comment:
                        subprocess.run(["scontrol", "requeue", job_id], check=True, timeout=10)
                        return job_id, epoch
        time.sleep(0.2)
    raise AssertionError("the CSRAE training job was never seen running with a checkpoint")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with LocalSlurm(tmp_path_factory.mktemp("slurm")) as running:
        yield running
        subprocess.run(["scancel", "--user", "root"], timeout=10)


def profile_run(cluster_dir: Path, *args: str) -> subprocess.Popen:
    """``snakemake --profile profiles/slurm`` in ``cluster_dir``, its output in ``cluster_dir/snakemake.log``."""
    env = os.environ | {
        "CSRAE_SLURM_ACCOUNT": "csrae",
        "CSRAE_SLURM_PARTITION": "cpu",
        "CSRAE_SLURM_GPU_PARTITION": "gpu",
    }
    command = [
        sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"),
        "--profile", "profiles/slurm", "--configfile", "config/config.yaml",
        "--slurm-init-seconds-before-status-checks", "1", "--seconds-between-status-checks", "2",
        "--verbose", *args,
    ]  # fmt: skip
    log = open(cluster_dir / "snakemake.log", "w")
    return subprocess.Popen(command, cwd=cluster_dir, env=env, stdout=log, stderr=subprocess.STDOUT)


def sbatch_lines(cluster_dir: Path) -> list[str]:
    output = (cluster_dir / "snakemake.log").read_text()
    return [
        line.strip() for line in output.splitlines() if "sbatch call:" in line or line.strip().startswith("sbatch ")
    ]


def test_profile_runs_gpu_jobs_and_resumes_a_cancelled_job(cluster, tmp_path):
    cluster_dir = workdir(tmp_path / "cluster", profile=True)
    process = profile_run(cluster_dir, "all")
    requeued_id, requeued_at = requeue_when_training(process, cluster_dir)
    try:
        returncode = process.wait(timeout=480)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    output = (cluster_dir / "snakemake.log").read_text()
    assert returncode == 0, output[-5000:]
    submitted = sbatch_lines(cluster_dir)
    print("\n".join(submitted))  # the sbatch lines, for the record

    records = sacct()
    train = [r for r in records if r["Comment"].startswith("rule_train_wildcards")]
    assert len({r["Comment"] for r in train}) == 3
    submitted_rules = {re.match(r"rule_(\w+?)(_wildcards|$)", r["Comment"])[1] for r in records}
    assert submitted_rules == {"prepare_dataset", "figure1", "train", "evaluate", "train_semisupervised"}
    assert (cluster_dir / "results" / "table3.csv").is_file()  # its rules ran on this host
    gpu_rules = ("rule_train_", "rule_evaluate_", "rule_train_semisupervised_")
    on_gpu = [r for r in records if r["Comment"].startswith(gpu_rules)]
    for record in records:
        if record in on_gpu:
            assert record["Partition"] == "gpu" and f"gres/gpu:{GPU_MODEL}=1" in record["ReqTRES"], record
        else:
            assert record["Partition"] == "cpu" and "gres/gpu" not in record["ReqTRES"], record
    for line in submitted:
        if any(rule in line for rule in gpu_rules):
            assert f"--gres=gpu:{GPU_MODEL}:1" in line and "--gpus" not in line, line
        else:
            assert "--gres" not in line and "--gpus" not in line, line
    # Requeued, the job ran again under its id (Snakemake never saw it fail) and continued the run.
    assert job_states(requeued_id) == ["REQUEUED", "COMPLETED"]
    assert [r["State"] for r in train if r["JobID"] == requeued_id] == ["COMPLETED"]
    # Its log (Snakemake starts it afresh for each attempt) shows the run continue where SIGTERM stopped it: at
    # the step it reached within an epoch, or at the epoch it was about to start.
    (train_log,) = [p.read_text() for p in cluster_dir.glob("results/logs/train/pinwheel/CSRAE/z=2/*.log")]
    assert "on device cpu" in train_log
    continued = re.search(r"^(?:continuing epoch (\d+) at step \d+ of|resumed from .* at epoch (\d+))", train_log, re.M)
    assert continued and int(continued[1] or continued[2]) >= requeued_at, train_log[-3000:]

    # The requeued structure trained and evaluated locally, uninterrupted, gives the same numbers.
    config = yaml.safe_load(CONFIG.read_text())
    del config["semisupervised"], config["figure2"]
    local_dir = workdir(tmp_path / "local", profile=False)
    local_config = config | {"models": {"CSRAE": config["models"]["CSRAE"]}}
    (local_dir / "config" / "config.yaml").write_text(yaml.safe_dump(local_config))
    subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"), "--cores", "2",
         "--until", "evaluate"],
        cwd=local_dir, check=True, capture_output=True,
    )  # fmt: skip
    (run,) = local_dir.glob(f"results/runs/{REQUEUED_RUN}/*/history.csv")
    (evaluation,) = local_dir.glob(f"results/evaluation/{REQUEUED_RUN}/*/metrics.json")
    name = run.relative_to(local_dir)
    assert (cluster_dir / name).read_text() == run.read_text(), name
    name = evaluation.relative_to(local_dir)  # the same numbers; the provenance names the device Slurm gave
    cluster_metrics, local_metrics = json.loads((cluster_dir / name).read_text()), json.loads(evaluation.read_text())
    for record, visible in ((cluster_metrics, "0"), (local_metrics, None)):
        assert record.pop("provenance")["cuda_visible_devices"] == visible
        assert record.pop("trained_with")["cuda_visible_devices"] == visible
    assert cluster_metrics == local_metrics

    time_limited_training_continues_over_attempts(cluster_dir, tmp_path / "limited", config)
    other_gpu_requests_are_accepted(cluster_dir, tmp_path, config)


def job_states(job_id: str) -> list[str]:
    """Every record of one job, requeues included (``sacct -D``), oldest first."""
    out = subprocess.run(
        ["sacct", "-X", "-n", "-P", "-D", "-j", job_id, "-o", "State"],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout  # fmt: skip
    return [line.split()[0] for line in out.splitlines() if line]


def time_limited_training_continues_over_attempts(cluster_dir: Path, copy: Path, config: dict) -> None:
    """A training job that needs about two and a half times its partition's one-minute limit: Slurm stops
    each attempt (TIMEOUT) after its SIGTERM made the trainer write its step, Snakemake submits the next
    attempt (six minutes asked for in all: the workflow retries the rule five times more, plus the profile's
    two for failures), and the run ends bit for bit as trained in one go."""
    shutil.copytree(cluster_dir, copy, symlinks=True)
    data = Dataset.load(copy / "results" / "data" / "pinwheel")
    torch.set_num_threads(1)  # as the job's one thread
    hparams, training = {"lambda": 3.0}, config["training"] | {"warmup": 0}

    def spec(epochs: int) -> RunSpec:
        settings = TrainConfig(**training | {"epochs": epochs, "patience": epochs})
        return RunSpec("pinwheel", "CSRAE", hparams, 2, settings)

    seconds = []
    for epochs in (10, 40):  # the seconds of an epoch, without those of starting a run
        started = time.perf_counter()
        train_run(spec(epochs), data, copy / f"calibration{epochs}")
        seconds.append(time.perf_counter() - started)
    epochs = round(150 / ((seconds[1] - seconds[0]) / 30))  # about two and a half minutes in one go
    limited = config | {
        "training": training | {"epochs": epochs, "patience": epochs},
        "models": {"CSRAE": {"lambda": [hparams["lambda"]]}},
        "resources": config["resources"] | {"train": {"partition": LIMITED, "max_minutes": 1, "minutes_per_run": 6}},
    }
    (copy / "config" / "config.yaml").write_text(yaml.safe_dump(limited))
    process = profile_run(copy, "--until", "train")
    reference = train_run(spec(epochs), data, copy / "reference")  # meanwhile, on the other core
    assert process.wait(timeout=900) == 0, (copy / "snakemake.log").read_text()[-5000:]

    lines = [line for line in sbatch_lines(copy) if "rule_train_wildcards" in line]
    assert len(lines) >= 2 and all(" -t 1 " in line and f"-p {LIMITED}" in line for line in lines), lines
    job_ids = re.findall(r"submitted with SLURM jobid (\d+)", (copy / "snakemake.log").read_text())
    states = [state for job_id in job_ids for state in job_states(job_id)]
    assert len(states) >= 2 and states[-1] == "COMPLETED" and set(states[:-1]) == {"TIMEOUT"}, states
    # A stopped attempt says so in its Slurm log (its own log is started afresh by the next attempt), and the
    # last attempt went on from what the store held: the run's state (or the run itself, when an attempt
    # finished training just as its limit came).
    attempts = [next(copy.glob(f".snakemake/slurm_logs/rule_train/*/{job_id}.log")) for job_id in job_ids[:-1]]
    assert any("csrae: stopped by SIGTERM" in path.read_text() for path in attempts)
    logs = [p.read_text() for p in copy.glob("results/logs/train/pinwheel/CSRAE/z=2/*.log")]
    (log,) = [text for text in logs if "{'lambda': 3.0}" in text]
    assert re.search(r"^(resumed from|cached) ", log, re.MULTILINE), log[-3000:]
    (history,) = copy.glob("results/runs/pinwheel/CSRAE/z=2_lambda=3/seed0/*/history.csv")
    assert history.read_text() == (copy / "reference" / "history.csv").read_text()
    assert reference["epochs_run"] == epochs  # no early stop: every attempt's epochs were needed
    print(f"{epochs} epochs over {len(states)} attempts: {states}")  # for the record


def other_gpu_requests_are_accepted(cluster_dir: Path, tmp_path: Path, config: dict) -> None:
    """The other requests of the GPU: one new training job each, submitted at once from copies of the
    cluster directory (its prepared data reused)."""
    training = config["training"] | {"epochs": 1, "warmup": 0}
    requests = {
        f"--gpus={GPU_MODEL}:1": {"gpu_request": "gpus", "gpu_model": GPU_MODEL},
        "--gres=gpu:1": {"gpu_request": "gres"},
        "--gpus=1": {"gpu_request": "gpus"},
    }
    runs, before = {}, {r["JobID"] for r in sacct()}
    for beta, (flag, resources) in enumerate(requests.items(), start=2):
        copy = shutil.copytree(cluster_dir, tmp_path / f"request{beta}", symlinks=True)
        request = config | {
            "training": training,
            "models": {"VAE": {"beta": [float(beta)]}},
            "resources": {"gpus_per_job": 1} | resources,
        }
        (copy / "config" / "config.yaml").write_text(yaml.safe_dump(request))
        runs[flag] = copy, profile_run(copy, "--until", "train")
    for flag, (copy, process) in runs.items():
        assert process.wait(timeout=300) == 0, (copy / "snakemake.log").read_text()[-3000:]
        lines = [line for line in sbatch_lines(copy) if "rule_train_wildcards" in line]
        assert lines and all(flag in line and ("--gres" in line) != ("--gpus" in line) for line in lines), lines
        (job_id,) = re.findall(r"submitted with SLURM jobid (\d+)", (copy / "snakemake.log").read_text())
        job = next(r for r in sacct() if r["JobID"] == job_id)
        assert job_id not in before and job["State"] == "COMPLETED", job
        assert job["Partition"] == "gpu" and "gres/gpu=1" in job["ReqTRES"], job
