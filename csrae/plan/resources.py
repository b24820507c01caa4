"""What the jobs that train or evaluate models ask a cluster for: GPUs, where, memory and a time limit.

Per rule (``train``, ``evaluate``, ``train_semisupervised``) each setting
comes from the defaults below, then the config's ``resources`` (its global
keys, then ``resources.<rule>``), then the dataset's ``resources.<rule>``.
A job's time is estimated from what it runs — its minutes per run (a run
trained alone, or a pack of ``pack`` runs trained at once) times its runs ÷
``pack`` — and asked for up to ``max_minutes`` per attempt (24 hours by
default, a common partition limit); a job that needs longer continues over
further attempts from its checkpoints (:meth:`Resources.attempts`, a
trainer stopped by the limit's SIGTERM writes one at the current step).
GPUs are asked for as ``gpu_request`` says: ``gpus`` (``--gpus=[model:]1``)
or ``gres`` (``--gres=gpu[:model]:1``); ``gpu_model``, ``constraint``,
``partition``, ``qos`` and ``slurm_extra`` (further sbatch flags) may differ
per dataset and rule.  The values are Snakemake resource callables
(``(wildcards)``; None: not asked for) but nothing here imports Snakemake.
"""

import math
import re

from csrae.plan.config import ConfigError

GPU_JOBS = {
    "train": {"mem_mb": 4000, "minutes_per_run": 120},
    "evaluate": {"mem_mb": 4000, "minutes_per_run": 60},
    "train_semisupervised": {"mem_mb": 8000, "minutes_per_run": 120},
}
MAX_MINUTES = 24 * 60
PLACEMENT = ("gpu_model", "constraint", "partition", "qos", "slurm_extra")  # per dataset and rule
PACKED = ("train",)  # the rules whose runs train ``pack`` at a time
# The sbatch flags the Slurm executor plugin sets itself (and refuses in ``slurm_extra`` when a job is
# submitted), with what sets each here.
PLUGIN_FLAGS = {
    r"--time\b|-t\b": "minutes_per_run and max_minutes",
    r"--partition\b|-p\b": "partition",
    r"--qos\b": "qos",
    r"--constraint\b|-C\b": "constraint",
    r"--mem\b|--mem-per-cpu\b": "mem_mb",
    r"--gres\b|--gpus\b": "gpus_per_job, gpu_request and gpu_model",
    r"--account\b|-A\b": "the profile's slurm_account",
    r"--(job-name|output|error|export|comment|workdir|ntasks|cpus-per-task|nodes|clusters)\b|-[JoeDnNc]\b": (
        "the executor plugin"
    ),
}


class Resources:
    """The resource policy of a :class:`csrae.plan.Study`."""

    def __init__(self, study):
        self.study, self.config = study, study.config["resources"]

    def settings(self, rule: str, dataset: str) -> dict:
        """A GPU rule's settings for one dataset: defaults, then the config's global keys and its
        ``resources.<rule>``, then the dataset's ``resources.<rule>``."""
        section = self.study.ssl.config["datasets"] if rule == "train_semisupervised" else self.study.config["datasets"]
        overrides = section.get(dataset, {}).get("resources", {}).get(rule, {})
        common = {key: self.config[key] for key in (*PLACEMENT, "max_minutes") if key in self.config}
        return {"max_minutes": MAX_MINUTES} | GPU_JOBS[rule] | common | self.config.get(rule, {}) | overrides

    def sections(self):
        """Every ``resources`` section of the config: ``(where, rule, section)``, rule None for the global keys."""
        yield "resources", None, self.config
        for rule in GPU_JOBS:
            yield f"resources.{rule}", rule, self.config.get(rule, {})
        study = self.study
        for prefix, datasets in (
            ("datasets", study.config["datasets"]),
            ("semisupervised.datasets", study.ssl.config["datasets"]),
        ):
            for dataset, settings in datasets.items():
                for rule, section in settings.get("resources", {}).items():
                    yield f"{prefix}.{dataset}.resources.{rule}", rule, section

    def check(self) -> None:
        """Refuse, before any job, a ``slurm_extra`` with a flag the executor plugin sets itself."""
        for where, _, section in self.sections():
            extra = section.get("slurm_extra", "")
            for pattern, setting in PLUGIN_FLAGS.items():
                if flag := re.search(rf"(?:^|\s)({pattern})", extra):
                    raise ConfigError(
                        f"{where}.slurm_extra: {flag[1]} is set by the Slurm executor plugin, which refuses it "
                        f"here; set it with {setting}"
                    )

    def minutes(self, rule: str, dataset: str, runs: int) -> int:
        """The minutes a job of ``runs`` runs needs in all: minutes per run (or pack) × runs ÷ pack."""
        pack = self.config.get("pack", 1) if rule in PACKED else 1
        return self.settings(rule, dataset)["minutes_per_run"] * math.ceil(runs / pack)

    def attempts(self, rule: str) -> int:
        """The attempts the study's longest job of ``rule`` needs at its time limit (at least 1): the rule
        retries a job that many times more than failures alone would."""
        study, seeds = self.study, len(self.study.config["seeds"])
        if rule == "train_semisupervised":
            jobs = [(dataset, seeds) for dataset in study.ssl.datasets]
        else:
            jobs = [(d, len(study.structure_settings(d, m, s)) * seeds) for d, m, s in study.structures_of()]
        limits = [math.ceil(self.minutes(rule, d, runs) / self.settings(rule, d)["max_minutes"]) for d, runs in jobs]
        return max(limits, default=1)

    def named(self, key: str, rule: str) -> bool:
        """Whether the config sets ``key`` for ``rule`` anywhere: globally, for the rule, for a dataset."""
        return any(key in section for _, named_rule, section in self.sections() if named_rule in (None, rule))

    def rule(self, rule: str, runs, partition: str | None) -> dict:
        """The resources of ``rule``'s jobs (``runs(wildcards)``: a job's runs): ``gpus_per_job`` GPUs, the
        memory, a time limit of the job's minutes up to ``max_minutes`` (the same on every attempt: each
        continues the last), and where it runs; ``partition`` ($CSRAE_SLURM_GPU_PARTITION) for a GPU job
        unless the config names one."""
        gpus = self.config["gpus_per_job"]

        def setting(name):
            return lambda wildcards: self.settings(rule, wildcards.dataset).get(name)

        def runtime(wildcards):
            limit = self.settings(rule, wildcards.dataset)["max_minutes"]
            return min(limit, self.minutes(rule, wildcards.dataset, runs(wildcards)))

        def slurm_partition(wildcards):
            return self.settings(rule, wildcards.dataset).get("partition", partition if gpus else None)

        resources = {"gpu": gpus, "mem_mb": setting("mem_mb"), "runtime": runtime}
        resources |= {"constraint": setting("constraint"), "qos": setting("qos"), "slurm_extra": setting("slurm_extra")}
        if gpus or self.named("partition", rule):  # else the profile's default partition
            resources["slurm_partition"] = slurm_partition
        if not gpus:
            return resources
        if self.config["gpu_request"] == "gres":
            resources["gpu"] = 0  # the GPU is in the GRES request instead (the two exclude each other)

            def gres(wildcards):
                model = self.settings(rule, wildcards.dataset).get("gpu_model")
                return f"gpu:{model}:{gpus}" if model else f"gpu:{gpus}"

            resources["gres"] = gres
        else:
            resources["gpu_model"] = setting("gpu_model")
        return resources
