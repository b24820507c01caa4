import os

import csrae.data
import csrae.data.own

from snakemake.utils import validate

from csrae.data.faces import ACTION_UNITS, N_FOLDS, read_index
from csrae.kernels import pin_cpu_kernels
from csrae import plugins, registry
from csrae.naming import (
    SUPERVISED_MODELS,
    SUPERVISED_SETTING,
    budget_alphas,
    labels_id,
    parse_labels_id,
    ssl_hyperparameters,
    structure_id,
    sweep_settings,
    weight_name,
)
from csrae.selection import CRITERIA
from csrae.semisupervised.selection import AU_TABLE
from csrae.semisupervised.phases import phase_problem
from csrae.store import content_key
from csrae.prune import write_plan
from csrae.versions import COMPONENTS, versions

validate(config, schema="../schemas/config.schema.yaml")
# The researcher's own files (models, datasets), then every model grid and dataset against the registries:
# names, hyperparameters and their types, before any job.
plugins.load(config.get("plugins", []))
registry.check_model_grids(config)


for _dataset, _settings in config["datasets"].items():
    csrae.data.own.declare(_dataset, _settings, csrae.data.known)

# MKL's kernels for every job (set before any job imports torch; a cluster job re-reads this file).
pin_cpu_kernels(config["cpu_kernels"])

# A training job trains every setting × seed of one structure (the settings
# that differ only in the regulariser weight), an evaluation job evaluates
# them.  Runs and evaluations live in stores, a folder per definition
# (csrae.store); each job's output is a manifest named by the hash of what
# defines the job (train_manifest, evaluation_manifest).
STRUCTURE = "{dataset}/{model}/{structure}"
RUN_STORE = "results/runs"
EVALUATION_STORE = "results/evaluation"
DATASETS = list(config["datasets"])
IMAGE_DATASETS = [d for d in DATASETS if csrae.data.is_image(d)]
# Datasets whose FID uses a domain classifier's features (the others: the raw data).
CLASSIFIER_FID = [d for d in DATASETS if csrae.data.fid_classifier_dataset(d)]
SSL = config.get("semisupervised", {"datasets": {}})
SSL_DATASETS = list(SSL["datasets"])
FACE_DATASETS = [d for d in SSL_DATASETS if d in ACTION_UNITS]
DIGIT_DATASETS = [d for d in SSL_DATASETS if d not in ACTION_UNITS]
# Datasets prepared only to train another's FID classifier (static MNIST's is dynamic MNIST's).
FID_CLASSIFIER_ONLY = sorted(
    {csrae.data.fid_classifier_dataset(d) for d in CLASSIFIER_FID}
    - set(DATASETS + SSL_DATASETS)
)
PREPARED = sorted(set(DATASETS + DIGIT_DATASETS + FID_CLASSIFIER_ONLY))

# Memory (MB) and run time per run (minutes; a job runs every seed of a
# structure's or a setting's settings, and asks for more on each retry) of the GPU rules, unless
# `resources.<rule>` or a dataset's `resources.<rule>` says otherwise.
GPU_JOBS = {
    "train": {"mem_mb": 4000, "minutes_per_run": 120},
    "evaluate": {"mem_mb": 4000, "minutes_per_run": 60},
    "train_semisupervised": {"mem_mb": 8000, "minutes_per_run": 120},
}
# Jobs that ask for a GPU go to this partition (slurm/config.yaml sets the rest).
GPU_PARTITION = os.environ.get("CSRAE_SLURM_GPU_PARTITION")


def dataset_settings(dataset):
    """A dataset's entry in ``datasets`` or, for one only in the semi-supervised study, there."""
    return config["datasets"].get(dataset) or SSL["datasets"].get(dataset) or {}


def job_settings(rule, dataset):
    """A GPU rule's memory and run time for one dataset: defaults, then the config's, then the dataset's."""
    section = SSL["datasets"] if rule == "train_semisupervised" else config["datasets"]
    overrides = section[dataset].get("resources", {}).get(rule, {})
    return GPU_JOBS[rule] | config["resources"].get(rule, {}) | overrides


def gpu_job(rule, runs):
    """Resources of the rules that train or evaluate models: ``gpus_per_job`` GPUs asked for as
    ``gpu_request`` says (``gpu`` [+ ``gpu_model``] → sbatch --gpus, or ``gres`` → --gres), with the
    ``constraint``, on the GPU partition ($CSRAE_SLURM_GPU_PARTITION) whenever a GPU is asked for; the
    memory of :func:`job_settings` and its run time per run times ``runs(wildcards)``, the job's runs.
    """
    settings = config["resources"]
    gpus = settings["gpus_per_job"]

    def runtime(wildcards, attempt):
        minutes = job_settings(rule, wildcards.dataset)["minutes_per_run"]
        return minutes * runs(wildcards) * attempt

    resources = {
        "gpu": gpus,
        "mem_mb": lambda wildcards: job_settings(rule, wildcards.dataset)["mem_mb"],
        "runtime": runtime,
    }
    if not gpus:
        return resources
    model = settings.get("gpu_model")
    if settings["gpu_request"] == "gres":
        resources["gpu"] = (
            0  # the GPU is in the GRES request instead (the two exclude each other)
        )
        resources["gres"] = f"gpu:{model}:{gpus}" if model else f"gpu:{gpus}"
    elif model:
        resources["gpu_model"] = model
    if "constraint" in settings:
        resources["constraint"] = settings["constraint"]
    if GPU_PARTITION:
        resources["slurm_partition"] = GPU_PARTITION
    return resources


def face_source(dataset):
    """The folder of a face dataset: its ``source``, by default $CSRAE_DATA/<dataset> (README)."""
    return SSL["datasets"][dataset].get("source") or csrae.data.default_source(dataset)


# Missing or malformed source data stops the run here, before any job.
for _dataset in PREPARED:
    if exists(f"results/data/{_dataset}/data.npz"):
        continue
    try:
        csrae.data.check_sources(_dataset, dataset_settings(_dataset).get("source"))
    except csrae.data.DatasetFileError as error:
        if _dataset not in FID_CLASSIFIER_ONLY:
            raise
        users = [
            d
            for d in CLASSIFIER_FID
            if csrae.data.fid_classifier_dataset(d) == _dataset
        ]
        raise csrae.data.DatasetFileError(
            f"the FID of {', '.join(users)} (unlabelled) uses a classifier trained on {_dataset}, "
            f"whose files are needed too: {error}"
        ) from None
for _dataset in FACE_DATASETS:
    if not exists(f"results/data/{_dataset}/faces.json"):
        read_index(_dataset, face_source(_dataset), check_frames=False)


wildcard_constraints:
    dataset="|".join(sorted(set(PREPARED + SSL_DATASETS))),
    model="|".join(registry.MODELS),
    study="|".join(CRITERIA),
    hp="[^/]+",
    structure="z=[^/]+",
    job="[0-9a-f]{12}",


def model_grids(dataset):
    """The global model grids, with this dataset's per-model overrides."""
    return config["models"] | config["datasets"][dataset].get("models", {})


def studies(dataset):
    """The generative study (Tables I, Figures 3-7) and, on labelled data, the kNN study (Table II)."""
    return ["generative"] + (["knn"] if csrae.data.is_labelled(dataset) else [])


def latent_dims(dataset, study):
    """Latent dimensions of a study: ``latent_dim``, or for kNN ``knn_latent_dim`` when set (Sec. 4.4)."""
    settings = config["datasets"][dataset]
    dims = settings["latent_dim"]
    dims = dims if isinstance(dims, list) else [dims]
    return settings.get("knn_latent_dim", dims) if study == "knn" else dims


def hp_ids(dataset, model, study=None):
    """Settings of the sweep (latent dimension × grid), for one study or for all of them."""
    chosen = [study] if study else studies(dataset)
    dims = sorted({z for s in chosen for z in latent_dims(dataset, s)})
    return sweep_settings(model, model_grids(dataset)[model], dims)


def training_settings(dataset):
    return config["training"] | config["datasets"][dataset].get("training", {})


def structures(dataset, model, study=None):
    """The structures of the sweep (of one study, or of all), in sweep order."""
    ids = hp_ids(dataset, model, study)
    return list(dict.fromkeys(structure_id(model, hp) for hp in ids))


def structure_settings(wildcards):
    """The settings of the structure ``wildcards`` names."""
    ids = hp_ids(wildcards.dataset, wildcards.model)
    return [
        hp for hp in ids if structure_id(wildcards.model, hp) == wildcards.structure
    ]


def structure_runs(wildcards):
    """How many runs (settings × seeds) a structure's job trains or evaluates."""
    return len(structure_settings(wildcards)) * len(config["seeds"])


def cpu_kernels():
    """The MKL kernels of the jobs, where they are not the CPU's own (part of the jobs' keys)."""
    return (
        {"cpu_kernels": config["cpu_kernels"]}
        if config["cpu_kernels"] != "default"
        else {}
    )


def own_dataset(dataset):
    """How the config declares one's own dataset, and its plugin file's digest (part of its preparation)."""
    declared = {
        k: v
        for k, v in dataset_settings(dataset).items()
        if k
        in ("architecture", "likelihood", "image_shape", "binarize", "fid_classifier")
    }
    entry = csrae.data.OWN.get(dataset)
    return ({"declared": declared} if declared else {}) | plugins.source_digest(
        entry and entry.source
    )


def own_arrays(wildcards):
    """The .npz file of a dataset the config declares (a change prepares it anew); none for the others."""
    settings = dataset_settings(wildcards.dataset)
    return [settings["source"]] if "architecture" in settings else []


def preparation(dataset):
    """What the config says of a prepared dataset; its arrays' fingerprint enters each run's own key."""
    settings = dataset_settings(dataset)
    return {
        "dataset": dataset,
        "source": settings.get("source"),
        **own_dataset(dataset),
        "verify": settings.get("verify", "checksum"),
        "version": COMPONENTS["data"],
    }


def manifest(kind, parts, definition):
    """``results/manifests/<kind>/<parts>/<key>.json``: a job's output, named by what defines the job."""
    return f"results/manifests/{kind}/{'/'.join(parts)}/{content_key(definition)}.json"


def train_manifest(dataset, model, structure):
    """The training job of one structure: its settings × seeds, training settings and code versions."""
    settings = [
        h for h in hp_ids(dataset, model) if structure_id(model, h) == structure
    ]
    definition = {
        "data": preparation(dataset),
        "model": model,
        "settings": settings,
        "seeds": config["seeds"],
        "training": training_settings(dataset),
        "versions": versions("run"),
        **plugins.source_digest(registry.model(model).source),
    } | cpu_kernels()
    return manifest("train", (dataset, model, structure), definition)


def evaluation_manifest(dataset, model, structure):
    """The evaluation job of one structure: its runs, the evaluation settings and FID extractor."""
    definition = {
        "runs": train_manifest(dataset, model, structure),
        "evaluation": config["evaluation"],
        "feature_net": feature_net_path(dataset),
        "versions": versions("evaluation"),
    }
    return manifest("evaluate", (dataset, model, structure), definition)


def evaluation_manifests(dataset, model, study=None, only=None):
    """The evaluation manifests of a study's structures (or ``only`` these)."""
    return [
        evaluation_manifest(dataset, model, structure)
        for structure in (only or structures(dataset, model, study))
    ]


def first_structure(dataset, model):
    """The settings of the first structure of the generative sweep: all weights, first z, K, …"""
    ids = hp_ids(dataset, model, "generative")
    return [h for h in ids if structure_id(model, h) == structure_id(model, ids[0])]


def feature_net_path(dataset):
    """The domain classifier of a dataset's FID (:func:`csrae.data.fid_classifier_dataset`), named by what
    defines it; None for a dataset whose FID is on the raw data."""
    if dataset not in CLASSIFIER_FID:
        return None
    donor = csrae.data.fid_classifier_dataset(dataset)
    definition = {
        "data": preparation(donor),
        "epochs": config["feature_net"]["epochs"],
        "versions": versions("feature_net"),
    }
    return f"results/feature_net/{donor}/{content_key(definition)}.pt"


def feature_net_input(wildcards):
    return feature_net_path(wildcards.dataset) or []


def feature_net_label(wildcards):
    """The classifier's dataset, where it is not the evaluated one (named in Table I's fid_features)."""
    if wildcards.dataset not in CLASSIFIER_FID:
        return None
    donor = csrae.data.fid_classifier_dataset(wildcards.dataset)
    return donor if donor != wildcards.dataset else None


def all_selections(study):
    return [
        f"results/selection/{study}/{dataset}/{model}.json"
        for dataset in DATASETS
        if study in studies(dataset)
        for model in model_grids(dataset)
    ]


def prior_models(dataset):
    """The dataset's models whose grid chooses among mixture priors (Figures 4 and 7)."""
    return [m for m, grid in model_grids(dataset).items() if "prior" in grid]


def check_figure2():
    if "figure2" not in config:
        return
    dataset, model = config["figure2"]["dataset"], config["figure2"]["model"]
    if dataset not in DATASETS or model not in model_grids(dataset):
        raise ValueError(
            f"config figure2: dataset {dataset!r} with model {model!r} is not in the sweep; "
            f"set figure2.dataset to one of {DATASETS} and figure2.model to one of its models"
        )
    if dataset in IMAGE_DATASETS:
        raise ValueError(
            f"config figure2: Figure 2 plots 2-D data and latents, {dataset!r} is an image dataset; "
            "use a 2-D dataset (pinwheel) or remove the figure2 entry"
        )


check_figure2()


def all_sweeps():
    """Every sweep table: per study, dataset and model, and per semi-supervised dataset."""
    return [
        f"results/selection/{study}/{dataset}/{model}_sweep.csv"
        for dataset in DATASETS
        for study in studies(dataset)
        for model in model_grids(dataset)
    ] + [f"results/semisupervised/selection/{d}_sweep.csv" for d in SSL_DATASETS]


def all_manifests():
    """Every job manifest of the config: training and evaluation of each structure, semi-supervised runs."""
    structures_ = [
        (dataset, model, structure)
        for dataset in DATASETS
        for model in model_grids(dataset)
        for structure in structures(dataset, model)
    ]
    return (
        [train_manifest(*s) for s in structures_]
        + [evaluation_manifest(*s) for s in structures_]
        + [m for dataset in SSL_DATASETS for m in ssl_manifests(dataset)]
    )


def all_feature_nets():
    return sorted({feature_net_path(dataset) for dataset in CLASSIFIER_FID})


def all_outputs():
    outputs = ["results/in_use.json"]
    outputs += [
        f"results/{name}"
        for name in ("table1.csv", "table1.md", "table2.csv", "table2.md")
    ]
    outputs += ["results/paper_comparison.csv", "results/paper_comparison.md"]
    outputs += ["results/ablation.csv", "results/ablation.md"]
    outputs += ["results/diverged.csv", "results/diverged.md"]
    outputs.append("results/figures/figure1.png")
    if "figure2" in config:
        outputs.append("results/figures/figure2.png")
    outputs += all_sweeps()
    for dataset in DATASETS:
        outputs += [
            f"results/figures/{figure}_{dataset}_{model}.png"
            for model in model_grids(dataset)
            for figure in ("figure3", "curves")
        ]
        for model in prior_models(dataset):
            outputs.append(f"results/figures/figure4_{dataset}_{model}.png")
            priors = set(model_grids(dataset)[model]["prior"])
            if dataset in IMAGE_DATASETS and {"mog", "mog-direct"} & priors:
                outputs.append(f"results/figures/figure7_{dataset}_{model}.png")
    outputs += expand(
        f"results/figures/{{kind}}_{{dataset}}.png",
        kind=("samples", "reconstructions"),
        dataset=IMAGE_DATASETS,
    )
    return outputs + ssl_outputs()
