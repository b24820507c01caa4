"""The models of :mod:`csrae.registry`, built from parts: networks, likelihood, prior and divergence.

Every model encodes x into q(z|x) = N(μ(x), diag σ²(x)) (eq. 17), decodes z
into the parameters of a likelihood p(x|z), and is trained on

    loss = RE + weight · R,   RE = −E_q[log p(x|z)],

where R is the model's divergence to its prior (:mod:`csrae.regularisers`)
and ``weight`` its coefficient (β or λ), ramped up by the trainer's warm-up;
IWAE replaces the sum by the importance-weighted bound.
"""

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from csrae import registry, regularisers
from csrae.gaussian import Noise, log_normal, sample_normal
from csrae.likelihoods import Likelihood, make_likelihood
from csrae.networks import ARCHITECTURES
from csrae.priors import CornerPrior, MixturePrior, Prior, StandardNormal, VampPrior


@dataclass
class LossTerms:
    """Batch means of the objective and its two parts."""

    loss: Tensor
    reconstruction: Tensor
    regulariser: Tensor

    NAMES = ("loss", "reconstruction", "regulariser")

    def stacked(self) -> Tensor:
        """The terms as one tensor, in the order of :attr:`NAMES`."""
        return torch.stack([getattr(self, name) for name in self.NAMES])


class Autoencoder(nn.Module):
    """Encoder, decoder, likelihood and prior, regularised by a divergence of :mod:`csrae.regularisers`.

    Noise: one training step uses ``noise_draws`` standard-normal draws per
    data point and latent dimension, the codes' first, then the divergence's
    own; :meth:`loss` takes them from ``noise`` (:class:`csrae.gaussian.Noise`,
    a run's generator, or the draws a packed step made beforehand) in one
    ``[draws, B, D]`` request.
    """

    def __init__(
        self, encoder: nn.Module, decoder: nn.Module, likelihood: Likelihood, prior: Prior, weight: float,
        divergence: str,
    ):  # fmt: skip
        super().__init__()
        if weight < 0:
            raise ValueError(f"the regulariser weight must be >= 0, got {weight}")
        self.encoder, self.decoder, self.likelihood, self.prior = encoder, decoder, likelihood, prior
        self.weight, self.divergence = weight, regularisers.divergence(divergence)
        self.noise_draws = 1 + self.divergence.extra_draws(prior)

    @property
    def regulariser_name(self) -> str:
        return self.divergence.name

    def draws(self, noise: Noise | None, loc: Tensor) -> Tensor:
        """The step's ``[noise_draws, *loc.shape]`` standard-normal draws (the global generator's without
        ``noise``)."""
        return (noise or Noise(None, loc.device)).normal(self.noise_draws, *loc.shape)

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Location and log-variance of q(z|x) (eq. 17)."""
        loc, logvar = self.encoder(x).chunk(2, dim=-1)
        return loc, logvar

    def decode(self, z: Tensor) -> Tensor:
        """Likelihood parameters of p(x|z)."""
        return self.decoder(z)

    def regulariser(self, loc: Tensor, logvar: Tensor, eps: Tensor | None = None) -> Tensor:
        """R(q(z|x), p(z)) per data point (or per batch), ``eps`` the step's draws (fresh ones without)."""
        return self.divergence.function(self.prior, loc, logvar, self.draws(None, loc) if eps is None else eps)

    def loss(self, x: Tensor, weight: float | Tensor | None = None, noise: Noise | None = None) -> LossTerms:
        """Negative objective RE + weight · R with one reparameterised sample, batch mean."""
        loc, logvar = self.encode(x)
        eps = self.draws(noise, loc)
        reconstruction = -self.likelihood.log_prob(x, self.decode(sample_normal(loc, logvar, noise=eps[0])))
        regulariser = self.regulariser(loc, logvar, eps)
        weight = self.weight if weight is None else weight
        return LossTerms(
            loss=(reconstruction + weight * regulariser).mean(),
            reconstruction=reconstruction.mean(),
            regulariser=regulariser.mean(),
        )

    def forward(self, x: Tensor, weight: float | Tensor | None = None, noise: Noise | None = None) -> LossTerms:
        """The training loss (so that ``torch.func.functional_call`` can evaluate it)."""
        return self.loss(x, weight, noise)

    @torch.no_grad()
    def reconstruct(self, x: Tensor) -> Tensor:
        """Likelihood mean at the posterior mean."""
        return self.likelihood.mean(self.decode(self.encode(x)[0]))

    @torch.no_grad()
    def sample(self, n: int) -> Tensor:
        """Likelihood means of ``n`` draws z ~ p(z)."""
        return self.likelihood.mean(self.decode(self.prior.sample(n)))

    @torch.no_grad()
    def sample_components(self, n: int, components: list[int]) -> Tensor:
        """Likelihood means of ``n`` draws from each listed prior component (Figure 7): ``[len, n, D]``."""
        loc, logvar, _ = self.prior.components()
        index = torch.as_tensor(components, device=loc.device)
        z = sample_normal(loc[index], logvar[index], n).transpose(0, 1)
        return self.likelihood.mean(self.decode(z))

    @torch.no_grad()
    def log_likelihood(self, x: Tensor, n_samples: int, max_elements: int = 2**22) -> Tensor:
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


class IWAE(Autoencoder):
    """Importance-weighted autoencoder (Burda et al. 2016) with ``n_importance`` samples.

    Maximises log 1/n Σ_s p(x|z_s) [p(z_s)/q(z_s|x)]^β, z_s ~ q(z|x): the
    IWAE bound for β = 1, the β-VAE objective (with a one-sample KL) for
    n = 1.  The reported regulariser is the model's divergence (KL in closed form).
    """

    def __init__(self, *args, n_importance: int):
        super().__init__(*args)
        if n_importance < 1:
            raise ValueError(f"IWAE needs n_iw >= 1 importance samples, got {n_importance}")
        self.n_importance = self.noise_draws = n_importance

    def loss(self, x: Tensor, weight: float | Tensor | None = None, noise: Noise | None = None) -> LossTerms:
        loc, logvar = self.encode(x)
        eps = self.draws(noise, loc)
        z = sample_normal(loc, logvar, noise=eps)  # [n, B, D]
        log_px = self.likelihood.log_prob(x, self.decode(z))
        log_ratio = self.prior.log_prob(z) - log_normal(z, loc, logvar)
        weight = self.weight if weight is None else weight
        bound = torch.logsumexp(log_px + weight * log_ratio, dim=0) - math.log(self.n_importance)
        return LossTerms(
            loss=-bound.mean(),
            reconstruction=-log_px.mean(),
            regulariser=self.regulariser(loc, logvar, eps).mean(),
        )


def build_model(
    model: str, hparams: dict, data_dim: int, latent_dim: int, architecture: str, likelihood: str
) -> Autoencoder:
    """Build a model of :mod:`csrae.registry` from its name and hyperparameters, e.g. CSRAE with
    ``{"lambda": 1.0}``."""
    entry = registry.model(model)
    if set(hparams) != set(entry.names):
        raise ValueError(f"{model} takes hyperparameters {sorted(entry.names)}, got {sorted(hparams)}")
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; choose one of {sorted(ARCHITECTURES)}")
    lik = make_likelihood(likelihood)
    encoder, decoder = ARCHITECTURES[architecture](data_dim, latent_dim, lik.params_per_dim * data_dim)
    prior = build_prior(
        entry.prior_of(hparams), hparams.get("K"), encoder, data_dim, latent_dim, architecture,
        bounded=likelihood != "gaussian",
    )  # fmt: skip
    args = (encoder, decoder, lik, prior, float(hparams[entry.weight]), entry.divergence)
    if entry.objective == "iwae":
        return IWAE(*args, n_importance=int(hparams["n_iw"]))
    return Autoencoder(*args)


def build_prior(
    kind: str, components: int | None, encoder, data_dim: int, latent_dim: int, architecture: str, bounded: bool
) -> Prior:
    """p(z) of ``kind`` (:data:`csrae.registry.PRIOR_NAMES`): N(0, I), the VampPrior through ``encoder``, a
    learned MoG (Table VI for ``architecture``) or the fixed corners (eq. 31), with ``components`` K."""
    if kind == "vamp":
        return VampPrior(encoder, data_dim, int(components), bounded=bounded)
    if kind == "corners":
        return CornerPrior(latent_dim, int(components))
    if kind in ("mog", "mog-direct"):
        parametrisation = "network" if kind == "mog" else "direct"
        return MixturePrior(latent_dim, int(components), parametrisation, architecture)
    if kind == registry.STANDARD:
        return StandardNormal(latent_dim)
    raise ValueError(f"unknown prior {kind!r}; choose one of {list(registry.PRIOR_NAMES)}")
