"""The study's plan without Snakemake: every job's identity, the same as the release before planned it, and
every bad config refused before any job with the key at fault on the first line of the message."""

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import yaml

from csrae import plan
from csrae.plan.config import ConfigError, read_config
from csrae.store import content_key
from tests.fixtures import ROOT

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
TEST_CONFIG = ROOT / ".test" / "config" / "config.yaml"


def start(config: dict, tmp_path=None, check_data=False) -> plan.Study:
    return plan.start(config, [], SCHEMA, check_data=check_data)


@pytest.mark.parametrize("name", ["config/paper.yaml", "config/config.yaml"])
def test_every_job_keeps_the_key_csrae_0_1_0_planned(name):
    """tests/data/planned-0.1.0.json lists every job output (manifests, FID classifiers) that `snakemake -n`
    planned for the paper's and the embedded config with csrae 0.1.0 (commit 43fa514): a finished study is
    found again, not recomputed."""
    recorded = json.loads((ROOT / "tests" / "data" / "planned-0.1.0.json").read_text())[name]
    study = start(yaml.safe_load((ROOT / name).read_text()))
    assert sorted(study.manifests() + study.feature_nets()) == recorded


def test_which_jobs_does_a_config_make():
    study = start(yaml.safe_load((ROOT / "config" / "config.yaml").read_text()))
    structures = study.structures_of()
    assert len(structures) == 8 and ("mnist5k", "MixtureVAE", "z=40_K=10_prior=mog") in structures
    definition = study.train_job("mnist5k", "CSRAE", "z=40")
    assert definition["settings"] == ["z=40_lambda=1"] and definition["seeds"] == [0, 1]
    assert study.train_manifest("mnist5k", "CSRAE", "z=40").endswith(f"/{content_key(definition)}.json")
    assert study.feature_net("mnist5k").startswith("results/feature_net/mnist5k/") and not study.feature_net("pinwheel")
    assert len(study.ssl.manifests()) == 3 and "results/table3.csv" in study.targets()


def test_a_job_whose_settings_do_not_hash_to_its_key_is_refused():
    study = start(yaml.safe_load((ROOT / "config" / "config.yaml").read_text()))
    definition = study.train_job("mnist5k", "CSRAE", "z=40")
    plan.check_job(definition, content_key(definition), "out.json")
    with pytest.raises(plan.JobMismatch, match=r"out.json: this job's settings and code hash to \w+, not to the key 0"):
        plan.check_job(definition | {"seeds": [0]}, "0" * 12, "out.json")


PLANNED = """
import json, sys
from csrae import plan
config = json.loads(sys.argv[1])
study = plan.start(config, [], sys.argv[2], check_data=False) if sys.argv[3] == "start" else plan.replan(config)
vae = study.train_job("digits", "VAE", "z=4")
print(json.dumps({"config": study.config, "manifests": study.manifests(), "VAE": vae}))
"""


def test_a_job_with_plugin_files_plans_the_keys_the_planning_process_did(tmp_path):
    """A job's process loads the config's plugin files as it imports csrae (``$CSRAE_PLUGINS``, before any
    registry is imported); the package's own models stay its own there too, so each job finds the key its
    output was named by, and only what a file registered carries that file's digest."""
    shutil.copy(ROOT / "docs" / "examples" / "sliced_wasserstein.py", tmp_path / "my_models.py")
    shutil.copy(ROOT / "docs" / "examples" / "digits.py", tmp_path / "my_data.py")
    config = changed(
        plugins=["my_models.py", "my_data.py"],
        models={"VAE": {"beta": [1.0]}, "SWAE": {"lambda": [1.0]}},
        datasets={"digits": {"latent_dim": 4}},
    )
    del config["semisupervised"]

    def planned(how: str, config: dict, env: dict) -> dict:
        command = [sys.executable, "-c", PLANNED, json.dumps(config), str(SCHEMA), how]
        out = subprocess.run(
            command, cwd=tmp_path, env=os.environ | env | {"PYTHONPATH": str(ROOT)}, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    planning = planned("start", config, {})  # what Snakemake plans by: the config checked, defaults filled
    files = os.pathsep.join(str(tmp_path / name) for name in ("my_models.py", "my_data.py"))
    job = planned("replan", planning["config"], {"CSRAE_PLUGINS": files})  # what a job's script plans by
    assert job == planning and any("/SWAE/" in m for m in job["manifests"])
    assert "plugin" not in job["VAE"] and "plugin" in job["VAE"]["data"]  # digits came from a file, VAE did not


def changed(**changes) -> dict:
    config = yaml.safe_load(TEST_CONFIG.read_text())
    for key, value in changes.items():
        config[key] = config[key] | value if isinstance(value, dict) else value
    return config


OWN = {"latent_dim": 4, "source": "missing.npz", "architecture": "mlp300", "likelihood": "gaussian"}
BAD = [
    ({"models": {"Flow": {"beta": [1.0]}}}, "models.Flow: unknown model 'Flow'; choose one of ['VAE'"),
    ({"models": {"WAE": {"beta": [1.0]}}}, "models.WAE: WAE takes the hyperparameters ['lambda']"),
    ({"models": {"CSRAE": {"lambda": [-0.5]}}}, "models.CSRAE.lambda: -0.5 is less than 0"),
    ({"models": {"CSRAE": {"lambda": [float("nan")]}}}, "models.CSRAE.lambda.0: nan is not a finite number"),
    ({"models": {"CNN": {}}}, "models.CNN: {} should be non-empty"),
    ({"models": {"MixtureCSRAE": {"lambda": [1.0], "K": [0], "prior": ["mog"]}}}, "models.MixtureCSRAE.K: 0 is less"),
    ({"models": {"CSRAE": {"lambda": []}}}, "models.CSRAE.lambda: [] should be non-empty"),
    ({"models": {"CSRAE": {"lambda": [1.0, 1.0]}}}, "models.CSRAE.lambda: [1.0, 1.0] has non-unique elements"),
    ({"models": {"../x": {"lambda": [1.0]}}}, "models: '../x' does not match"),
    ({"seeds": [0, 0]}, "seeds: [0, 0] has non-unique elements"),
    ({"resources": {"train": {"slurm_extra": "--signal=TERM@120 -t 90"}}}, "resources.train.slurm_extra: -t is set by"),
    ({"training": {"lr": float("nan")}}, "training.lr: nan is not a finite number"),
    ({"datasets": {"../../../x": {"latent_dim": 4}}}, "datasets: '../../../x' does not match"),
    ({"datasets": {"a/b": {"latent_dim": 4}}}, "datasets: 'a/b' does not match"),
    ({"datasets": {"mnist5k": {"latent_dim": 0}}}, "datasets.mnist5k.latent_dim: 0 is less than the minimum of 1"),
    ({"datasets": {"cifar": {"latent_dim": 40}}}, "datasets.cifar: unknown dataset 'cifar'; choose one of"),
    ({"datasets": {"mine": OWN | {"likelihood": None}}}, "datasets.mine.likelihood: None is not one of"),
    ({"datasets": {"mine": {k: v for k, v in OWN.items() if k != "likelihood"}}}, "datasets.mine: 'likelihood'"),
    ({"datasets": {"mine": OWN | {"architecture": "mlp"}}}, "datasets.mine.architecture: 'mlp' is not one of"),
    ({"datasets": {"mine": OWN}}, "datasets.mine.source: dataset file missing.npz is missing: give a .npz file"),
    ({"models": {"MixtureCSRAE": {"lambda": [1.0], "K": [3], "prior": ["flow"]}}}, "models.MixtureCSRAE.prior: 'flow'"),
    ({"feature_net": {"epochs": 1, "lr": 0.1}}, "feature_net: Additional properties are not allowed ('lr' was"),
    ({"cpu_kernels": "fast"}, "cpu_kernels: 'fast' is not one of ['default', 'compatible']"),
    ({"figure2": {"dataset": "pinwheel", "model": "IWAE"}}, "figure2: dataset 'pinwheel' with model 'IWAE' is not in"),
    ({"semisupervised": {"datasets": {"disfa": {"labels": [25]}}}}, "semisupervised.datasets.disfa.labels.0: 25 is"),
    ({"semisupervised": {"datasets": {"mnist5k": {"labels": [0.25]}}}}, "semisupervised.datasets.mnist5k.labels.0:"),
    ({"semisupervised": {"models": {"WAE": {"lambda": [1.0], "alpha": [1.0]}}}}, "semisupervised.models.WAE: WAE has"),
    ({"semisupervised": {"models": {"CSRAE": {"lambda": [1.0]}}}}, "semisupervised.models.CSRAE: 'alpha' is a"),
    ({"semisupervised": {"supervised": ["CSRAE"]}}, "semisupervised.supervised: CSRAE is not a supervised baseline"),
    ({"semisupervised": {"models": {"CSRAE": {"lambda": [1.0], "alpha": {"per_labels": [0.1]}}}}},
     "semisupervised.models.CSRAE.alpha: {'per_labels': [0.1]} is not valid under any of the given schemas"),
    ({"semisupervised": {"training": {"epochs": 2, "pretrain_epochs": 2, "warmup": 0, "patience": 1, "batch_size": 10,
                                      "lr": 0.001}}}, "semisupervised.training (or semisupervised.datasets.mnist5k."),
]  # fmt: skip


@pytest.mark.parametrize("change,message", BAD, ids=[message.split(":")[0] for _, message in BAD])
def test_a_bad_config_is_refused_naming_the_key_on_the_first_line(change, message):
    config = changed(**change)
    with pytest.raises(ConfigError) as refused:
        start(config)
    first_line = str(refused.value).splitlines()[0]
    assert first_line.startswith(message), str(refused.value)


@pytest.mark.parametrize(
    "change",
    [
        {"figure2": {"dataset": "pinwheel", "model": "CSRAE"}},
        {"cpu_kernels": "compatible"},
        {"semisupervised": {"models": {"CSRAE": {"lambda": [1.0], "alpha": {"per_label": [0.1]}}}}},
    ],
)
def test_a_good_change_is_planned(change):
    start(changed(**change))


def test_a_key_given_twice_in_a_file_is_refused(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("seeds: [0, 1]\ntraining:\n  epochs: 3\n  lr: 0.1\n  epochs: 5\n")
    with pytest.raises(ConfigError, match=r"^epochs: given twice in one mapping of .*config.yaml \(lines 3 and 5\)"):
        read_config(path)
    with pytest.raises(ConfigError, match="^epochs: given twice"):
        plan.start(changed(), [path], SCHEMA, check_data=False)


def write_arrays(path, **changes):
    """One's own arrays: 3 classes of 6-pixel points in [0, 1]; ``changes`` replace arrays."""
    rng = np.random.default_rng(0)
    arrays = {f"x_{s}": rng.random((n, 6)) for s, n in (("train", 30), ("val", 9), ("test", 9))}
    arrays |= {f"y_{s}": np.arange(len(arrays[f"x_{s}"])) % 3 for s in ("train", "val", "test")}
    np.savez(path, **arrays | changes)


OWN_ARRAYS = [
    ({"y_train": (np.arange(30) % 3).astype(float)}, "y_train holds float64 values; labels are integers"),
    ({"y_val": np.full(9, 1000)}, "y_val has labels in [1000, 1000]; with 4 classes they must be 0 to 3"),
    ({"y_test": np.full(9, -7)}, "y_test has labels in [-7, -7]"),
    ({"x_val": np.full((9, 6), np.nan)}, "x_val holds NaN or infinite values"),
    ({"x_train": np.full((30, 6), 255.0)}, "x_train has values in [255, 255], but a bernoulli likelihood models"),
    ({"x_test": np.zeros((0, 6))}, "x_test is empty; every split needs points"),
    ({"x_test": np.zeros((9, 2, 3))}, "every split must be [n, features], the same features; got x_train (30, 6)"),
]


@pytest.mark.parametrize("arrays,message", OWN_ARRAYS, ids=[m.split(" ")[0] for _, m in OWN_ARRAYS])
def test_own_arrays_are_checked_before_any_job(tmp_path, monkeypatch, arrays, message):
    monkeypatch.chdir(tmp_path)
    write_arrays(tmp_path / "mine.npz", **arrays)
    own = {"latent_dim": 2, "source": "mine.npz", "architecture": "mlp300", "likelihood": "bernoulli"}
    config = changed(datasets={"mine": own})
    del config["semisupervised"], config["figure2"]
    with pytest.raises(ConfigError) as refused:
        start(config, check_data=True)
    assert re.match(rf"datasets.mine.source: dataset mine: {re.escape(message)}", str(refused.value)), refused.value
    write_arrays(tmp_path / "mine.npz")
    start(config, check_data=True)  # sound arrays plan
