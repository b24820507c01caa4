import itertools

import csrae.data

from snakemake.utils import validate

from csrae.models import HYPERPARAMETERS, WEIGHT_NAME, setting_id, structure_id
from csrae.selection import CRITERIA

validate(config, schema="../schemas/config.schema.yaml")

RUN = "results/runs/{dataset}/{model}/{hp}/seed{seed}"
RUN_MINUTES = config["resources"]["minutes_per_seed"] * len(config["seeds"])
DATASETS = list(config["datasets"])
IMAGE_DATASETS = [d for d in DATASETS if d in csrae.data.IMAGE_DATASETS]


for _dataset, _settings in config["datasets"].items():
    if not exists(f"results/data/{_dataset}/data.npz"):
        csrae.data.check_sources(_dataset, _settings.get("source"))


wildcard_constraints:
    dataset="|".join(DATASETS),
    model="|".join(HYPERPARAMETERS),
    study="|".join(CRITERIA),
    hp="[^/]+",


def model_grids(dataset):
    """The global model grids, with this dataset's per-model overrides."""
    return config["models"] | config["datasets"][dataset].get("models", {})


def studies(dataset):
    """The generative study (Tables I, Figures 3-7) and, on labelled data, the kNN study (Table II)."""
    return ["generative"] + (
        ["knn"] if dataset not in csrae.data.UNLABELLED_DATASETS else []
    )


def latent_dims(dataset, study):
    """Latent dimensions of a study: ``latent_dim``, or for kNN ``knn_latent_dim`` when set (Sec. 4.4)."""
    settings = config["datasets"][dataset]
    dims = settings["latent_dim"]
    dims = dims if isinstance(dims, list) else [dims]
    return settings.get("knn_latent_dim", dims) if study == "knn" else dims


def hp_ids(dataset, model, study=None):
    """Settings of the sweep (latent dimension × grid), for one study or for all of them."""
    grid = model_grids(dataset)[model]
    names = HYPERPARAMETERS[model]
    chosen = [study] if study else studies(dataset)
    dims = sorted({z for s in chosen for z in latent_dims(dataset, s)})
    return [
        setting_id(model, z, dict(zip(names, values)))
        for z in dims
        for values in itertools.product(*(grid[n] for n in names))
    ]


def training_settings(dataset):
    return config["training"] | config["datasets"][dataset].get("training", {})


def run_paths(name, dataset, model, seeds=None, study=None, hps=None):
    """``name`` (a file in the run directory) for every setting (or ``hps``) and seed."""
    return expand(
        f"{RUN}/{name}",
        dataset=dataset,
        model=model,
        hp=hps if hps is not None else hp_ids(dataset, model, study),
        seed=seeds if seeds is not None else config["seeds"],
    )


def first_structure(dataset, model):
    """The settings of the first structure of the generative sweep: all weights, first z, K, …"""
    ids = hp_ids(dataset, model, "generative")
    return [h for h in ids if structure_id(model, h) == structure_id(model, ids[0])]


def feature_net_input(wildcards):
    if wildcards.dataset in IMAGE_DATASETS:
        return rules.feature_net.output[0].format(dataset=wildcards.dataset)
    return []


def all_selections(study):
    return [
        f"results/selection/{study}/{dataset}/{model}.json"
        for dataset in DATASETS
        if study in studies(dataset)
        for model in model_grids(dataset)
    ]


def mixture_priors(dataset):
    grid = model_grids(dataset).get("MixtureCSRAE", {"prior": []})
    return grid["prior"]


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


def all_outputs():
    outputs = [
        f"results/{name}"
        for name in ("table1.csv", "table1.md", "table2.csv", "table2.md")
    ]
    outputs.append("results/figures/figure1.png")
    if "figure2" in config:
        outputs.append("results/figures/figure2.png")
    for dataset in DATASETS:
        for study in studies(dataset):
            outputs += [
                f"results/selection/{study}/{dataset}/{model}_sweep.csv"
                for model in model_grids(dataset)
            ]
        outputs += [
            f"results/figures/figure3_{dataset}_{model}.png"
            for model in model_grids(dataset)
            if model != "VAE"
        ]
        if mixture_priors(dataset):
            outputs.append(f"results/figures/figure4_{dataset}.png")
        if dataset in IMAGE_DATASETS and {"mog", "mog-direct"} & set(
            mixture_priors(dataset)
        ):
            outputs.append(f"results/figures/figure7_{dataset}.png")
    outputs += expand(
        f"results/figures/{{kind}}_{{dataset}}.png",
        kind=("samples", "reconstructions"),
        dataset=IMAGE_DATASETS,
    )
    return outputs
