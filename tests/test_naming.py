"""One registry of names: the workflow's schema and the model classes agree with csrae.naming."""

from pathlib import Path

import pytest
import yaml

from csrae.data import DATASETS
from csrae.data.faces import ACTION_UNITS
from csrae.models import MODELS
from csrae.naming import (
    HYPERPARAMETERS,
    MIXTURE_PRIORS,
    MODEL_NAMES,
    SEMI_SUPERVISED_MODELS,
    SSL_HYPERPARAMETERS,
    SUPERVISED_MODELS,
    budget_alphas,
    parse_setting_id,
    setting_id,
    structure_id,
)
from csrae.semisupervised.models import Z_REGULARISERS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
DEFINITIONS = SCHEMA["definitions"]


def test_models_and_hyperparameters_agree_with_the_schema():
    grids = DEFINITIONS["models"]["properties"]
    assert tuple(grids) == MODEL_NAMES == tuple(MODELS)
    for model, names in HYPERPARAMETERS.items():
        assert tuple(grids[model]["required"]) == names == tuple(grids[model]["properties"])
    assert tuple(grids["MixtureCSRAE"]["properties"]["prior"]["items"]["enum"]) == MIXTURE_PRIORS
    assert tuple(SCHEMA["properties"]["figure2"]["properties"]["model"]["enum"]) == MODEL_NAMES


def test_semi_supervised_models_agree_with_the_schema():
    grids = DEFINITIONS["ssl_models"]["properties"]
    assert tuple(grids) == SEMI_SUPERVISED_MODELS == tuple(Z_REGULARISERS)
    for model in SEMI_SUPERVISED_MODELS:
        assert tuple(grids[model]["required"]) == SSL_HYPERPARAMETERS[model]
    supervised = SCHEMA["properties"]["semisupervised"]["properties"]["supervised"]["items"]["enum"]
    assert tuple(supervised) == SUPERVISED_MODELS


def test_datasets_agree_with_the_schema():
    assert SCHEMA["properties"]["datasets"]["propertyNames"]["enum"] == list(DATASETS)
    ssl = SCHEMA["properties"]["semisupervised"]["properties"]["datasets"]["properties"]
    assert set(ssl) <= set(DATASETS) | set(ACTION_UNITS) and set(ACTION_UNITS) <= set(ssl)


def test_setting_names_round_trip():
    hparams = {"lambda": 0.25, "K": 100, "prior": "mog-direct"}
    name = setting_id("MixtureCSRAE", 40, hparams)
    assert name == "z=40_lambda=0.25_K=100_prior=mog-direct"
    assert parse_setting_id("MixtureCSRAE", name) == (40, hparams)
    assert structure_id("MixtureCSRAE", name) == "z=40_K=100_prior=mog-direct"
    assert setting_id("IWAE", 4, {"beta": 1e300, "n_iw": 5}) == "z=4_beta=1e+300_n_iw=5"


def test_alpha_follows_the_label_count_when_given_per_label():
    assert budget_alphas({"per_label": [0.1]}, 250, fraction=False) == [25.0]
    assert budget_alphas({"per_label": [0.1, 0.3]}, 4000, fraction=False) == [400.0, 1200.0]
    assert budget_alphas([100.0, 10], 0.25, fraction=True) == [100.0, 10.0]
    with pytest.raises(ValueError, match=r"budget 0.25 is a fraction.*semisupervised.datasets.<dataset>.alpha"):
        budget_alphas({"per_label": [0.1]}, 0.25, fraction=True)
