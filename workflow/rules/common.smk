# The study's plan (csrae.plan): every job, its identity and the targets come from there; this file
# checks the config before any job and keeps the input functions of the rules.

import sys

from csrae import plan
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


# A training job trains every setting × seed of one structure (the settings that differ only in the
# regulariser weight), an evaluation job evaluates them; each job's output is its manifest, named by the
# hash of what defines it (csrae.plan.jobs); runs and evaluations live in stores (csrae.store).
STRUCTURE = "{dataset}/{model}/{structure}"


wildcard_constraints:
    dataset="|".join(sorted(set(STUDY.prepared + SSL.datasets))),
    model="|".join(generative_models()),
    study="|".join(CRITERIA),
    hp="[^/]+",
    structure="z=[^/]+",
    job="[0-9a-f]{12}",


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


def round_file(round_):
    """The file of a round of seeds (csrae.rounds), once its checkpoint has run."""
    return checkpoints.decide_round.get(round=round_).output[0]


def round_files():
    """Every round's file, up to the one that found the study done (none without rounds)."""
    files = []
    while ROUNDS.active and not (files and read_json(files[-1])["done"]):
        files.append(round_file(len(files) + 1))
    return files


def round_inputs(wildcards):
    round_ = int(wildcards.round)
    return ROUNDS.look_inputs(round_, round_file(round_ - 1) if round_ > 1 else None)


def rounds_done(wildcards):
    """The last round's file: what the rounds decided, and every run they added (none without rounds)."""
    files = round_files()
    return files[-1] if files else []


def round_manifests(wildcards):
    """Every manifest the rounds of seeds wrote (kept by csrae prune)."""
    return ROUNDS.added_manifests([read_json(path) for path in round_files()])
