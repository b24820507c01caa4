"""Observation models p(x|z): the decoder's output parametrises one of these."""

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from csrae.gaussian import log_normal


class Likelihood:
    """Turns decoder outputs into log-densities, means and draws."""

    name: str
    params_per_dim: int

    def log_prob(self, x: Tensor, params: Tensor) -> Tensor:
        """log p(x|z), summed over data dimensions; broadcasts leading dims."""
        raise NotImplementedError

    def mean(self, params: Tensor) -> Tensor:
        raise NotImplementedError


class Bernoulli(Likelihood):
    """Bernoulli pixels with the decoder's logits (paper eq. 19)."""

    name = "bernoulli"
    params_per_dim = 1

    def log_prob(self, x: Tensor, params: Tensor) -> Tensor:
        x = x.expand_as(params)
        return -F.binary_cross_entropy_with_logits(params, x, reduction="none").sum(-1)

    def mean(self, params: Tensor) -> Tensor:
        return torch.sigmoid(params)


class Gaussian(Likelihood):
    """Gaussian with a learned mean per dimension and one learned variance per data point.

    The decoder emits two numbers per dimension (Table VI's "FC 2 × 2" for
    pinwheel): the means, and log-variance outputs whose mean is the point's
    log-variance, shared by its dimensions.  A variance per dimension lets
    one coordinate absorb the likelihood: reconstructed to the variance
    floor it earns more than the other, left at its marginal variance, costs,
    and training settles on a 1-D latent code of that coordinate alone.
    The variance is floored softly at ``min_var`` (log-variance
    ``logaddexp(raw, log min_var)``) so that the density stays bounded.
    """

    name = "gaussian"
    params_per_dim = 2

    def __init__(self, min_var: float = 1e-4):
        self.log_min_var = math.log(min_var)

    def split(self, params: Tensor) -> tuple[Tensor, Tensor]:
        loc, raw = params.chunk(2, dim=-1)
        raw = raw.mean(-1, keepdim=True).expand_as(loc)
        return loc, torch.logaddexp(raw, torch.full_like(raw, self.log_min_var))

    def log_prob(self, x: Tensor, params: Tensor) -> Tensor:
        return log_normal(x, *self.split(params))

    def mean(self, params: Tensor) -> Tensor:
        return self.split(params)[0]


class DiscretizedLogistic(Likelihood):
    """Discretised logistic over 256 levels (Kingma et al. 2016; Salimans et al. 2017).

    Data lie in [0, 1] on the grid k/255 and are modelled on [−0.5, 0.5]
    (paper Table V): each level gets the logistic mass of its bin of width
    1/255, the two end levels the mass of the tails, so the 256 masses sum
    to one.  The decoder gives a location and a log-scale per dimension.
    """

    name = "logistic"
    params_per_dim = 2
    half_bin = 0.5 / 255.0
    offset = 0.5  # data x in [0, 1] are modelled as x − offset

    def split(self, params: Tensor) -> tuple[Tensor, Tensor]:
        loc, log_scale = params.chunk(2, dim=-1)
        return loc, log_scale.clamp(min=-7.0)

    def log_prob(self, x: Tensor, params: Tensor) -> Tensor:
        loc, log_scale = self.split(params)
        centred = (x - self.offset) - loc
        inv_scale = torch.exp(-log_scale)
        upper = inv_scale * (centred + self.half_bin)
        lower = inv_scale * (centred - self.half_bin)
        log_cdf_upper = F.logsigmoid(upper)  # log σ(upper): the lowest level's mass
        log_survival_lower = -F.softplus(lower)  # log(1 − σ(lower)): the highest level's mass
        # log(σ(upper) − σ(lower)) = log σ(upper) + log(1 − exp(log σ(lower) − log σ(upper)))
        log_bin = log_cdf_upper + torch.log(-torch.expm1(F.logsigmoid(lower) - log_cdf_upper).clamp(max=-1e-12))
        log_mass = torch.where(
            x < self.half_bin, log_cdf_upper, torch.where(x > 1 - self.half_bin, log_survival_lower, log_bin)
        )
        return log_mass.sum(-1)

    def mean(self, params: Tensor) -> Tensor:
        return (self.split(params)[0] + self.offset).clamp(0.0, 1.0)


LIKELIHOODS = {"bernoulli": Bernoulli, "gaussian": Gaussian, "logistic": DiscretizedLogistic}


def make_likelihood(name: str) -> Likelihood:
    if name not in LIKELIHOODS:
        raise ValueError(f"unknown likelihood {name!r}; choose one of {sorted(LIKELIHOODS)}")
    return LIKELIHOODS[name]()
