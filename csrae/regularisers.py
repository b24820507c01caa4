"""The divergences R(q(z|x), p(z)) a model regularises with, by the names :mod:`csrae.registry` uses.

A divergence takes the prior, the posterior's locations and log-variances
``[..., B, D]`` and the step's standard-normal draws ``[draws, ..., B, D]``:
the first draws the codes z = μ + σ·ε that the decoder sees, the next
``extra_draws(prior)`` are the divergence's own.  It returns R per data point
``[..., B]`` or, for a divergence of the batch (MMD), one number per batch.
A researcher's own divergence is one :func:`register_divergence` call
(docs/library.md, "Your own model").
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from csrae.divergence import cauchy_schwarz, kl_standard_normal
from csrae.gaussian import log_normal, sample_normal
from csrae.priors import Prior, StandardNormal


@dataclass(frozen=True)
class Divergence:
    """R(q ‖ p) and how many standard-normal draws of the codes' shape it needs beyond the codes' own."""

    name: str
    function: Callable[[Prior, Tensor, Tensor, Tensor], Tensor]
    extra_draws: Callable[[Prior], int]


DIVERGENCES: dict[str, Divergence] = {}


def register_divergence(name: str, extra_draws: Callable[[Prior], int] = lambda prior: 0):
    """Decorator: register ``function(prior, loc, logvar, noise) -> R`` under ``name``."""

    def register(function):
        DIVERGENCES[name] = Divergence(name, function, extra_draws)
        return function

    return register


def divergence(name: str) -> Divergence:
    if name not in DIVERGENCES:
        raise ValueError(f"unknown divergence {name!r}; choose one of {list(DIVERGENCES)} or register your own")
    return DIVERGENCES[name]


def codes(loc: Tensor, logvar: Tensor, noise: Tensor) -> Tensor:
    """The codes z = μ + σ·ε the decoder sees (``noise[0]``)."""
    return sample_normal(loc, logvar, noise=noise[0])


def is_standard(prior: Prior) -> bool:
    return isinstance(prior, StandardNormal)


def sampled_kl(prior: Prior, loc: Tensor, logvar: Tensor, noise: Tensor) -> Tensor:
    """KL(q(z|x) ‖ p(z)) ≈ log q(z|x) − log p(z) at one draw z (``noise[1]``); for priors without a closed form."""
    z = sample_normal(loc, logvar, noise=noise[1])
    return log_normal(z, loc, logvar) - prior.log_prob(z)


@register_divergence("KL", extra_draws=lambda prior: 0 if is_standard(prior) else 1)
def kullback_leibler(prior: Prior, loc: Tensor, logvar: Tensor, noise: Tensor) -> Tensor:
    """KL(q(z|x) ‖ p(z)): in closed form to N(0, I) (eq. 15), by one sample to a mixture (the VampPrior's
    and a learned MoG's estimator)."""
    return kl_standard_normal(loc, logvar) if is_standard(prior) else sampled_kl(prior, loc, logvar, noise)


def cauchy_schwarz_to_mixture(loc: Tensor, logvar: Tensor, p_loc: Tensor, p_logvar: Tensor, p_logits: Tensor) -> Tensor:
    """D_CS(q ‖ p) in closed form for a single Gaussian q per point and a mixture p (eqs. 13, 21)."""
    q_logits = loc.new_zeros(*loc.shape[:-1], 1)
    return cauchy_schwarz(loc.unsqueeze(-2), logvar.unsqueeze(-2), q_logits, p_loc, p_logvar, p_logits)


@register_divergence("CS")
def cauchy_schwarz_to_prior(prior: Prior, loc: Tensor, logvar: Tensor, noise: Tensor | None = None) -> Tensor:
    """D_CS(q(z|x) ‖ p(z)), q a single Gaussian per point (eqs. 13, 21)."""
    return cauchy_schwarz_to_mixture(loc, logvar, *prior.components())


MMD_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def prior_samples(prior: Prior, noise: Tensor) -> Tensor:
    """As many draws from p(z) as there are codes, from the run's own noise: the component by inverse CDF
    of Φ(``noise[2]``'s first column) (a mixture only), the point by ``noise[1]``."""
    loc, logvar, logits = prior.components()
    if len(loc) == 1:
        return sample_normal(loc[0], logvar[0], noise=noise[1])
    uniform = torch.special.ndtr(noise[2][..., 0]).contiguous()
    cumulative = torch.cumsum(torch.softmax(logits, -1), -1)
    k = torch.searchsorted(cumulative, uniform).clamp(max=len(loc) - 1)
    return sample_normal(loc[k], logvar[k], noise=noise[1])


def mmd_imq(x: Tensor, y: Tensor, variance: float = 1.0) -> Tensor:
    """Unbiased MMD² of two equal-sized samples ``[..., n, D]`` under the inverse multiquadratic kernel
    k(a, b) = C / (C + ‖a − b‖²), summed over C = 2·D·σ² × :data:`MMD_SCALES` (Tolstikhin et al. 2018)."""
    n, dim = x.shape[-2:]
    if n < 2:
        raise ValueError("the MMD needs at least two codes per batch")

    def squared_distances(a, b):
        return (a.pow(2).sum(-1, keepdim=True) + b.pow(2).sum(-1).unsqueeze(-2) - 2 * a @ b.transpose(-1, -2)).clamp(
            min=0
        )

    xx, yy, xy = squared_distances(x, x), squared_distances(y, y), squared_distances(x, y)
    off_diagonal = 1.0 - torch.eye(n, dtype=x.dtype, device=x.device)
    total = x.new_zeros(x.shape[:-2])
    for scale in MMD_SCALES:
        c = 2.0 * dim * variance * scale
        within = ((c / (c + xx) + c / (c + yy)) * off_diagonal).sum((-1, -2)) / (n * (n - 1))
        total = total + within - 2.0 * (c / (c + xy)).sum((-1, -2)) / n**2
    return total


@register_divergence("MMD", extra_draws=lambda prior: 1 if len(prior.components()[0]) == 1 else 2)
def maximum_mean_discrepancy(prior: Prior, loc: Tensor, logvar: Tensor, noise: Tensor) -> Tensor:
    """WAE-MMD's regulariser: MMD² between the batch's codes and as many draws from p(z), per batch."""
    return mmd_imq(codes(loc, logvar, noise), prior_samples(prior, noise))


def cauchy_schwarz_to_class_prior(prior, loc: Tensor, logvar: Tensor, y: Tensor) -> Tensor:
    """D_CS(q(z|x, y) ‖ p(z|y)) with p(z|y) the prior's components k ≡ y (mod classes), reweighted:
    one component per class for K = classes, K / classes each for more.  ``y``: one-hot ``[..., C]``."""
    p_loc, p_logvar, p_logits = prior.components()
    owner = torch.arange(len(p_loc), device=loc.device) % y.shape[-1]  # the class of each component
    in_class = F.one_hot(owner, y.shape[-1]).to(y.dtype) @ y.unsqueeze(-1)  # [..., K, 1]: 1 where k ≡ y
    return cauchy_schwarz_to_mixture(
        loc, logvar, p_loc, p_logvar, p_logits.masked_fill(in_class[..., 0] == 0, -torch.inf)
    )
