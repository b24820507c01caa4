# The study's plan (csrae.plan): every job, its identity and the targets come from there; this file
# checks the config before any job and keeps the input functions of the rules.

import os
import sys

from csrae import devices, plan
from csrae.data import registry as datasets
from csrae.naming import cell_id, weight_name
from csrae.plan import EVALUATION_STORE, RUN_STORE
from csrae.plan.semisupervised import SSL_STORE
from csrae.prune import plan_key, write_plan
from csrae.registry import generative_models, semisupervised_models, supervised_models
from csrae.selection import CRITERIA
from csrae.semisupervised.selection import AU_TABLE
from csrae.store import read_json

try:
    STUDY = plan.start(
        config,
        workflow.configfiles,
        workflow.source_path("../schemas/config.schema.yaml"),
    )
except (plan.ConfigError, datasets.DatasetFileError) as error:
    raise WorkflowError(str(error)) from None
SSL, ROUNDS = STUDY.ssl, STUDY.rounds


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
# A training job trains every setting × seed of one structure (the settings that differ only in the
# regulariser weight), an evaluation job evaluates them; each job's output is its manifest, named by the
# hash of what defines it (csrae.plan.jobs); runs and evaluations live in stores (csrae.store).
STRUCTURE = "{dataset}/{model}/{structure}"
# Jobs that ask for a GPU go to this partition (profiles/slurm/config.yaml sets the rest); run by Snakemake
# itself, each holds one of the `--resources gpu=N` GPUs (csrae.devices).
GPU_PARTITION = os.environ.get("CSRAE_SLURM_GPU_PARTITION")
# --resources gpu=N: a Resource, whose value is N or None
gpus = workflow.global_resources.get("gpu")
os.environ[devices.SLOTS] = str(getattr(gpus, "value", gpus) or "")


wildcard_constraints:
    dataset="|".join(sorted(set(STUDY.prepared + SSL.datasets))),
    model="|".join(generative_models()),
    study="|".join(CRITERIA),
    hp="[^/]+",
    structure="z=[^/]+",
    job="[0-9a-f]{12}",


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


def structure_settings(wildcards):
    return STUDY.structure_settings(
        wildcards.dataset, wildcards.model, wildcards.structure
    )


def structure_runs(wildcards):
    """How many runs (settings × seeds) a structure's job trains or evaluates."""
    return len(structure_settings(wildcards)) * len(config["seeds"])


def own_arrays(wildcards):
    """The .npz file of a dataset the config declares (a change prepares it anew); none for the others."""
    settings = STUDY.dataset_settings(wildcards.dataset)
    return [settings["source"]] if "architecture" in settings else []


def train_manifest(wildcards):
    return STUDY.train_manifest(wildcards.dataset, wildcards.model, wildcards.structure)


def evaluation_manifests(wildcards):
    study = wildcards.get("study", "generative")
    return STUDY.evaluation_manifests(wildcards.dataset, wildcards.model, study)


def feature_net_input(wildcards):
    return STUDY.feature_net(wildcards.dataset) or []


def feature_net_label(wildcards):
    """The classifier's dataset, where it is not the evaluated one (named in Table I's fid_features)."""
    donor = datasets.dataset(wildcards.dataset).fid_classifier
    return donor if donor != wildcards.dataset else None


def selections(wildcards):
    """The generative study's selection of every model of the dataset."""
    return [
        f"results/selection/generative/{wildcards.dataset}/{model}.json"
        for model in STUDY.model_grids(wildcards.dataset)
    ]


def ssl_prepared(wildcards):
    if wildcards.dataset in SSL.face_datasets:
        return rules.prepare_faces.output[0].format(dataset=wildcards.dataset)
    return rules.prepare_dataset.output.data.format(dataset=wildcards.dataset)


def ssl_job(wildcards):
    """What defines a semi-supervised training job (its script checks that it hashes to its {job})."""
    return SSL.job(
        wildcards.dataset,
        wildcards.model,
        wildcards.labels,
        wildcards.hp,
        int(wildcards.fold),
    )


def au_table_input(wildcards):
    dataset = {table: d for d, table in AU_TABLE.items()}[wildcards.au_table]
    return f"results/semisupervised/selection/{dataset}.json"


# Rounds of seeds (rules/rounds.smk)


def round_cell(wildcards):
    return cell_id(wildcards.dataset, wildcards.model, wildcards.hp)


def round_file(round_):
    """The file of a round of seeds (csrae.rounds), once its checkpoint has run."""
    return checkpoints.decide_round.get(round=round_).output[0]


def round_inputs(wildcards):
    """A round's look: the selections and, after the first, the previous round and its new evaluations."""
    round_ = int(wildcards.round)
    inputs = {
        "generative": STUDY.selections("generative"),
        "knn": STUDY.selections("knn"),
        "semisupervised": SSL.selections(),
        "meta": [f"results/data/{dataset}/meta.json" for dataset in STUDY.datasets],
    }
    if round_ > 1:
        inputs["previous"] = round_file(round_ - 1)
        cells = read_json(inputs["previous"])["needed"]
        inputs["evaluations"] = [ROUNDS.evaluation_manifest(c, round_) for c in cells]
    return inputs


def rounds_done(wildcards):
    """The last round's file: what the rounds decided, and every run they added (none without rounds)."""
    if not ROUNDS.active:
        return []
    round_ = 1
    while not read_json(round_file(round_))["done"]:
        round_ += 1
    return round_file(round_)


def round_manifests(wildcards):
    """Every manifest the rounds of seeds wrote (kept by csrae prune)."""
    if not ROUNDS.active:
        return []
    manifests, round_ = [], 1
    while not (done := read_json(round_file(round_)))["done"]:
        round_ += 1
        for cell in done["needed"]:
            manifests += [
                ROUNDS.train_manifest(cell, round_),
                ROUNDS.evaluation_manifest(cell, round_),
            ]
    return manifests
