"""The paper's autoencoders with one interface.

Every model encodes x into q(z|x) = N(μ(x), diag σ²(x)) (eq. 17), decodes z
into the parameters of a likelihood p(x|z), and is trained on

    loss = RE + weight · R,   RE = −E_q[log p(x|z)],

where R is the model's regulariser and ``weight`` its coefficient (β or λ),
ramped up by the trainer's warm-up.
"""

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from csrae.divergence import cauchy_schwarz, kl_standard_normal
from csrae.gaussian import log_normal, sample_normal
from csrae.likelihoods import Likelihood, make_likelihood
from csrae.networks import ARCHITECTURES
from csrae.priors import MixturePrior, Prior, StandardNormal


@dataclass
class LossTerms:
    """Batch means of the objective and its two parts."""

    loss: Tensor
    reconstruction: Tensor
    regulariser: Tensor


class Autoencoder(nn.Module):
    """Encoder, decoder, likelihood and prior; subclasses choose the regulariser."""

    regulariser_name: str

    def __init__(self, encoder: nn.Module, decoder: nn.Module, likelihood: Likelihood, prior: Prior, weight: float):
        super().__init__()
        if weight < 0:
            raise ValueError(f"{type(self).__name__}: the regulariser weight must be >= 0, got {weight}")
        self.encoder, self.decoder, self.likelihood, self.prior = encoder, decoder, likelihood, prior
        self.weight = weight

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Location and log-variance of q(z|x) (eq. 17)."""
        loc, logvar = self.encoder(x).chunk(2, dim=-1)
        return loc, logvar

    def decode(self, z: Tensor) -> Tensor:
        """Likelihood parameters of p(x|z)."""
        return self.decoder(z)

    def regulariser(self, loc: Tensor, logvar: Tensor) -> Tensor:
        """R(q(z|x), p(z)) per data point."""
        raise NotImplementedError

    def loss(self, x: Tensor, weight: float | None = None) -> LossTerms:
        """Negative objective with one reparameterised sample, batch mean."""
        loc, logvar = self.encode(x)
        reconstruction = -self.likelihood.log_prob(x, self.decode(sample_normal(loc, logvar)))
        regulariser = self.regulariser(loc, logvar)
        weight = self.weight if weight is None else weight
        return LossTerms(
            loss=(reconstruction + weight * regulariser).mean(),
            reconstruction=reconstruction.mean(),
            regulariser=regulariser.mean(),
        )

    @torch.no_grad()
    def reconstruct(self, x: Tensor) -> Tensor:
        """Likelihood mean at the posterior mean."""
        return self.likelihood.mean(self.decode(self.encode(x)[0]))

    @torch.no_grad()
    def sample(self, n: int) -> Tensor:
        """Likelihood means of ``n`` draws z ~ p(z)."""
        return self.likelihood.mean(self.decode(self.prior.sample(n)))

    @torch.no_grad()
    def log_likelihood(self, x: Tensor, n_samples: int, max_elements: int = 2**24) -> Tensor:
        """Importance-sampled log p(x) with q(z|x) as proposal (eq. 28).

        log p(x) ≈ logsumexp_s [log p(x|z_s) + log p(z_s) − log q(z_s|x)] − log S.
        All of ``x`` is processed at once, the samples in chunks whose decoder
        output holds at most ``max_elements`` numbers (a memory cap).
        """
        loc, logvar = self.encode(x)
        chunk = max(1, max_elements // (x.shape[0] * x.shape[-1] * self.likelihood.params_per_dim))
        log_weights = []
        for start in range(0, n_samples, chunk):
            z = sample_normal(loc, logvar, min(chunk, n_samples - start))  # [s, B, D]
            log_weights.append(
                self.likelihood.log_prob(x, self.decode(z)) + self.prior.log_prob(z) - log_normal(z, loc, logvar)
            )
        return torch.logsumexp(torch.cat(log_weights), dim=0) - math.log(n_samples)


class BetaVAE(Autoencoder):
    """β-VAE (eq. 15): KL to N(0, I) weighted by β; β = 1 is the VAE."""

    regulariser_name = "KL"

    def regulariser(self, loc: Tensor, logvar: Tensor) -> Tensor:
        return kl_standard_normal(loc, logvar)


class CSRAE(Autoencoder):
    """Cauchy-Schwarz regularised autoencoder (eq. 13): λ · D_CS(q(z|x) ‖ p(z))."""

    regulariser_name = "CS"

    def regulariser(self, loc: Tensor, logvar: Tensor) -> Tensor:
        p_loc, p_logvar, p_logits = self.prior.components()
        q_logits = loc.new_zeros(loc.shape[0], 1)
        return cauchy_schwarz(loc.unsqueeze(-2), logvar.unsqueeze(-2), q_logits, p_loc, p_logvar, p_logits)


class MixtureCSRAE(CSRAE):
    """CSRAE with a learned K-component mixture prior (eqs. 18-21, 22)."""


MODELS = {"VAE": BetaVAE, "CSRAE": CSRAE, "MixtureCSRAE": MixtureCSRAE}

# The hyperparameters each model takes, and the one that weights its regulariser.
HYPERPARAMETERS = {"VAE": ("beta",), "CSRAE": ("lambda",), "MixtureCSRAE": ("lambda", "K")}
WEIGHT_NAME = {"VAE": "beta", "CSRAE": "lambda", "MixtureCSRAE": "lambda"}


def build_model(
    model: str, hparams: dict, data_dim: int, latent_dim: int, architecture: str, likelihood: str
) -> Autoencoder:
    """Build a model from its name and hyperparameters, e.g. ``("CSRAE", {"lambda": 1.0}, ...)``."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {sorted(MODELS)}")
    expected = set(HYPERPARAMETERS[model])
    if set(hparams) != expected:
        raise ValueError(f"{model} takes hyperparameters {sorted(expected)}, got {sorted(hparams)}")
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; choose one of {sorted(ARCHITECTURES)}")
    lik = make_likelihood(likelihood)
    encoder, decoder = ARCHITECTURES[architecture](data_dim, latent_dim, lik.params_per_dim * data_dim)
    if model == "MixtureCSRAE":
        prior: Prior = MixturePrior(latent_dim, int(hparams["K"]))
    else:
        prior = StandardNormal(latent_dim)
    return MODELS[model](encoder, decoder, lik, prior, float(hparams[WEIGHT_NAME[model]]))


def hp_id(model: str, hparams: dict) -> str:
    """A path-safe name for a hyperparameter setting, e.g. ``lambda=0.5_K=10``."""
    return "_".join(f"{name}={hparams[name]:g}" for name in HYPERPARAMETERS[model])


def parse_hp_id(model: str, text: str) -> dict:
    """Inverse of :func:`hp_id`."""
    pairs = dict(item.split("=", 1) for item in text.split("_"))
    if set(pairs) != set(HYPERPARAMETERS[model]):
        raise ValueError(f"{text!r} does not name the hyperparameters of {model}: {HYPERPARAMETERS[model]}")
    return {name: int(value) if name == "K" else float(value) for name, value in pairs.items()}
