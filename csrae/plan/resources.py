"""What the jobs that train or evaluate models ask a cluster for: GPUs, memory and run time.

Per rule (``train``, ``evaluate``, ``train_semisupervised``) the memory and
the minutes per run come from the defaults below, then the config's
``resources.<rule>``, then the dataset's; a job asks for its minutes per run
times its runs, more on each retry.  GPUs are asked for as ``gpu_request``
says: ``gpus`` (``--gpus=[model:]1``) or ``gres`` (``--gres=gpu[:model]:1``).
The values are Snakemake resource callables (``(wildcards, attempt)``) but
nothing here imports Snakemake.
"""

GPU_JOBS = {
    "train": {"mem_mb": 4000, "minutes_per_run": 120},
    "evaluate": {"mem_mb": 4000, "minutes_per_run": 60},
    "train_semisupervised": {"mem_mb": 8000, "minutes_per_run": 120},
}


class Resources:
    """The resource policy of a :class:`csrae.plan.Study`."""

    def __init__(self, study):
        self.study, self.config = study, study.config["resources"]

    def job_settings(self, rule: str, dataset: str) -> dict:
        """A GPU rule's memory and minutes per run for one dataset: defaults, then the config's, then the
        dataset's."""
        section = self.study.ssl.config["datasets"] if rule == "train_semisupervised" else self.study.config["datasets"]
        overrides = section[dataset].get("resources", {}).get(rule, {})
        return GPU_JOBS[rule] | self.config.get(rule, {}) | overrides

    def rule(self, rule: str, runs, partition: str | None) -> dict:
        """The resources of ``rule``: ``gpus_per_job`` GPUs asked for as ``gpu_request`` says, with the
        ``constraint``, on ``partition`` whenever a GPU is asked for; the memory of :meth:`job_settings` and
        its minutes per run times ``runs(wildcards)``, the job's runs, times the attempt."""
        gpus = self.config["gpus_per_job"]

        def runtime(wildcards, attempt):
            return self.job_settings(rule, wildcards.dataset)["minutes_per_run"] * runs(wildcards) * attempt

        resources = {
            "gpu": gpus,
            "mem_mb": lambda wildcards: self.job_settings(rule, wildcards.dataset)["mem_mb"],
            "runtime": runtime,
        }
        if not gpus:
            return resources
        model = self.config.get("gpu_model")
        if self.config["gpu_request"] == "gres":
            resources["gpu"] = 0  # the GPU is in the GRES request instead (the two exclude each other)
            resources["gres"] = f"gpu:{model}:{gpus}" if model else f"gpu:{gpus}"
        elif model:
            resources["gpu_model"] = model
        if "constraint" in self.config:
            resources["constraint"] = self.config["constraint"]
        if partition:
            resources["slurm_partition"] = partition
        return resources
