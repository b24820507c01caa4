"""Models, priors and likelihoods: interface, densities and the log-likelihood estimator."""

import itertools
import math

import numpy as np
import pytest
import torch
from scipy import integrate
from torch import nn

from csrae.divergence import cauchy_schwarz, kl_normal
from csrae.gaussian import log_normal
from csrae.likelihoods import Bernoulli, DiscretizedLogistic, Gaussian
from csrae.models import IWAE, Autoencoder, build_model
from csrae.naming import hp_id, parse_hp_id, parse_setting_id, setting_id, structure_id
from csrae.priors import CornerPrior, MixturePrior, StandardNormal, VampPrior
from csrae.registry import MODELS, generative_models


@pytest.mark.parametrize("name", generative_models())
@pytest.mark.parametrize(
    "likelihood,architecture,data_dim", [("bernoulli", "mlp300", 784), ("gaussian", "pinwheel", 2)]
)
def test_interface(name, likelihood, architecture, data_dim):
    torch.manual_seed(0)
    model = build_model(name, MODELS[name].example(), data_dim, 4, architecture, likelihood)
    x = torch.rand(8, data_dim).round() if likelihood == "bernoulli" else torch.randn(8, data_dim)
    loc, logvar = model.encode(x)
    assert loc.shape == logvar.shape == (8, 4)
    assert model.decode(loc).shape == (8, data_dim * model.likelihood.params_per_dim)
    assert model.sample(3).shape == model.reconstruct(x[:3]).shape == (3, data_dim)
    terms = model.loss(x)
    if MODELS[name].closed_form(MODELS[name].prior_of(MODELS[name].example())) and name != "IWAE":  # one-sample RE
        expected = terms.reconstruction.item() + model.weight * terms.regulariser.item()
        assert terms.loss.item() == pytest.approx(expected, rel=1e-5)
        assert terms.regulariser.item() >= 0
    terms.loss.backward()
    assert all(p.grad is not None for p in model.encoder.parameters())
    assert model.log_likelihood(x, n_samples=10).shape == (8,)


def test_mixture_prior_is_learned_by_the_regulariser():
    torch.manual_seed(0)
    for name, prior in itertools.product(("MixtureCSRAE", "MixtureVAE"), ("mog", "mog-direct", "vamp")):
        hparams = MODELS[name].example() | {"prior": prior}
        model = build_model(name, hparams, 784, 4, "mlp300", "bernoulli")
        model.loss(torch.rand(8, 784).round()).regulariser.backward()
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.prior.parameters())


@pytest.mark.parametrize(
    "args,message",
    [
        (("Flow", {}, 784, 4, "mlp300", "bernoulli"), "unknown model"),
        (("IWAE", {"beta": 1.0, "n_iw": 0}, 784, 4, "mlp300", "bernoulli"), "n_iw >= 1"),
        (("MixtureCSRAE", {"lambda": 1.0, "K": 3, "prior": "flow"}, 784, 4, "mlp300", "bernoulli"), "unknown prior"),
        (("CSRAE", {"beta": 1.0}, 784, 4, "mlp300", "bernoulli"), "takes hyperparameters"),
        (("CSRAE", {"lambda": -1.0}, 784, 4, "mlp300", "bernoulli"), "must be >= 0"),
        (("MixtureCSRAE", {"lambda": 1.0, "K": 0, "prior": "mog"}, 784, 4, "mlp300", "bernoulli"), "K >= 1"),
        (("VampPriorVAE", {"beta": 1.0, "K": 0}, 784, 4, "mlp300", "bernoulli"), "K >= 1"),
        (("VAE", {"beta": 1.0}, 784, 4, "resnet", "bernoulli"), "unknown architecture"),
        (("VAE", {"beta": 1.0}, 784, 4, "mlp300", "poisson"), "unknown likelihood"),
    ],
)
def test_bad_arguments_are_named(args, message):
    with pytest.raises(ValueError, match=message):
        build_model(*args)


def test_hp_id_round_trip():
    hp = {"lambda": 0.25, "K": 100, "prior": "mog-direct"}
    assert hp_id("MixtureCSRAE", hp) == "lambda=0.25_K=100_prior=mog-direct"
    assert parse_hp_id("MixtureCSRAE", "lambda=0.25_K=100_prior=mog-direct") == hp
    assert parse_hp_id("IWAE", hp_id("IWAE", {"beta": 1.5, "n_iw": 50})) == {"beta": 1.5, "n_iw": 50}
    with pytest.raises(ValueError, match="does not name"):
        parse_hp_id("CSRAE", "beta=1")


def test_setting_and_structure_ids():
    hp = {"beta": 0.5, "n_iw": 50}
    setting = setting_id("IWAE", 128, hp)
    assert setting == "z=128_beta=0.5_n_iw=50"
    assert parse_setting_id("IWAE", setting) == (128, hp)
    assert structure_id("IWAE", setting) == "z=128_n_iw=50"
    assert structure_id("CSRAE", "z=40_lambda=2") == "z=40"
    with pytest.raises(ValueError, match="z=<latent dim>"):
        parse_setting_id("CSRAE", "lambda=2")


def test_mixture_prior_density_integrates_to_one():
    torch.manual_seed(0)
    prior = MixturePrior(latent_dim=1, n_components=3).double()
    value, _ = integrate.quad(
        lambda z: prior.log_prob(torch.tensor([[z]], dtype=torch.float64)).exp().item(), -50, 50, limit=200
    )
    assert value == pytest.approx(1.0, rel=1e-6)


def test_an_unused_mixture_component_is_driven_broad_and_the_bound_stops_it():
    """D_CS rewards widening a component that no code uses (its share of ∫p² shrinks); unbounded, its
    variance runs away, and sampling from it yields nothing like the codes.  The log-variance bound
    [−6, 2] keeps it in reach."""
    codes = (torch.randn(200, 2) * 0.3, torch.full((200, 2), -2.0))  # every code near component 0

    def train(bounded: bool) -> float:
        torch.manual_seed(0)
        prior = MixturePrior(latent_dim=2, n_components=2, parametrisation="direct")
        with torch.no_grad():
            prior.loc.copy_(torch.tensor([[0.0, 0.0], [4.0, 4.0]]))
        if not bounded:
            prior.LOGVAR_RANGE = (-1e9, 1e9)
        optimizer = torch.optim.Adam(prior.parameters(), lr=0.05)
        for _ in range(600):
            loss = cauchy_schwarz(codes[0][:, None], codes[1][:, None], torch.zeros(200, 1), *prior.components())
            optimizer.zero_grad()
            loss.mean().backward()
            optimizer.step()
        return prior.components()[1][1].mean().item()

    assert train(bounded=False) > 4.0  # the unused component's log-variance runs away, and goes on
    assert train(bounded=True) <= 2.0


def test_prior_samples_follow_the_mixture():
    torch.manual_seed(0)
    prior = MixturePrior(latent_dim=2, n_components=4)
    loc, logvar, _ = prior.components()
    with torch.no_grad():
        z = prior.sample(200_000)
    torch.testing.assert_close(z.mean(0), loc.mean(0), atol=0.02, rtol=0)
    expected_var = (logvar.exp() + loc**2).mean(0) - loc.mean(0) ** 2
    torch.testing.assert_close(z.var(0), expected_var, atol=0.03, rtol=0.02)


def test_standard_normal_density():
    z = torch.randn(10, 3)
    torch.testing.assert_close(StandardNormal(3).log_prob(z), torch.distributions.Normal(0, 1).log_prob(z).sum(-1))


def test_likelihoods_match_torch_distributions():
    logits, x = torch.randn(5, 7), torch.rand(5, 7).round()
    torch.testing.assert_close(
        Bernoulli().log_prob(x, logits), torch.distributions.Bernoulli(logits=logits).log_prob(x).sum(-1)
    )
    params, y = torch.randn(5, 14), torch.randn(5, 7)
    loc, raw = params.chunk(2, -1)
    var = raw.mean(-1, keepdim=True).exp() + 1e-4  # one variance per point, softly floored
    expected = torch.distributions.Normal(loc, var.sqrt()).log_prob(y).sum(-1)
    torch.testing.assert_close(Gaussian().log_prob(y, params), expected)


def test_discretized_logistic_masses_sum_to_one_and_match_the_cdf():
    from scipy.stats import logistic

    levels = torch.arange(256, dtype=torch.float64)[:, None] / 255  # every level, one dimension
    params = torch.tensor([[0.1, -2.5]], dtype=torch.float64).expand(256, 2)  # loc 0.1, log-scale -2.5
    log_mass = DiscretizedLogistic().log_prob(levels, params)
    assert log_mass.exp().sum().item() == pytest.approx(1.0, abs=1e-12)
    edges = (levels[:, 0].numpy() - 0.5) + 0.5 / 255
    expected = logistic.cdf(edges[100], 0.1, np.exp(-2.5)) - logistic.cdf(edges[99], 0.1, np.exp(-2.5))
    assert log_mass[100].exp().item() == pytest.approx(expected, rel=1e-9)
    assert DiscretizedLogistic().mean(params[:1]).item() == pytest.approx(0.6)


def test_corner_prior_is_figure_2s_fixed_mixture():
    """Eqs. (31-32): 1/4 Σ_k N(z; μ_k, 0.05 I) with μ_k the corners of the unit square, nothing learned."""
    prior = CornerPrior(latent_dim=2, n_components=4)
    corners = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    z = torch.randn(50, 2)
    components = torch.distributions.Independent(torch.distributions.Normal(corners, math.sqrt(0.05)), 1)
    mixture = torch.distributions.MixtureSameFamily(torch.distributions.Categorical(torch.ones(4)), components)
    torch.testing.assert_close(prior.log_prob(z), mixture.log_prob(z))
    model = build_model("MixtureCSRAE", {"lambda": 1.0, "K": 4, "prior": "corners"}, 2, 2, "pinwheel", "gaussian")
    assert not list(model.prior.parameters())
    with pytest.raises(ValueError, match="latent dimension 3 set K to 8, got K=4"):
        CornerPrior(latent_dim=3, n_components=4)


def test_vamp_prior_is_the_encoders_mixture_over_pseudo_inputs():
    torch.manual_seed(0)
    encoder = nn.Linear(6, 4)
    prior = VampPrior(encoder, data_dim=6, n_components=3)
    loc, logvar, logits = prior.components()
    expected = encoder(prior.inputs()).chunk(2, -1)
    torch.testing.assert_close(loc, expected[0])
    torch.testing.assert_close(logvar, expected[1])
    assert prior.inputs().min() >= 0 and prior.inputs().max() <= 1
    assert [name for name, _ in prior.named_parameters()] == ["pseudo_inputs"]


def test_vamp_prior_vae_kl_estimate_is_unbiased():
    """With one pseudo-input the VampPrior is a Gaussian, so KL has a closed form."""
    torch.manual_seed(0)
    model = build_model("VampPriorVAE", {"beta": 1.0, "K": 1}, 2, 3, "pinwheel", "gaussian")
    x = torch.randn(4, 2)
    with torch.no_grad():
        loc, logvar = model.encode(x)
        p_loc, p_logvar, _ = model.prior.components()
        estimate = model.regulariser(loc, logvar, torch.randn(2, 40000, *loc.shape)).mean(0)
    torch.testing.assert_close(estimate, kl_normal(loc, logvar, p_loc[0], p_logvar[0]), atol=0.03, rtol=0.02)


def linear_gaussian_model(exact_posterior: bool):
    """p(z) = N(0, I), p(x|z) = N(Wz + b, s²I) with orthogonal columns of W, so p(x) is known."""
    torch.manual_seed(0)
    data_dim, latent_dim, raw_logvar = 5, 2, math.log(0.3)
    w = torch.linalg.qr(torch.randn(data_dim, latent_dim)).Q * torch.tensor([2.0, 0.7])
    b = torch.randn(data_dim)
    decoder = nn.Linear(latent_dim, 2 * data_dim)
    encoder = nn.Linear(data_dim, 2 * latent_dim)
    likelihood = Gaussian()
    s2 = math.exp(raw_logvar) + 1e-4  # variance after the likelihood's soft floor
    posterior_cov = torch.linalg.inv(torch.eye(latent_dim) + w.T @ w / s2)  # diagonal: W has orthogonal columns
    gain = posterior_cov @ w.T / s2
    with torch.no_grad():
        decoder.weight.copy_(torch.cat([w, torch.zeros(data_dim, latent_dim)]))
        decoder.bias.copy_(torch.cat([b, torch.full((data_dim,), raw_logvar)]))
        encoder.weight.copy_(torch.cat([gain, torch.zeros(latent_dim, data_dim)]))
        encoder.bias.copy_(torch.cat([-gain @ b, posterior_cov.diagonal().log()]))
        if not exact_posterior:
            encoder.bias += torch.tensor([0.1, -0.1, 0.3, 0.2])
    model = Autoencoder(encoder, decoder, likelihood, StandardNormal(latent_dim), 1.0, "KL")
    x = torch.randn(64, data_dim) * 2
    cov = w @ w.T + s2 * torch.eye(data_dim)
    exact = torch.distributions.MultivariateNormal(b, cov).log_prob(x)
    return model, x, exact


def test_log_likelihood_is_exact_with_the_true_posterior():
    model, x, exact = linear_gaussian_model(exact_posterior=True)
    torch.testing.assert_close(model.log_likelihood(x, n_samples=3), exact, rtol=1e-5, atol=1e-4)


def test_log_likelihood_converges_with_a_wrong_proposal_and_chunks_agree():
    model, x, exact = linear_gaussian_model(exact_posterior=False)
    torch.manual_seed(1)
    estimate = model.log_likelihood(x, n_samples=5000)
    error = (estimate - exact).abs()
    assert error.mean() < 0.01 and error.max() < 0.05
    assert (model.log_likelihood(x, n_samples=1) - exact).mean() < 0  # Jensen: biased low with few samples
    torch.manual_seed(2)
    one_chunk = model.log_likelihood(x, n_samples=300)
    torch.manual_seed(2)
    many_chunks = model.log_likelihood(x, n_samples=300, max_elements=64 * 10 * 7)
    torch.testing.assert_close(one_chunk, many_chunks)


def as_iwae(model: Autoencoder, n_importance: int) -> IWAE:
    parts = (model.encoder, model.decoder, model.likelihood, model.prior, 1.0, "KL")
    return IWAE(*parts, n_importance=n_importance)


def test_iwae_bound_is_exact_with_the_true_posterior():
    model, x, exact = linear_gaussian_model(exact_posterior=True)
    for n in (1, 5):
        torch.testing.assert_close(-as_iwae(model, n).loss(x).loss, exact.mean(), rtol=1e-5, atol=1e-4)


def test_iwae_bound_tightens_with_more_samples():
    model, x, exact = linear_gaussian_model(exact_posterior=False)
    torch.manual_seed(0)
    with torch.no_grad():
        bounds = [torch.stack([-as_iwae(model, n).loss(x).loss for _ in range(200)]).mean() for n in (1, 10, 100)]
    assert bounds[0] < bounds[1] < bounds[2] <= exact.mean() + 1e-3
    assert exact.mean() - bounds[2] < 0.01


def test_log_normal_matches_scipy():
    from scipy.stats import multivariate_normal

    x, loc, logvar = np.random.default_rng(0).normal(size=(3, 4))
    expected = multivariate_normal(loc, np.diag(np.exp(logvar))).logpdf(x)
    assert log_normal(*(torch.tensor(a) for a in (x, loc, logvar))).item() == pytest.approx(expected)


def test_conv_residual_networks_of_table_vi():
    from csrae.networks import conv_residual

    encoder, decoder = conv_residual(3072, latent_dim=16, out_dim=2 * 3072)
    x = torch.rand(5, 3072)
    assert encoder(x).shape == (5, 32)
    assert decoder(torch.randn(7, 5, 16)).shape == (7, 5, 6144)  # leading sample dimension kept
    strides = [m.stride for m in encoder.net if isinstance(m, torch.nn.Conv2d)]
    assert strides[:2] == [(2, 2), (2, 2)]  # 32×32 → 8×8
    with pytest.raises(ValueError, match="32×32 images"):
        conv_residual(784, 16, 784)


def test_cifar10_sees_one_pixel_scale_and_has_table_vis_gated_prior_network():
    """The encoder sees the pixels on [−0.5, 0.5], the scale on which the discretised logistic
    models them (Table V), pseudo-inputs included; the MoG prior network is GatedDense (Table VI)."""
    from csrae.networks import GatedDense

    torch.manual_seed(0)
    model = build_model("MixtureCSRAE", {"lambda": 1.0, "K": 3, "prior": "mog"}, 3072, 8, "conv_residual", "logistic")
    first_conv = next(m for m in model.encoder.modules() if isinstance(m, nn.Conv2d))
    seen = []
    first_conv.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
    x = torch.randint(0, 256, (4, 3072)) / 255.0
    model.encode(x)
    assert seen[0].min() == -0.5 and seen[0].max() == 0.5
    torch.testing.assert_close(seen[0].flatten(1), x - 0.5)
    pixel = torch.full((1, 3072), 200 / 255)  # the likelihood's mean sits on the same scale
    params = torch.cat([pixel - 0.5, torch.full_like(pixel, -7.0)], -1)
    torch.testing.assert_close(model.likelihood.mean(params), pixel)
    assert model.likelihood.log_prob(pixel, params).item() / 3072 > math.log(0.75)  # most mass on the pixel
    gated = [m for m in model.prior.network if isinstance(m, GatedDense)]
    assert [g.linear.out_features for g in gated] == [256, 256]
    assert model.prior.network[-1].out_features == 2 * 8
    mlp_prior = build_model("MixtureCSRAE", {"lambda": 1.0, "K": 3, "prior": "mog"}, 784, 8, "mlp300", "bernoulli")
    assert [m.out_features for m in mlp_prior.prior.network if isinstance(m, nn.Linear)] == [784, 256, 16]
