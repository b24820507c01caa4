"""The test config's whole DAG, deployed as a Snakemake module with csrae from its wheel (tests/deployed.py),
run once: tables, selection, the semi-supervised study, figures, report, ablation, paper comparison, export."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.fixtures import ROOT, read_csv, with_synthetic_faces


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
    written = {p.parent.relative_to(tmp_path / "tb") for p in (tmp_path / "tb").rglob("events.out.tfevents.*")}
    assert written == runs | {Path(".")}  # each run's events, and the HParams experiment over all at the top
    for run in sorted(runs)[:: max(len(runs) // 4, 1)]:
        events = EventAccumulator(str(tmp_path / "tb" / run))
        events.Reload()
        history = read_csv(results / run / "history.csv")
        assert len(events.Scalars("val/loss")) == len(history)


@pytest.mark.workflow
def test_the_rules_environment_resolves_with_the_wheel(deployment, tmp_path):
    """workflow/envs/csrae.yaml's pip section, with the wheel where PIP_FIND_LINKS points (docs/deploy.md), resolves
    to exactly its pins."""
    env = yaml.safe_load((ROOT / "workflow" / "envs" / "csrae.yaml").read_text())
    requirements = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
    command += ["--find-links", str(deployment.wheel.parent), "--report", str(report)]
    subprocess.run([*command, *requirements], check=True, capture_output=True)
    resolved = {
        f"{i['metadata']['name']}=={i['metadata']['version']}" for i in json.loads(report.read_text())["install"]
    }
    assert {r.replace("[inception]", "") for r in requirements} == resolved


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
    findings = (pipeline_run / "results" / "findings.md").read_text()  # two seeds leave effects undecided
    assert findings.startswith("# Findings\n\n## The divergence × prior ablation")
    assert "config/ablation.yaml" in findings
    assert (pipeline_run / "results" / "report.rst").read_text().startswith("Findings\n========")


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
    assert (gains["n"] <= 6).all() and (gains[gains["table"] == "I"]["n"] == 2).all()  # 2 seeds
    markdown = (pipeline_run / "results" / "paper_comparison.md").read_text()
    assert "## Rankings (best first)" in markdown and "## Improvement over the reference model" in markdown
    assert markdown.startswith("## Findings\n")  # decided and undecided gains in sentences, then the tables
    assert "A difference is a verdict only where it is decided in its family (Holm's step-down" in markdown
