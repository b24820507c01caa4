# Where the jobs run: the file system they share, the GPU partition and device slots, and the time limits
# and attempts of the GPU rules (csrae.plan.resources, csrae.devices; docs/cluster.md).

import os

from csrae import devices


def check_shared_files():
    """Refuse a storage provider or executor without a file system every job shares (csrae.plan.checks)."""
    if workflow.remote_exec:
        return
    settings, executor = workflow.storage_settings, workflow.executor_plugin
    no_shared = (
        executor and executor.common_settings.implies_no_shared_fs and executor.name
    )
    usage = {usage.name for usage in settings.shared_fs_usage}
    try:
        plan.check_shared_files(usage, settings.default_storage_provider, no_shared)
    except plan.ConfigError as error:
        raise WorkflowError(str(error)) from None


check_shared_files()  # the command line's flags, before any job (onstart checks the executor's too)


# Jobs that ask for a GPU go to this partition (profiles/slurm/config.yaml sets the rest); run by Snakemake
# itself, each holds one of the `--resources gpu=N` GPUs (csrae.devices).
GPU_PARTITION = os.environ.get("CSRAE_SLURM_GPU_PARTITION")
# --resources gpu=N: a Resource, whose value is N or None
gpus = workflow.global_resources.get("gpu")
os.environ[devices.SLOTS] = str(getattr(gpus, "value", gpus) or "")


def gpu_job(rule, runs):
    """Resources of a rule that trains or evaluates models (csrae.plan.resources), its run count given by
    ``runs(wildcards)``; on the GPU partition ($CSRAE_SLURM_GPU_PARTITION) whenever a GPU is asked for.
    """
    return STUDY.resources.rule(rule, runs, GPU_PARTITION)


# The GPU rules, each with the resource policy its jobs follow (csrae.plan.resources).
GPU_RULES = {
    "train": "train",
    "train_round": "train",
    "evaluate": "evaluate",
    "evaluate_round": "evaluate",
    "train_semisupervised": "train_semisupervised",
}


def extend_retries():
    """A job that needs longer than its time limit continues over further attempts: each GPU rule is retried
    as many more times as its longest job needs (csrae.plan.resources), on top of --retries (the profile's,
    for failures).  Set when the run starts: --retries is not known while the rules are parsed.
    """
    failures = workflow.execution_settings.retries
    for name, policy in GPU_RULES.items():
        workflow.get_rule(name).restart_times = (
            STUDY.resources.attempts(policy) - 1 + failures
        )
