"""The real Snakefile: config validation, dry runs of the paper's DAG, missing data, lint (the end-to-end
run is test_pipeline.py)."""

import itertools
import re
import subprocess
import sys

import pytest
import yaml

from tests.fixtures import ROOT, WRITERS, planned_jobs, snakemake, with_synthetic_faces, workdir_with, write_faces


def top_level_imports(source: str) -> str:
    """The import statements of a script or a rule file, without the rest."""
    statements, lines = [], iter(source.splitlines())
    for line in lines:
        if line.startswith(("import ", "from ")):
            statement = [line]
            if line.endswith("("):  # names over several lines, up to ")"
                statement += [*itertools.takewhile(lambda name: not name.startswith(")"), lines), ")"]
            statements.append("\n".join(statement))
    return "\n".join(statements)


def test_planning_and_the_local_rules_need_no_torch():
    """Snakemake plans the DAG (the rule files' imports) and runs the ``localrule`` jobs where it runs, on a
    cluster's login node too: none of them imports torch, so neither pays for it nor needs a GPU node."""
    rules = "\n".join(p.read_text() for p in sorted((ROOT / "workflow" / "rules").glob("*.smk")))
    blocks = re.split(r"^\s*(?:rule|checkpoint) (\w+):\n", rules, flags=re.MULTILINE)[1:]
    local = {
        rule: re.search(r'"\.\./scripts/(\w+)\.py"', body)[1]
        for rule, body in zip(blocks[::2], blocks[1::2])
        if "localrule: True" in body
    }
    assert {"select_model", "tables", "paper_comparison", "sweep_figures", "image_grids", "decide_round"} <= set(local)
    assert not {"train", "evaluate", "train_semisupervised", "prepare_dataset", "train_round", "evaluate_round"} & set(
        local
    )
    scripts = [top_level_imports((ROOT / "workflow" / "scripts" / f"{s}.py").read_text()) for s in local.values()]
    code = "\n".join(
        [
            top_level_imports(rules),
            *scripts,
            "import sys",
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch')[:3])",
        ]
    )
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "[]", imported.stdout


@pytest.mark.parametrize(
    "section,change,message",
    [
        ("models", {"CSRAE": {"lambda": [-0.5]}}, "models.CSRAE.lambda: -0.5 is less than 0"),
        (
            "semisupervised",
            {
                "training": {
                    "epochs": 1,
                    "pretrain_epochs": 1,
                    "warmup": 0,
                    "patience": 1,
                    "batch_size": 100,
                    "lr": 0.0005,
                }
            },
            "mnist5k trains 1 epoch(s), of which the unsupervised first phase takes pretrain_epochs = 1",
        ),
    ],
)
def test_bad_config_fails_before_any_job(tmp_path, section, change, message):
    """The Snakefile checks the config before any job runs: the schema, and what only the rules know."""
    config = yaml.safe_load((ROOT / ".test" / "config" / "config.yaml").read_text())
    config[section] = config[section] | change
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and message in output, output[-3000:]
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
    assert "figure2: dataset 'pinwheel' with model 'MixtureCSRAE'" in result.stdout + result.stderr
    config["figure2"] = {"dataset": "mnist5k", "model": "VAE"}
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0 and "Figure 2 plots 2-D data and latents" in result.stdout + result.stderr
    del config["figure2"]  # Figure 2 is optional
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "-n", check=False)
    assert result.returncode == 0 and "figure2.png" not in result.stdout


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
    # Every GPU job asks for at most the 24 hours of max_minutes: a pack of 45 runs, its evaluation, 5 seeds.
    requests = {}
    for job in planned_jobs(result.stdout):
        if job["resources"].get("slurm_partition") or job["resources"].get("gpu"):
            requests.setdefault((job["rule"], job["wildcards"]["dataset"]), set()).add(job["resources"]["runtime"])
    assert max(max(minutes) for minutes in requests.values()) <= 24 * 60
    assert requests[("train", "cifar10")] == {900} and requests[("train", "omniglot")] == {60}
    assert requests[("evaluate", "cifar10")] == {900} and requests[("train_semisupervised", "dynamic_mnist")] == {1200}


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
