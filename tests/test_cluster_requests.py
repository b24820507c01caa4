"""What the GPU jobs ask a Slurm cluster for: the jobs of a dry run, with placement set per rule and per
dataset, through snakemake-executor-plugin-slurm's own sbatch command line; and the refusal to run where
the jobs share no file system."""

import re
import shlex
from types import SimpleNamespace

import pytest
import yaml
from snakemake_executor_plugin_slurm import Executor
from snakemake_executor_plugin_slurm.submit_string import get_submit_command
from snakemake_executor_plugin_slurm.utils import set_gres_string
from snakemake_executor_plugin_slurm.validation import validate_slurm_extra

from csrae import plan
from tests.fixtures import ROOT, planned_jobs, snakemake

GPU_RULES = {"train", "evaluate", "train_semisupervised"}


class Resources(dict):
    """A job's evaluated resources, read as the plugin reads them (``.get`` and attributes)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def sbatch(job: dict) -> str:
    """The sbatch command line the plugin would submit ``job`` with."""
    planned = SimpleNamespace(name=job["rule"], threads=1, resources=Resources(job["resources"]))
    validate_slurm_extra(planned)
    executor = SimpleNamespace(_partitions=None, _fallback_partition=None, logger=None)
    params = {
        "run_uuid": "csrae", "slurm_logfile": "slurm.log", "comment_str": f"rule_{job['rule']}",
        "account": "-A lab", "partition": Executor.get_partition_arg(executor, planned), "workdir": None,
    }  # fmt: skip
    return get_submit_command(planned, params) + set_gres_string(planned)


def flags(line: str) -> dict:
    words, found = shlex.split(line), {}
    for flag, value in zip(words, words[1:] + [""]):
        if flag in ("-t", "-p", "-C", "--mem"):
            found[flag] = value
        elif flag.startswith(("--qos=", "--gres=", "--gpus=", "--signal=")):
            found[flag.split("=")[0]] = flag.split("=", 1)[1]
    return found


def test_placement_per_rule_and_dataset_reaches_sbatch(tmp_path, monkeypatch):
    config = yaml.safe_load((ROOT / ".test" / "config" / "slurm.yaml").read_text())
    config["resources"] = {
        "gpus_per_job": 1, "gpu_request": "gres", "gpu_model": "a100", "qos": "normal", "max_minutes": 100,
        "evaluate": {"minutes_per_run": 7},
    }  # fmt: skip
    config["datasets"]["pinwheel"]["resources"] = {
        "train": {"gpu_model": "h100", "partition": "long", "qos": "high", "constraint": "fast|faster",
                  "slurm_extra": "--signal=TERM@120", "minutes_per_run": 50, "max_minutes": 30, "mem_mb": 6000},
    }  # fmt: skip
    config["semisupervised"]["datasets"]["mnist5k"]["resources"] = {"train_semisupervised": {"max_minutes": 45}}
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("CSRAE_SLURM_GPU_PARTITION", "gpu")

    jobs = [job for job in planned_jobs(snakemake(tmp_path, "-n").stdout) if job["rule"] in GPU_RULES]
    assert {job["rule"] for job in jobs} == GPU_RULES
    for job in jobs:
        got = flags(sbatch(job))
        if job["rule"] == "train":  # pinwheel's own placement; 50 minutes capped at its 30
            expected = {"-t": "30", "-p": "long", "--qos": "high", "-C": "fast|faster", "--mem": "6000",
                        "--gres": "gpu:h100:1", "--signal": "TERM@120"}  # fmt: skip
        elif job["rule"] == "evaluate":  # the rule's minutes, the study's GPU model, QoS and partition
            expected = {"-t": "7", "-p": "gpu", "--qos": "normal", "--mem": "4000", "--gres": "gpu:a100:1"}
        else:  # 120 minutes per seed by default, capped at the dataset's 45
            expected = {"-t": "45", "-p": "gpu", "--qos": "normal", "--mem": "8000", "--gres": "gpu:a100:1"}
        assert got == expected, (job["rule"], got)


def test_a_run_without_a_shared_file_system_is_refused_before_any_job(tmp_path):
    """The jobs share the run and evaluation stores through the file system: without one shared for inputs and
    outputs (``--shared-fs-usage`` without ``input-output``) the run stops at once, saying why and what works."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text((ROOT / ".test" / "config" / "slurm.yaml").read_text())
    result = snakemake(tmp_path, "-n", "--shared-fs-usage", "persistence", "software-deployment", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "shared file system: --shared-fs-usage without input-output" in output
    assert "profiles/slurm" in output and not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("usage", "storage", "executor", "why"),
    [
        ({"INPUT_OUTPUT"}, "s3", None, "--default-storage-provider s3"),
        ({"INPUT_OUTPUT"}, None, "kubernetes", "the kubernetes executor, which shares no file system"),
        ({"PERSISTENCE"}, None, None, "--shared-fs-usage without input-output"),
    ],
)
def test_what_shares_no_file_system(usage, storage, executor, why):
    with pytest.raises(plan.ConfigError, match=f"^shared file system: {re.escape(why)}"):
        plan.check_shared_files(usage, storage, executor)
    plan.check_shared_files({"INPUT_OUTPUT", "PERSISTENCE"}, None, None)  # local, Slurm
