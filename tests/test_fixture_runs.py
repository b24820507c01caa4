"""Every model trains and evaluates on every image dataset, loaded from fixture files (on CIFAR10's
convolutional networks, the models whose prior runs through the architecture: the others' regularisers
do not see it, and the convolutions are slow on a CPU; its FID on a domain classifier's features, as in
the workflow, since the raw data's 3072 dimensions make a slow Fréchet distance)."""

import math

import pytest

from csrae import registry
from csrae.data import prepare_dataset
from csrae.evaluation import EvalConfig, evaluate
from csrae.metrics.features import train_feature_net
from csrae.registry import generative_models
from csrae.run import RunSpec, train_run
from csrae.saved import load_model
from csrae.trainer import TrainConfig
from tests.fixtures import WRITERS


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_model_trains_and_evaluates(name, tmp_path):
    WRITERS[name](tmp_path / "source")
    data = prepare_dataset(name, tmp_path / "source", verify="shape")
    config = EvalConfig(ll_samples=4, fid_samples=10, loss_repeats=1, knn_k=(3,))
    models = ("VampPriorVAE", "MixtureCSRAE") if name == "cifar10" else generative_models()
    features = train_feature_net(data.x["train"], data.y["train"], epochs=1) if name == "cifar10" else None
    for model in models:
        hparams = registry.model(model).example()
        spec = RunSpec(name, model, hparams, latent_dim=4, train=TrainConfig(epochs=1, warmup=0, batch_size=50))
        run = tmp_path / model
        summary = train_run(spec, data, run, run / "state", device="cpu", log=lambda *_: None)
        assert math.isfinite(summary["best"]["val_loss"])
        trained, _ = load_model(run / "model.pt", data)
        metrics, artefacts = evaluate(trained, data, config, feature_net=features)
        assert math.isfinite(metrics["test_ll"]) and math.isfinite(metrics["fid"]), (name, model)
        assert ("knn_error_k3" in metrics) == (name != "static_mnist")
        assert artefacts["samples"].shape == (10, data.data_dim)
