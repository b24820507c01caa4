"""Diagonal Gaussians and mixtures of them, in log space.

A mixture is described by three tensors: locations ``[..., K, D]``,
log-variances ``[..., K, D]`` and unnormalised log-weights ``[..., K]``.
"""

import math

import torch
from torch import Tensor

LOG_2PI = math.log(2.0 * math.pi)


def log_normal(x: Tensor, loc: Tensor, logvar: Tensor) -> Tensor:
    """log N(x; loc, diag exp(logvar)), summed over the last dimension."""
    return -0.5 * (LOG_2PI + logvar + (x - loc).pow(2) * torch.exp(-logvar)).sum(-1)


def log_mixture(x: Tensor, loc: Tensor, logvar: Tensor, logits: Tensor) -> Tensor:
    """log Σ_k π_k N(x; m_k, v_k) for points ``x`` of shape ``[..., D]``.

    ``loc``/``logvar`` are ``[K, D]`` (or broadcastable ``[..., K, D]``),
    ``logits`` are the unnormalised log-weights ``[..., K]``.
    """
    log_pi = torch.log_softmax(logits, dim=-1)
    return torch.logsumexp(log_pi + log_normal(x.unsqueeze(-2), loc, logvar), dim=-1)


def sample_normal(loc: Tensor, logvar: Tensor, n: int | None = None, noise: Tensor | None = None) -> Tensor:
    """Reparameterised draws loc + σ·ε; with ``n``, a leading sample dimension.

    ``noise`` supplies ε (of the draws' shape) instead of the global generator.
    """
    shape = loc.shape if n is None else (n, *loc.shape)
    eps = torch.randn(shape, dtype=loc.dtype, device=loc.device) if noise is None else noise
    return loc + torch.exp(0.5 * logvar) * eps


def sample_mixture(loc: Tensor, logvar: Tensor, logits: Tensor, n: int) -> Tensor:
    """``n`` draws from a mixture with parameters ``[K, D]``, ``[K, D]``, ``[K]``."""
    k = torch.multinomial(torch.softmax(logits, -1), n, replacement=True)
    return sample_normal(loc[k], logvar[k])


class Noise:
    """Standard-normal and uniform draws from one generator (a run's noise generator), drawn on the
    generator's device (the CPU's global generator without one) and moved to ``device``.

    Every model's loss takes its random draws from a ``Noise``, prior samples included, in an order
    of its own that does not depend on the values drawn; :class:`Drawn` hands out draws made beforehand."""

    def __init__(self, generator: torch.Generator | None, device: torch.device):
        self.generator, self.device = generator, device
        self.source = generator.device if generator is not None else torch.device("cpu")

    def normal(self, *shape: int) -> Tensor:
        draws = torch.randn(shape, generator=self.generator, device=self.source)
        return draws.to(self.device, non_blocking=True)

    def uniform(self, *shape: int) -> Tensor:
        return torch.rand(shape, generator=self.generator, device=self.source).to(self.device, non_blocking=True)


class Drawn(Noise):
    """Draws made beforehand, handed out in order (a packed step's, made outside ``torch.func.vmap``)."""

    def __init__(self, *draws: Tensor):
        self.draws = list(draws)

    def normal(self, *shape: int) -> Tensor:
        draw = self.draws.pop(0)
        if tuple(draw.shape) != shape:
            raise ValueError(f"the draws made beforehand have shape {tuple(draw.shape)}, the model asks for {shape}")
        return draw

    def uniform(self, *shape: int) -> Tensor:
        raise NotImplementedError("draws made beforehand are standard normal")
