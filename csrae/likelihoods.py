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
    """Diagonal Gaussian with a learned mean and log-variance per dimension.

    The variance is floored softly at ``min_var`` (log-variance
    ``logaddexp(raw, log min_var)``) so that the density stays bounded.
    """

    name = "gaussian"
    params_per_dim = 2

    def __init__(self, min_var: float = 1e-4):
        self.log_min_var = math.log(min_var)

    def split(self, params: Tensor) -> tuple[Tensor, Tensor]:
        loc, raw = params.chunk(2, dim=-1)
        return loc, torch.logaddexp(raw, torch.full_like(raw, self.log_min_var))

    def log_prob(self, x: Tensor, params: Tensor) -> Tensor:
        return log_normal(x, *self.split(params))

    def mean(self, params: Tensor) -> Tensor:
        return self.split(params)[0]


LIKELIHOODS = {"bernoulli": Bernoulli, "gaussian": Gaussian}


def make_likelihood(name: str) -> Likelihood:
    if name not in LIKELIHOODS:
        raise ValueError(f"unknown likelihood {name!r}; choose one of {sorted(LIKELIHOODS)}")
    return LIKELIHOODS[name]()
