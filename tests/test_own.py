"""A researcher's own model and datasets, from files outside the package, through the whole DAG to the report.

The worked examples of docs/library.md: the sliced-Wasserstein autoencoder
and scikit-learn's digits as plugin files copied into the working directory,
and Fisher's iris measurements as unlabelled arrays in a .npz file named by
the config.  Also ``knn_k: [1, 7]`` from the evaluation to the paper
comparison.
"""

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.datasets import load_iris

from tests.fixtures import ROOT, snakemake

CONFIG = {
    "plugins": ["my_models.py", "my_data.py"],
    "seeds": [0, 1],
    "training": {"epochs": 3, "warmup": 1, "patience": 3, "batch_size": 100, "lr": 0.002},
    "models": {"VAE": {"beta": [1.0]}, "SWAE": {"lambda": [1.0]}},
    "datasets": {
        "digits": {"latent_dim": 4},
        "iris": {"latent_dim": 2, "source": "iris.npz", "architecture": "pinwheel", "likelihood": "gaussian"},
    },
    "evaluation": {"ll_samples": 10, "fid_samples": 100, "knn_k": [1, 7], "inception": "no"},
    "feature_net": {"epochs": 1},
    "figure1": {"samples": 100, "steps": 20, "lr": 0.001},
    "resources": {"gpus_per_job": 0},
}


@pytest.fixture(scope="module")
def own_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("own")
    shutil.copy(ROOT / "docs" / "examples" / "sliced_wasserstein.py", workdir / "my_models.py")
    shutil.copy(ROOT / "docs" / "examples" / "digits.py", workdir / "my_data.py")
    iris = load_iris().data.astype(np.float32)
    iris = (iris - iris.mean(0)) / iris.std(0)
    order = np.random.default_rng(0).permutation(len(iris))
    np.savez(workdir / "iris.npz", x_train=iris[order[:100]], x_val=iris[order[100:125]], x_test=iris[order[125:]])
    (workdir / "config").mkdir()
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    snakemake(workdir, "--cores", "2")
    return workdir


@pytest.mark.workflow
def test_own_model_and_datasets_run_through_tables_ablation_and_report(own_run):
    from tests.browser import report_results

    results = own_run / "results"
    table1 = pd.read_csv(results / "table1.csv")
    assert {(r.dataset, r.model) for r in table1.itertuples()} == {
        (d, m) for d in ("digits", "iris") for m in ("VAE", "SWAE")
    }
    assert np.isfinite(table1[["fid_mean", "test_ll_mean"]].to_numpy()).all()
    features = dict(zip(table1["dataset"], table1["fid_features"]))
    assert features == {"digits": "domain classifier (penultimate layer)", "iris": "raw data"}
    table2 = pd.read_csv(results / "table2.csv")  # kNN: the labelled digits only, at k = 1 and 7
    assert set(table2["dataset"]) == {"digits"}
    assert {"knn_error_k1_mean", "knn_error_k7_mean"} <= set(table2) and "knn_error_k3_mean" not in table2
    comparison = pd.read_csv(results / "paper_comparison.csv")
    assert comparison.empty or set(comparison["dataset"]) <= {"digits", "iris"}
    cells = pd.read_csv(results / "ablation.csv")
    assert set(cells["divergence"]) == {"KL", "SW"}
    effects = pd.read_csv(results / "ablation_effects.csv")
    assert set(effects["other"].str.split(" ").str[0]) == {"SWAE"} and set(effects["held"]) == {"prior N(0, I)"}
    assert set(cells[cells["study"] == "knn"]["metric"]) == {"knn_error_k1"}
    summary = next((results / "runs" / "iris" / "SWAE").rglob("summary.json"))
    assert len(json.loads(summary.read_text())["definition"]["plugin"]) == 16  # the file's content
    snakemake(own_run, "--report", "report.html")
    names = {name for _, _, name, _ in report_results(own_run / "report.html")}
    assert {"table1.html", "table2.html", "ablation.html", "figure3_iris_SWAE.png", "samples_digits.png"} <= names


@pytest.mark.workflow
def test_an_edited_model_file_retrains_only_its_model(own_run):
    """The plugin's content is part of its runs' identity: editing it reruns its model's jobs, not the others'."""
    models = own_run / "my_models.py"
    original = models.read_text()
    models.write_text(original + "\n# the same model, edited\n")
    try:
        dry_run = snakemake(own_run, "-n").stdout
    finally:
        models.write_text(original)
    trained = set(re.findall(r"output: results/manifests/train/(\w+)/(\w+)/", dry_run))
    assert trained == {("digits", "SWAE"), ("iris", "SWAE")}
    assert "Nothing to be done" in snakemake(own_run, "-n").stdout
