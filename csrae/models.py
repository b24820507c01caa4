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
from csrae.naming import HYPERPARAMETERS, MIXTURE_PRIORS, WEIGHT_NAME
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
    """Encoder, decoder, likelihood and prior; subclasses choose the regulariser.

    One training step uses ``noise_draws`` standard-normal draws per data point
    and latent dimension; :meth:`loss` takes them as ``noise`` (``[draws, B, D]``)
    so that a trainer can draw them from its own generator.
    """

    regulariser_name: str
    noise_draws = 1

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

    def regulariser(self, loc: Tensor, logvar: Tensor, noise: Tensor | None = None) -> Tensor:
        """R(q(z|x), p(z)) per data point."""
        raise NotImplementedError

    def loss(self, x: Tensor, weight: float | Tensor | None = None, noise: Tensor | None = None) -> LossTerms:
        """Negative objective with one reparameterised sample, batch mean."""
        loc, logvar = self.encode(x)
        z = sample_normal(loc, logvar, noise=None if noise is None else noise[0])
        reconstruction = -self.likelihood.log_prob(x, self.decode(z))
        regulariser = self.regulariser(loc, logvar, noise)
        weight = self.weight if weight is None else weight
        return LossTerms(
            loss=(reconstruction + weight * regulariser).mean(),
            reconstruction=reconstruction.mean(),
            regulariser=regulariser.mean(),
        )

    def forward(self, x: Tensor, weight: float | Tensor | None = None, noise: Tensor | None = None) -> LossTerms:
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


def sampled_kl(prior: Prior, loc: Tensor, logvar: Tensor, noise: Tensor | None = None) -> Tensor:
    """KL(q(z|x) ‖ p(z)) ≈ log q(z|x) − log p(z) at one draw z (``noise[1]``); for priors without a closed form."""
    z = sample_normal(loc, logvar, noise=None if noise is None else noise[1])
    return log_normal(z, loc, logvar) - prior.log_prob(z)


def cauchy_schwarz_to_mixture(loc: Tensor, logvar: Tensor, p_loc: Tensor, p_logvar: Tensor, p_logits: Tensor) -> Tensor:
    """D_CS(q ‖ p) in closed form for a single Gaussian q per point and a mixture p (eqs. 13, 21)."""
    q_logits = loc.new_zeros(*loc.shape[:-1], 1)
    return cauchy_schwarz(loc.unsqueeze(-2), logvar.unsqueeze(-2), q_logits, p_loc, p_logvar, p_logits)


def cauchy_schwarz_to_prior(prior: Prior, loc: Tensor, logvar: Tensor, noise: Tensor | None = None) -> Tensor:
    """D_CS(q(z|x) ‖ p(z)), q a single Gaussian per point (eqs. 13, 21)."""
    return cauchy_schwarz_to_mixture(loc, logvar, *prior.components())


def standard_kl(prior: Prior, loc: Tensor, logvar: Tensor, noise: Tensor | None = None) -> Tensor:
    """KL(q(z|x) ‖ N(0, I)) in closed form (the prior is the standard normal)."""
    return kl_standard_normal(loc, logvar)


class BetaVAE(Autoencoder):
    """β-VAE (eq. 15): KL to N(0, I) weighted by β; β = 1 is the VAE."""

    regulariser_name = "KL"

    def regulariser(self, loc: Tensor, logvar: Tensor, noise: Tensor | None = None) -> Tensor:
        return kl_standard_normal(loc, logvar)


class IWAE(Autoencoder):
    """Importance-weighted autoencoder (Burda et al. 2016) with ``n_iw`` samples.

    Maximises log 1/n Σ_s p(x|z_s) [p(z_s)/q(z_s|x)]^β, z_s ~ q(z|x): the
    IWAE bound for β = 1, the β-VAE objective (with a one-sample KL) for
    n = 1.  The reported regulariser is KL(q‖p) in closed form.
    """

    regulariser_name = "KL"

    def __init__(self, *args, n_importance: int):
        super().__init__(*args)
        if n_importance < 1:
            raise ValueError(f"IWAE needs n_iw >= 1 importance samples, got {n_importance}")
        self.n_importance = self.noise_draws = n_importance

    def regulariser(self, loc: Tensor, logvar: Tensor, noise: Tensor | None = None) -> Tensor:
        return kl_standard_normal(loc, logvar)

    def loss(self, x: Tensor, weight: float | Tensor | None = None, noise: Tensor | None = None) -> LossTerms:
        loc, logvar = self.encode(x)
        z = sample_normal(loc, logvar, self.n_importance, noise)  # [n, B, D]
        log_px = self.likelihood.log_prob(x, self.decode(z))
        log_ratio = self.prior.log_prob(z) - log_normal(z, loc, logvar)
        weight = self.weight if weight is None else weight
        bound = torch.logsumexp(log_px + weight * log_ratio, dim=0) - math.log(self.n_importance)
        return LossTerms(
            loss=-bound.mean(),
            reconstruction=-log_px.mean(),
            regulariser=self.regulariser(loc, logvar).mean(),
        )


class VampPriorVAE(Autoencoder):
    """β-VAE with the VampPrior; KL(q‖p) = E_q[log q(z|x) − log p(z)] by one sample."""

    regulariser_name = "KL"
    noise_draws = 2  # the reconstruction's sample and the KL estimate's

    def regulariser(self, loc: Tensor, logvar: Tensor, noise: Tensor | None = None) -> Tensor:
        return sampled_kl(self.prior, loc, logvar, noise)


class CSRAE(Autoencoder):
    """Cauchy-Schwarz regularised autoencoder (eq. 13): λ · D_CS(q(z|x) ‖ p(z))."""

    regulariser_name = "CS"

    def regulariser(self, loc: Tensor, logvar: Tensor, noise: Tensor | None = None) -> Tensor:
        return cauchy_schwarz_to_prior(self.prior, loc, logvar)


class MixtureCSRAE(CSRAE):
    """CSRAE with a K-component mixture prior: learned MoG (eqs. 18-22), VampPrior (eq. 23) or fixed (eq. 31)."""


MODELS = {
    "VAE": BetaVAE,
    "IWAE": IWAE,
    "VampPriorVAE": VampPriorVAE,
    "CSRAE": CSRAE,
    "MixtureCSRAE": MixtureCSRAE,
}


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
    prior = build_prior(model, hparams, encoder, data_dim, latent_dim, architecture, bounded=likelihood != "gaussian")
    args = (encoder, decoder, lik, prior, float(hparams[WEIGHT_NAME[model]]))
    if model == "IWAE":
        return IWAE(*args, n_importance=int(hparams["n_iw"]))
    return MODELS[model](*args)


def build_prior(
    model: str, hparams: dict, encoder: nn.Module, data_dim: int, latent_dim: int, architecture: str, bounded: bool
) -> Prior:
    """The model's p(z): N(0, I), the VampPrior through ``encoder``, a learned MoG (Table VI for
    ``architecture``) or the fixed corners (eq. 31)."""
    prior_kind = {"VampPriorVAE": "vamp", "MixtureCSRAE": hparams.get("prior")}.get(model, "standard")
    if prior_kind == "vamp":
        return VampPrior(encoder, data_dim, int(hparams["K"]), bounded=bounded)
    if prior_kind == "corners":
        return CornerPrior(latent_dim, int(hparams["K"]))
    if prior_kind in ("mog", "mog-direct"):
        parametrisation = "network" if prior_kind == "mog" else "direct"
        return MixturePrior(latent_dim, int(hparams["K"]), parametrisation, architecture)
    if prior_kind == "standard":
        return StandardNormal(latent_dim)
    raise ValueError(f"MixtureCSRAE prior must be one of {MIXTURE_PRIORS}, got {prior_kind!r}")
