import itertools

import csrae.data

from snakemake.utils import validate

from csrae.models import HYPERPARAMETERS, WEIGHT_NAME, hp_id

validate(config, schema="../schemas/config.schema.yaml")

RUN = "results/runs/{dataset}/{model}/{hp}/seed{seed}"
DATASETS = list(config["datasets"])
IMAGE_DATASETS = [d for d in DATASETS if d in csrae.data.IMAGE_DATASETS]


wildcard_constraints:
    dataset="|".join(DATASETS),
    model="|".join(HYPERPARAMETERS),
    hp="[^/]+",
    seed=r"\d+",


def model_grids(dataset):
    """The global model grids, with this dataset's per-model overrides."""
    return config["models"] | config["datasets"][dataset].get("models", {})


def hp_ids(dataset, model):
    grid = model_grids(dataset)[model]
    names = HYPERPARAMETERS[model]
    return [
        hp_id(model, dict(zip(names, values)))
        for values in itertools.product(*(grid[n] for n in names))
    ]


def training_settings(dataset):
    return config["training"] | config["datasets"][dataset].get("training", {})


def run_paths(name, dataset, model, seeds=None):
    """``name`` (a file in the run directory) for every setting and seed."""
    return expand(
        f"{RUN}/{name}",
        dataset=dataset,
        model=model,
        hp=hp_ids(dataset, model),
        seed=seeds if seeds is not None else config["seeds"],
    )


def feature_net_input(wildcards):
    if wildcards.dataset in IMAGE_DATASETS:
        return rules.feature_net.output[0].format(dataset=wildcards.dataset)
    return []


def all_selections():
    return [
        f"results/selection/{dataset}/{model}.json"
        for dataset in DATASETS
        for model in model_grids(dataset)
    ]


def check_figure2():
    dataset, model = config["figure2"]["dataset"], config["figure2"]["model"]
    if dataset not in DATASETS or model not in model_grids(dataset):
        raise ValueError(
            f"config figure2: dataset {dataset!r} with model {model!r} is not in the sweep; "
            f"set figure2.dataset to one of {DATASETS} and figure2.model to one of its models"
        )


check_figure2()


def all_outputs():
    outputs = [
        f"results/{name}"
        for name in ("table1.csv", "table1.md", "table2.csv", "table2.md")
    ]
    outputs += ["results/figures/figure1.png", "results/figures/figure2.png"]
    for dataset in DATASETS:
        for model in model_grids(dataset):
            outputs.append(f"results/selection/{dataset}/{model}_sweep.csv")
            if model != "VAE":
                outputs.append(f"results/figures/figure3_{dataset}_{model}.png")
    outputs += expand(
        f"results/figures/{{kind}}_{{dataset}}.png",
        kind=("samples", "reconstructions"),
        dataset=IMAGE_DATASETS,
    )
    return outputs
