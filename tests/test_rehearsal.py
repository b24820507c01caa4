"""A dress rehearsal of the paper's study: config/paper.yaml's DAG, shrunk by code, end to end.

Every dataset of the paper (static and dynamic MNIST, Omniglot, Caltech101,
CIFAR10) plus pinwheel and Fashion-MNIST, read from small files written in
each dataset's exact on-disk format (``verify: shape``), with the paper's
models, priors, studies, tables and figures; one epoch, one value per grid
axis, tiny sample counts, and one setting that diverges on purpose.  Every
model and both learned priors run on CIFAR10 (the convolutional networks; the
test config's pipeline runs every model on the MLP, tests/test_pipeline.py);
pinwheel runs its own models (Figure 2), dynamic MNIST the diverging CSRAE
sweep, and every dataset MixtureCSRAE with the MoG prior (Figures 4 and 7).
"""

import copy
import csv
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.fixtures import ROOT, WRITERS, snakemake

PAPER = ROOT / "config" / "paper.yaml"
DIVERGING = ("dynamic_mnist", "CSRAE", 1e300)  # a weight no float32 loss survives
EVERY_MODEL = "cifar10"
SHARED_MODEL = "MixtureCSRAE"  # every dataset's, with the MoG prior
FACES = ("disfa", "fera2015")


def first_values(grid: dict) -> dict:
    """Each axis of a model's grid cut to its first value; the mixture prior keeps both kinds, and an α
    given per label stays so."""
    return {
        name: values if name == "prior" or isinstance(values, dict) else values[:1] for name, values in grid.items()
    }


def rehearsal_config(paper: dict, data: Path) -> dict:
    """``paper`` with one seed, one epoch, one value per grid axis, small latents and sample counts,
    every dataset read from ``data/<name>`` (Fashion-MNIST added), and one diverging setting."""
    config = copy.deepcopy(paper)
    config["seeds"] = [0]
    config["training"] = config["training"] | {"epochs": 1, "warmup": 0, "patience": 1}
    models = {model: first_values(grid) for model, grid in config["models"].items()}
    config["models"] = {SHARED_MODEL: models[SHARED_MODEL] | {"prior": ["mog"]}}
    fashion = copy.deepcopy(config["datasets"]["dynamic_mnist"])
    config["datasets"]["fashion_mnist"] = {key: value for key, value in fashion.items() if key != "models"}
    for name, settings in config["datasets"].items():
        dims = settings["latent_dim"] if isinstance(settings["latent_dim"], list) else [settings["latent_dim"]]
        settings["latent_dim"] = [min(dims[0], 4)]
        settings.pop("knn_latent_dim", None)  # the kNN study selects among the generative runs
        settings["training"] = config["training"]
        if name == "pinwheel":  # its own models, Figure 2's
            settings["models"] = {model: first_values(grid) for model, grid in settings["models"].items()}
        elif name == EVERY_MODEL:
            settings["models"] = models
        else:
            settings.pop("models", None)
        if name in WRITERS:
            settings |= {"source": str(data / name), "verify": "shape"}
    dataset, model, weight = DIVERGING
    config["datasets"][dataset]["models"] = {model: models[model] | {"lambda": [*models[model]["lambda"], weight]}}
    config["evaluation"] = config["evaluation"] | {"ll_samples": 2, "fid_samples": 10, "inception": "no"}
    config["feature_net"] = {"epochs": 1}
    config["figure1"] = {"samples": 100, "steps": 20, "lr": 0.001}
    ssl = config["semisupervised"]
    ssl["latent_dim"] = 4
    ssl["training"] = ssl["training"] | {"epochs": 1, "warmup": 0, "patience": 1}
    ssl["models"] = {model: first_values(grid) for model, grid in ssl["models"].items()}
    for settings in ssl["datasets"].values():
        settings["labels"] = [20]  # 2 per class of the 100 training digits
        settings["source"], settings["verify"] = str(data / "dynamic_mnist"), "shape"
    config["resources"] = config["resources"] | {"gpus_per_job": 0}
    return config


def jobs_by_rule_and_dataset(dry_run_output: str) -> set[tuple[str, str | None]]:
    """The (rule, dataset wildcard) pairs of a dry run's job list."""
    pairs = set()
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", dry_run_output):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        if rule:
            dataset = re.search(r"wildcards:.*?\bdataset=([\w]+)", block)
            pairs.add((rule[1], dataset[1] if dataset else None))
    return pairs


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    """The rehearsal's workdir after ``snakemake --cores 2`` and ``--report``, and its dry-run job list."""
    root = tmp_path_factory.mktemp("rehearsal")
    for name, write in WRITERS.items():
        write(root / "data" / name)
    config = rehearsal_config(yaml.safe_load(PAPER.read_text()), root / "data")
    (root / "config").mkdir()
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    planned = jobs_by_rule_and_dataset(snakemake(root, "-n").stdout)
    snakemake(root, "--cores", "2")
    snakemake(root, "--report", "report.html")
    return root, config, planned


@pytest.mark.workflow
def test_rehearsal_runs_the_same_rules_per_dataset_as_the_paper(rehearsal, tmp_path, monkeypatch):
    root, _, planned = rehearsal
    for name, write in WRITERS.items():
        write(tmp_path / "data" / name)
    monkeypatch.setenv("CSRAE_DATA", str(tmp_path / "data"))
    (tmp_path / "run" / "config").mkdir(parents=True)
    (tmp_path / "run" / "config" / "config.yaml").write_text(PAPER.read_text())
    paper = jobs_by_rule_and_dataset(snakemake(tmp_path / "run", "-n").stdout)
    # Fashion-MNIST is the rehearsal's addition; its rules are dynamic MNIST's
    added = {(rule, "dynamic_mnist") for rule, dataset in planned if dataset == "fashion_mnist"}
    assert {p for p in planned if p[1] != "fashion_mnist"} == paper
    assert added <= paper and {rule for rule, _ in paper} == {rule for rule, _ in planned}


@pytest.mark.workflow
def test_table1_has_every_model_structure_and_dataset(rehearsal):
    root, config, _ = rehearsal
    rows = read_csv(root / "results" / "table1.csv")
    expected = set()
    for dataset, settings in config["datasets"].items():
        grids = config["models"] | settings.get("models", {})
        for model, grid in grids.items():
            structures = [""] if model != "MixtureCSRAE" else [f"prior={p}" for p in grid["prior"]]
            expected |= {(dataset, model, s) for s in structures}
    found = {(r["dataset"], r["model"], r["hp"].split("_")[-1] if r["model"] == "MixtureCSRAE" else "") for r in rows}
    assert found == expected
    static = [r for r in rows if r["dataset"] == "static_mnist"]
    assert {r["fid_features"] for r in static} == {"domain classifier of dynamic_mnist (penultimate layer)"}
    assert all(r["fid_mean"] not in ("", "nan") for r in rows)
    knn = {(r["dataset"], r["model"]) for r in read_csv(root / "results" / "table2.csv")}
    assert {d for d, _ in knn} == set(config["datasets"]) - {"static_mnist"}  # no labels, no kNN error
    table3 = read_csv(root / "results" / "table3.csv")
    assert {r["model"] for r in table3} == set(config["semisupervised"]["models"])


@pytest.mark.workflow
def test_a_diverged_setting_is_listed_and_the_rest_of_its_sweep_selected(rehearsal):
    root, _, _ = rehearsal
    dataset, model, weight = DIVERGING
    diverged = read_csv(root / "results" / "diverged.csv")
    setting = f"z=4_lambda={weight:g}"
    assert [(r["sweep"], r["hp"], r["n_diverged"], r["n_finite"]) for r in diverged] == [
        (f"selection/{study}/{dataset}/{model}", setting, "1", "0") for study in ("generative", "knn")
    ]
    assert diverged[0]["diverged"].startswith("seed 0: diverged at epoch 0 (")
    sweep = {
        r["hp"]: r for r in read_csv(root / "results" / "selection" / "generative" / dataset / f"{model}_sweep.csv")
    }
    assert sweep[setting]["selected"] == "False" and sweep[setting]["n_seeds"] == "0"
    assert sweep["z=4_lambda=0.1"]["selected"] == "True"
    (evaluation,) = (root / "results" / "evaluation" / dataset / model / setting / "seed0").glob("*/metrics.json")
    metrics = json.loads(evaluation.read_text())
    assert metrics["diverged"]["epoch"] == 0 and "fid" not in metrics
    assert setting in (root / "results" / "diverged.md").read_text()


@pytest.mark.workflow
def test_every_output_of_all_is_built_and_in_the_report(rehearsal):
    root, config, _ = rehearsal
    assert "Nothing to be done" in snakemake(root, "-n").stdout
    figures = {p.name for p in (root / "results" / "figures").glob("*.png")}
    images = [d for d in config["datasets"] if d != "pinwheel"]
    grids = {d: config["models"] | settings.get("models", {}) for d, settings in config["datasets"].items()}
    expected = {"figure1.png", "figure2.png"}
    expected |= {f"{kind}_{d}.png" for d in images for kind in ("samples", "reconstructions")}
    expected |= {
        f"figure7_{d}_{m}.png" for d in images for m, grid in grids[d].items() if "mog" in grid.get("prior", [])
    }
    expected |= {f"figure4_{d}_{m}.png" for d in config["datasets"] for m, grid in grids[d].items() if "prior" in grid}
    expected |= {f"{kind}_{d}_{m}.png" for d in config["datasets"] for m in grids[d] for kind in ("figure3", "curves")}
    assert "figure7_cifar10_MixtureCSRAE.png" in expected and expected <= figures
    html = (root / "report.html").read_text(errors="replace")
    names = ("table1.csv", "table2.csv", "table3.csv", "diverged.csv", "ablation.html", "figure2.png")
    for name in (*names, "figure7_static_mnist_MixtureCSRAE.png"):
        assert name in html
