"""The real Snakefile: config validation, an end-to-end run on a tiny config, report, lint."""

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.fixtures import WRITERS, write_faces

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "workflow" / "Snakefile"


def snakemake(workdir, *args, check=True):
    command = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(workdir), *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def workdir_with(tmp_path, config_path):
    (tmp_path / "config").mkdir(parents=True, exist_ok=True)
    shutil.copy(config_path, tmp_path / "config" / "config.yaml")
    return tmp_path


@pytest.mark.parametrize(
    "change,message",
    [
        ({"models": {"Flow": {"beta": [1.0]}}}, "unknown model 'Flow'; choose one of ['VAE'"),
        ({"models": {"WAE": {"beta": [1.0]}}}, "models.WAE: WAE takes the hyperparameters ['lambda']"),
        ({"models": {"CSRAE": {"lambda": [-0.5]}}}, "models.CSRAE.lambda: -0.5 is less than 0"),
        (
            {"models": {"MixtureCSRAE": {"lambda": [1.0], "K": [0], "prior": ["mog"]}}},
            "models.MixtureCSRAE.K: 0 is less than 1",
        ),
        ({"models": {"CSRAE": {"lambda": []}}}, "[] should be non-empty.*['models']"),
        (
            {"semisupervised": {"models": {"WAE": {"lambda": [1.0], "alpha": [1.0]}}}},
            "semisupervised.models.WAE: WAE has no semi-supervised variant",
        ),
        ({"datasets": {"cifar": {"latent_dim": 40}}}, "datasets.cifar: unknown dataset; choose one of"),
        (
            {"datasets": {"mine": {"latent_dim": 4, "source": "missing.npz", "architecture": "mlp300"}}},
            "'likelihood' is a dependency of 'architecture'",
        ),
        (
            {
                "datasets": {
                    "mine": {
                        "latent_dim": 4,
                        "source": "missing.npz",
                        "architecture": "mlp300",
                        "likelihood": "bernoulli",
                    }
                }
            },
            "dataset file missing.npz is missing: give a .npz file with float arrays x_train",
        ),  # fmt: skip
        ({"datasets": {"mnist5k": {"latent_dim": [40, 40]}}}, "is not valid under any of the given schemas"),
        (
            {"models": {"MixtureCSRAE": {"lambda": [1.0], "K": [3], "prior": ["flow"]}}},
            "'flow' is not one of ['mog', 'mog-direct', 'vamp', 'corners']",
        ),
        ({"figure2": {"dataset": "pinwheel", "model": "CSRAE"}}, None),
        ({"cpu_kernels": "compatible"}, None),
        ({"cpu_kernels": "fast"}, "'fast' is not one of ['default', 'compatible']"),
        (
            {"semisupervised": {"datasets": {"disfa": {"labels": [25]}}}},
            "25 is greater than the maximum of 1.*['semisupervised']['datasets']['disfa']['labels'][0]",
        ),
        (
            {"semisupervised": {"datasets": {"mnist5k": {"labels": [0.25]}}}},
            "0.25 is not of type 'integer'.*['semisupervised']['datasets']['mnist5k']['labels'][0]",
        ),
        (
            {"semisupervised": {"models": {"CSRAE": {"lambda": [1.0]}}}},
            "'alpha' is a required property.*['semisupervised']['models']['CSRAE']",
        ),
        ({"semisupervised": {"models": {"CSRAE": {"lambda": [1.0], "alpha": {"per_label": [0.1]}}}}}, None),
        (
            {"semisupervised": {"models": {"CSRAE": {"lambda": [1.0], "alpha": {"per_labels": [0.1]}}}}},
            "is not valid under any of the given schemas.*['semisupervised']['models']['CSRAE']['alpha']",
        ),
    ],
)
def test_bad_config_is_refused_naming_the_key(change, message):
    """The schema and the registry's checks, in-process, as the Snakefile applies them
    (``snakemake.utils.validate``, then :func:`csrae.registry.check_model_grids`)."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    from csrae.data import DatasetFileError, known
    from csrae.data.own import declare
    from csrae.registry import check_model_grids

    def check(config):
        validate(config, schema)
        check_model_grids(config)
        for name, settings in config["datasets"].items():
            declare(name, settings, known)

    config = yaml.safe_load((ROOT / ".test" / "config" / "config.yaml").read_text())
    for key, value in change.items():
        config[key] = config[key] | value if isinstance(value, dict) else value
    schema = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")
    if message is None:  # a valid change
        check(config)
        return
    with pytest.raises((WorkflowError, ValueError, DatasetFileError)) as error:
        check(config)
    assert re.search(re.escape(message).replace(r"\.\*", ".*"), str(error.value), re.DOTALL), str(error.value)


def test_bad_config_fails_before_any_job(tmp_path):
    """The Snakefile validates the config before any job runs."""
    config = yaml.safe_load((ROOT / ".test" / "config" / "config.yaml").read_text())
    config["models"] = config["models"] | {"CSRAE": {"lambda": [-0.5]}}
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "models.CSRAE.lambda: -0.5 is less than 0" in output
    assert not (tmp_path / "results").exists()


@pytest.mark.workflow
def test_figure2_must_name_a_swept_model(tmp_path):
    config = yaml.safe_load((ROOT / ".test" / "config" / "config.yaml").read_text())
    config["models"] = {"VAE": {"beta": [1.0]}}
    del config["datasets"]["pinwheel"]["models"]
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0
    assert "config figure2: dataset 'pinwheel' with model 'MixtureCSRAE'" in result.stdout + result.stderr
    config["figure2"] = {"dataset": "mnist5k", "model": "VAE"}
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0 and "Figure 2 plots 2-D data and latents" in result.stdout + result.stderr
    del config["figure2"]  # Figure 2 is optional
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", check=False)
    assert result.returncode == 0 and "figure2.png" not in result.stdout


def with_synthetic_faces(workdir):
    """Add the synthetic face set (3 subjects, 8 frames each) as DISFA to the semi-supervised study."""
    write_faces(workdir / "faces" / "disfa", "disfa", subjects=3, frames=8)
    config_path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    training = {"epochs": 3, "pretrain_epochs": 1, "batch_size": 8, "eval_batch_size": 8}
    config["semisupervised"]["datasets"]["disfa"] = {"source": "faces/disfa", "labels": [0.5], "training": training}
    config_path.write_text(yaml.safe_dump(config))
    return workdir


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """The whole DAG on the few-epoch test config, deployed as a module with csrae from its wheel, run once
    for the tests below."""
    from tests.deployed import deploy

    deployed = deploy(tmp_path_factory.mktemp("deployed"), ROOT / ".test" / "config" / "config.yaml")
    with_synthetic_faces(deployed.workdir)
    deployed.snakemake("--cores", "2")
    return deployed


@pytest.fixture(scope="module")
def pipeline_run(deployment):
    return deployment.workdir


@pytest.mark.workflow
def test_deployed_as_a_module_the_rules_run_the_installed_wheel(deployment):
    """Without csrae installed the module stops before any job saying how to install it; with the wheel
    installed every job imported it from there (provenance: an installed package, no commit)."""
    refused = deployment.before_install
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "csrae is not installed where Snakemake runs" in said
    assert "pip install 'csrae[inception]'" in said
    probe = [str(deployment.python), "-c", "import csrae; print(csrae.__file__)"]
    imported = subprocess.run(probe, cwd=deployment.workdir, capture_output=True, text=True, check=True).stdout
    assert Path(imported).is_relative_to(deployment.python.parents[1]), imported
    summaries = list((deployment.workdir / "results" / "runs").rglob("summary.json"))
    assert summaries
    for summary in summaries:
        record = json.loads(summary.read_text())["provenance"]
        assert record["csrae"] == deployment.wheel.name.split("-")[1] and record["git_commit"] is None
    table1 = read_csv(deployment.workdir / "results" / "table1.csv")
    assert {row["code"] for row in table1} == {f"csrae {deployment.wheel.name.split('-')[1]}"}


@pytest.mark.workflow
def test_export_writes_every_run_of_both_studies(deployment, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    results = deployment.workdir / "results"
    export = [str(deployment.python), "-m", "csrae.cli", "export", str(tmp_path / "tb"), "--results", str(results)]
    subprocess.run(export, cwd=deployment.workdir, check=True, capture_output=True)
    runs = {p.parent.relative_to(results) for p in results.glob("**/runs/**/summary.json")}
    assert any(run.parts[0] == "semisupervised" for run in runs)
    assert {p.parent.relative_to(tmp_path / "tb") for p in (tmp_path / "tb").rglob("events.out.tfevents.*")} == runs
    for run in sorted(runs)[:: max(len(runs) // 4, 1)]:
        events = EventAccumulator(str(tmp_path / "tb" / run))
        events.Reload()
        history = read_csv(results / run / "history.csv")
        assert len(events.Scalars("val/loss")) == len(history)


@pytest.mark.workflow
def test_the_rules_environment_resolves_with_the_wheel(deployment, tmp_path):
    """envs/csrae.yaml's pip section, with the wheel where PIP_FIND_LINKS points (docs/deploy.md), resolves
    to exactly its pins."""
    env = yaml.safe_load((ROOT / "envs" / "csrae.yaml").read_text())
    requirements = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
    command += ["--find-links", str(deployment.wheel.parent), "--report", str(report)]
    subprocess.run([*command, *requirements], check=True, capture_output=True)
    resolved = {
        f"{i['metadata']['name']}=={i['metadata']['version']}" for i in json.loads(report.read_text())["install"]
    }
    assert {r.replace("[inception]", "") for r in requirements} == resolved


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.mark.workflow
def test_tables_have_every_model_and_dataset_with_finite_numbers(pipeline_run):
    models = ("VAE", "IWAE", "VampPriorVAE", "CSRAE", "MixtureCSRAE", "MixtureVAE", "WAE")
    expected = {("mnist5k", m) for m in models} | {("pinwheel", m) for m in ("VAE", "CSRAE", "MixtureCSRAE")}
    specs = {
        "table1.csv": ["fid_mean", "test_ll_mean"],
        "table2.csv": ["knn_error_k3_mean", "knn_error_k5_mean", "knn_error_k10_mean"],
    }
    for name, columns in specs.items():
        rows = read_csv(pipeline_run / "results" / name)
        assert {(r["dataset"], r["model"]) for r in rows} == expected
        for row in rows:
            assert row["n_seeds"] == "2"
            assert all(
                np.isfinite(float(row[c])) and np.isfinite(float(row[c.replace("_mean", "_se")])) for c in columns
            )
        assert (pipeline_run / "results" / name.replace(".csv", ".md")).read_text().count("\n") == len(rows) + 2
    table1 = read_csv(pipeline_run / "results" / "table1.csv")
    assert {r["fid_features"] for r in table1 if r["dataset"] == "mnist5k"} == {"domain classifier (penultimate layer)"}
    assert {r["fid_samples"] for r in table1} == {"100"}


@pytest.mark.workflow
def test_selection_follows_the_validation_criterion(pipeline_run):
    selection = pipeline_run / "results" / "selection"
    sweep = read_csv(selection / "generative" / "mnist5k" / "CSRAE_sweep.csv")
    assert [r["hp"] for r in sweep if r["selected"] == "True"] == [sweep[0]["hp"]]
    assert {r["hp"] for r in sweep} == {"z=8_lambda=0.5", "z=8_lambda=2"}
    criteria = [float(r["val_criterion"]) for r in sweep]
    assert criteria == sorted(criteria)
    table1 = read_csv(pipeline_run / "results" / "table1.csv")
    chosen = [r["hp"] for r in table1 if (r["dataset"], r["model"]) == ("mnist5k", "CSRAE")]
    assert chosen == [sweep[0]["hp"]]
    assert any(r["pareto"] == "True" for r in sweep)
    # one Table I row per (z, K, prior), the weight selected within each
    mixture = {r["hp"] for r in table1 if (r["dataset"], r["model"]) == ("mnist5k", "MixtureCSRAE")}
    assert mixture == {f"z=8_lambda=1_K={k}_prior={p}" for k in (2, 3) for p in ("mog", "vamp")}
    # the kNN study selects among the same runs on validation kNN error (its own latent dimensions, where
    # knn_latent_dim gives them, are counted in test_paper_config_dry_run)
    knn = read_csv(selection / "knn" / "mnist5k" / "CSRAE_sweep.csv")
    assert {r["hp"] for r in knn} == {"z=8_lambda=0.5", "z=8_lambda=2"}
    errors = [float(r["val_knn_error"]) for r in knn]
    assert errors == sorted(errors)
    table2 = read_csv(pipeline_run / "results" / "table2.csv")
    assert [r["hp"] for r in table2 if (r["dataset"], r["model"]) == ("mnist5k", "CSRAE")] == [knn[0]["hp"]]


@pytest.mark.workflow
def test_semisupervised_tables_have_every_model_budget_and_fold(pipeline_run):
    rows = read_csv(pipeline_run / "results" / "table3.csv")
    digits = {r["model"]: r for r in rows if r["part"] == "a"}
    assert set(digits) == {"VAE", "VampPriorVAE", "CSRAE", "MixtureCSRAE"}
    assert {(r["dataset"], r["labels"], r["metric"], r["n_runs"]) for r in digits.values()} == {
        ("mnist5k", "n=100", "error", "2")
    }
    faces = {(r["model"], r["labels"]): r for r in rows if r["part"] == "b"}
    assert set(faces) == {(m, "p=0.5") for m in digits} | {("CNN", "all"), ("ResNet18", "all")}
    assert {r["n_runs"] for r in faces.values()} == {"6"}  # 3 subject-independent folds × 2 seeds
    for row in rows:
        assert 0 <= float(row["test_mean"]) <= 100 and np.isfinite(float(row["test_se"]))
    markdown = (pipeline_run / "results" / "table3.md").read_text()
    assert "(a) mnist5k: test error (%)" in markdown and "| ResNet18 |  | " in markdown
    per_unit = read_csv(pipeline_run / "results" / "table7.csv")
    assert [r["AU"] for r in per_unit] == ["AU1", "AU2", "AU4", "AU6", "AU9", "AU12", "AU25", "AU26", "Avg."]
    mean = np.mean([float(r["MixtureCSRAE (p=0.5)"]) for r in per_unit[:-1]])
    assert abs(mean - float(faces["MixtureCSRAE", "p=0.5"]["test_mean"])) < 0.01


@pytest.mark.workflow
def test_semisupervised_selection_takes_the_lowest_validation_error(pipeline_run):
    sweep = read_csv(pipeline_run / "results" / "semisupervised" / "selection" / "mnist5k_sweep.csv")
    csrae = [r for r in sweep if r["model"] == "CSRAE"]
    assert {r["hp"] for r in csrae} == {"z=8_lambda=1_alpha=1", "z=8_lambda=1_alpha=10"}
    best = min(csrae, key=lambda r: float(r["val_error"]))
    assert [r["hp"] for r in csrae if r["selected"] == "True"] == [best["hp"]]
    table = read_csv(pipeline_run / "results" / "table3.csv")
    assert [r["hp"] for r in table if (r["dataset"], r["model"]) == ("mnist5k", "CSRAE")] == [best["hp"]]
    faces = pipeline_run / "results" / "semisupervised" / "runs" / "disfa"
    (path,) = (faces / "MixtureCSRAE" / "p=0.5" / "z=8_lambda=1_K=3_prior=mog_alpha=10" / "fold2" / "seed1").glob(
        "*/metrics.json"
    )
    metrics = json.loads(path.read_text())
    assert metrics["fold"] == 2 and metrics["n_labelled"] == 7  # half of the 14 training frames, rounded
    assert {"test_f1_AU1", "test_f1_AU26"} <= set(metrics)


@pytest.mark.workflow
def test_figures_are_png_images(pipeline_run):
    figures = pipeline_run / "results" / "figures"
    names = {p.name for p in figures.glob("*.png")}
    assert {
        "figure1.png",
        "figure2.png",
        "figure3_mnist5k_CSRAE.png",
        "figure4_mnist5k_MixtureCSRAE.png",
        "figure4_mnist5k_MixtureVAE.png",
        "figure7_mnist5k_MixtureCSRAE.png",
        "figure7_mnist5k_MixtureVAE.png",
        "samples_mnist5k.png",
        "reconstructions_mnist5k.png",
    } <= names
    for name in names:
        assert (figures / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.workflow
def test_logs_benchmarks_and_checkpoints_outside_outputs(pipeline_run):
    results = pipeline_run / "results"
    assert list((results / "logs" / "train").rglob("*.log"))
    assert list((results / "benchmarks" / "train").rglob("*.tsv"))
    assert list((results / "runs").rglob("checkpoint.pt"))
    assert list((results / "semisupervised" / "runs").rglob("checkpoint.pt"))


@pytest.mark.workflow
def test_rerun_is_a_no_op_and_the_report_shows_every_table_and_figure_in_a_browser(deployment, pipeline_run):
    """Headless Chromium clicks through the report's menus: every figure and table of the run is reachable,
    and each one shows (an image decoded to a non-zero size, a table with rows)."""
    from collections import Counter

    from tests.browser import report_results

    assert "Nothing to be done" in deployment.snakemake("-n").stdout
    deployment.snakemake("--report", "report.html")
    shown = report_results(pipeline_run / "report.html")
    results = pipeline_run / "results"
    built = [*results.glob("figures/*.png"), *results.glob("*.html"), *results.glob("**/selection/**/*.html")]
    assert Counter(name for _, _, name, _ in shown) == Counter(path.name for path in built)
    required = {"table1.html", "table2.html", "table3.html", "table7.html", "figure2.png", "paper_comparison.html"}
    required |= {"ablation.html", "ablation_effects.html", "curves_mnist5k_MixtureCSRAE.png", "curves_pinwheel_VAE.png"}
    assert required <= {n for _, _, n, _ in shown}
    for category, subcategory, name, view in shown:
        if name.endswith(".png"):
            assert view["width"] > 100 and view["height"] > 100, (category, name, view)
        elif name == "diverged.html":
            assert view["rows"] > 0 or "No run diverged." in view["text"], view
        else:
            assert view["rows"] > 0, (category, subcategory, name, view)
    table1 = next(view for _, _, name, view in shown if name == "table1.html")
    assert table1["rows"] == len(read_csv(results / "table1.csv"))


@pytest.mark.workflow
def test_ablation_places_every_model_by_divergence_and_prior(pipeline_run):
    """Each selected setting is a (divergence, prior) cell with its own weight; one factor's effect is
    compared run by run with the other held fixed (seed-paired intervals over the two seeds)."""
    import pandas as pd

    cells = pd.read_csv(pipeline_run / "results" / "ablation.csv")
    mnist = cells[(cells["dataset"] == "mnist5k") & (cells["study"] == "generative") & (cells["metric"] == "fid")]
    assert {(r.divergence, r.prior) for r in mnist.itertuples()} == {
        ("KL", "standard"), ("CS", "standard"), ("MMD", "standard"), ("KL", "vamp"), ("KL", "mog"),
        ("CS", "mog"), ("CS", "vamp"),
    }  # fmt: skip
    assert "IWAE" not in set(cells["model"]) and set(cells["n"]) == {2}
    assert set(cells[cells["study"] == "knn"]["metric"]) == {"knn_error_k3"}  # the kNN study's smallest k
    effects = pd.read_csv(pipeline_run / "results" / "ablation_effects.csv")
    fid = effects[(effects["dataset"] == "mnist5k") & (effects["metric"] == "fid")]
    at_standard = fid[(fid["factor"] == "divergence") & (fid["held"] == "prior N(0, I)")]
    assert {o.split(" ")[0] for o in at_standard["other"]} == {"CSRAE", "WAE"}
    assert set(at_standard["reference"].str.split(" ").str[0]) == {"VAE"}
    at_mog = fid[(fid["factor"] == "divergence") & (fid["held"] == "prior MoG")]
    assert {(r.reference.split(" ")[0], r.other.split(" ")[0], r.K) for r in at_mog.itertuples()} == {
        ("MixtureVAE", "MixtureCSRAE", 3)
    }
    assert (effects["n"] == 2).all() and effects["interval"].str.match(r"[+-]\d+\.\d+ \[[+-]").all()
    markdown = (pipeline_run / "results" / "ablation.md").read_text()
    assert "## mnist5k, generative study: fid (FID, lower is better)" in markdown
    assert "test log-likelihood (nats), higher is better" in markdown


@pytest.mark.workflow
def test_paper_comparison_sets_the_run_beside_the_paper(pipeline_run):
    """mnist5k's Tables I, II and III(a) meet dynamic MNIST's cells, said so, with the domain FID marked
    not comparable to the paper's Inception FID; the synthetic DISFA meets Tables III(b) and VII against
    VampPriorVAE; pinwheel has no paper cell.  Verdicts come from seed-paired intervals."""
    import pandas as pd

    from csrae.comparison import paper_cells

    comparison = pd.read_csv(pipeline_run / "results" / "paper_comparison.csv")
    assert set(comparison["table"]) == {"I", "II", "III(a)", "III(b)", "VII"}
    assert set(comparison["dataset"]) == {"mnist5k", "disfa"}
    digits = comparison[comparison["dataset"] == "mnist5k"]
    assert set(digits["paper_dataset"]) == {"dynamic_mnist"}
    assert digits["notes"].str.contains("mnist5k is not a paper dataset: compared with dynamic_mnist").all()
    fid = comparison[comparison["metric"] == "fid"]
    assert not fid["comparable"].any() and fid["notes"].str.contains("vs the paper's Inception FID").all()
    table1 = pd.read_csv(pipeline_run / "results" / "table1.csv")
    in_paper = table1["model"].isin(paper_cells()["model"])  # MixtureVAE and WAE have no paper cell to meet
    assert len(fid) == ((table1["dataset"] == "mnist5k") & in_paper).sum()  # every model and structure of the run
    assert not {"MixtureVAE", "WAE"} & set(comparison["model"])
    faces = comparison[comparison["table"] == "III(b)"].set_index("model")
    assert set(faces["paper_structure"]) == {"p=0.25", "all"}  # closest to the run's p=0.5
    assert "Table VII gives" not in faces.loc["VampPriorVAE", "notes"]
    assert len(comparison[comparison["table"] == "VII"]) == 8 * 4  # every action unit of four models
    gains = pd.read_csv(pipeline_run / "results" / "paper_comparison_gains.csv")
    assert set(gains["verdict"]) <= {"agrees", "disagrees", "inconclusive"}
    assert {"CSRAE", "MixtureCSRAE"} <= set(gains[gains["reference"] == "VAE"]["model"])
    assert set(gains[gains["table"] == "III(b)"]["reference"]) == {"VampPriorVAE"}
    assert (gains["pairs"] <= 6).all() and (gains[gains["table"] == "I"]["pairs"] == 2).all()  # 2 seeds
    markdown = (pipeline_run / "results" / "paper_comparison.md").read_text()
    assert "## Rankings (best first)" in markdown and "## Improvement over the reference model" in markdown
    assert "a difference is a verdict only where its 95 % t interval" in markdown


@pytest.mark.workflow
def test_single_target_builds_only_what_it_needs(tmp_path):
    workdir = workdir_with(tmp_path, ROOT / ".test" / "config" / "config.yaml")
    out = snakemake(workdir, "-n", "results/figures/figure1.png").stdout
    assert "figure1" in out and "train" not in out


@pytest.mark.workflow
def test_lint_is_clean():
    result = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and "Congratulations" in result.stdout + result.stderr


@pytest.mark.workflow
def test_paper_config_dry_run(tmp_path, monkeypatch):
    """The whole paper DAG builds, given each dataset's files where the README says to put them."""
    data = tmp_path / "data"
    for name, write in WRITERS.items():
        write(data / name)
    for name in ("disfa", "fera2015"):
        write_faces(data / name, name, subjects=3, frames=2)
    monkeypatch.setenv("CSRAE_DATA", str(data))
    result = snakemake(
        workdir_with(tmp_path / "run", ROOT / "config" / "config.yaml"),
        "-n",
        "--configfile",
        str(ROOT / "config" / "paper.yaml"),
        str(ROOT / "config" / "faces.yaml"),
        "--replace-workflow-config",
    )
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.MULTILINE))
    assert int(counts["prepare_dataset"]) == 6 and int(counts["figure7"]) == 6  # + dynamic MNIST's MixtureVAE
    # one job per structure: 2,308 settings of 258 structures (MixtureVAE and WAE on dynamic MNIST: 16), each
    # with all its weights × 5 seeds
    assert int(counts["train"]) == int(counts["evaluate"]) == 258
    # dynamic MNIST: 3 label counts; DISFA, FERA2015: 2 fractions × 3 folds, and CNN, ResNet18 × 3 folds
    settings = 9 + 27 + 9 + 54
    assert int(counts["train_semisupervised"]) == settings * (3 + 2 * 2 * 3) + 2 * 2 * 3
    assert int(counts["prepare_faces"]) == 2 and int(counts["au_table"]) == 2 and int(counts["table3"]) == 1
    # α follows dynamic MNIST's label count (0.1 per label); the faces' fractions keep the listed 100
    budgets = set(re.findall(r"dataset=(\w+), model=\w+, labels=([^,]+), hp=z=\d+_\S*alpha=([\d.]+)", result.stdout))
    assert {(labels, alpha) for dataset, labels, alpha in budgets if dataset == "dynamic_mnist"} == {
        ("n=250", "25"),
        ("n=1000", "100"),
        ("n=4000", "400"),
    }
    assert {alpha for dataset, _, alpha in budgets if dataset != "dynamic_mnist"} == {"100"}


@pytest.mark.workflow
def test_missing_dataset_fails_before_any_job_saying_where_and_from_where(tmp_path, monkeypatch):
    monkeypatch.setenv("CSRAE_DATA", str(tmp_path / "data"))
    config = yaml.safe_load((ROOT / ".test" / "config" / "config.yaml").read_text())
    config["datasets"]["omniglot"] = {"latent_dim": 4}
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    expected = tmp_path / "data" / "omniglot" / "chardata.mat"
    assert f"dataset file {expected} is missing" in output and "https://github.com/yburda/iwae" in output
    assert "csrae download --dataset omniglot" in output
    assert not (tmp_path / "results").exists()


@pytest.mark.workflow
def test_static_mnist_alone_asks_for_the_files_of_its_fid_classifier(tmp_path, monkeypatch):
    WRITERS["static_mnist"](tmp_path / "data" / "static_mnist")
    monkeypatch.setenv("CSRAE_DATA", str(tmp_path / "data"))
    config = yaml.safe_load((ROOT / ".test" / "config" / "config.yaml").read_text())
    config["datasets"] = {"static_mnist": {"latent_dim": 4, "verify": "shape"}}
    del config["figure2"], config["semisupervised"]
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and not (tmp_path / "results").exists()
    assert "the FID of static_mnist (unlabelled) uses a classifier trained on dynamic_mnist" in output
    assert str(tmp_path / "data" / "dynamic_mnist" / "train-images-idx3-ubyte.gz") in output
    WRITERS["dynamic_mnist"](tmp_path / "data" / "dynamic_mnist")
    planned = snakemake(tmp_path, "-n").stdout
    assert "results/feature_net/dynamic_mnist/" in planned and "dataset=dynamic_mnist, model" not in planned


@pytest.mark.workflow
def test_missing_or_malformed_face_index_fails_before_any_job(tmp_path):
    workdir = with_synthetic_faces(workdir_with(tmp_path, ROOT / ".test" / "config" / "config.yaml"))
    index = workdir / "faces" / "disfa" / "index.csv"
    index.write_text(index.read_text().replace(",AU25,", ",AU_25,"))
    result = snakemake(workdir, "-n", check=False)
    assert result.returncode != 0 and "lacks the column(s) AU25" in result.stdout + result.stderr
    index.unlink()
    result = snakemake(workdir, "-n", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "faces/disfa/index.csv is missing. disfa is licensed" in output
    assert "columns frame, subject, AU1, AU2, AU4, AU6, AU9, AU12, AU25, AU26" in output
    assert not (workdir / "results").exists()
