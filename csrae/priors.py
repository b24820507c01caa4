"""Priors p(z) over the latent space, each a mixture of diagonal Gaussians.

Every prior exposes its mixture through ``components()`` so that the
Cauchy-Schwarz divergence, densities and sampling share one code path.
"""

import torch
from torch import Tensor, nn

from csrae.gaussian import log_mixture, sample_mixture


class Prior(nn.Module):
    """A mixture of diagonal Gaussians with ``[K, D]`` parameters."""

    def components(self) -> tuple[Tensor, Tensor, Tensor]:
        """Locations ``[K, D]``, log-variances ``[K, D]``, log-weights ``[K]``."""
        raise NotImplementedError

    def log_prob(self, z: Tensor) -> Tensor:
        return log_mixture(z, *self.components())

    def sample(self, n: int) -> Tensor:
        return sample_mixture(*self.components(), n)


class StandardNormal(Prior):
    """p(z) = N(0, I), a one-component mixture."""

    def __init__(self, latent_dim: int):
        super().__init__()
        self.register_buffer("zeros", torch.zeros(1, latent_dim))

    def components(self) -> tuple[Tensor, Tensor, Tensor]:
        return self.zeros, self.zeros, self.zeros[:, 0]


class MixturePrior(Prior):
    """Learned mixture of Gaussians, p(z) = 1/K Σ_k N(z; μ_k, diag σ²_k) (eq. 18, 22).

    As in the paper's Table VI ("p(z)"), the K means and log-variances are
    produced by a network from the K one-hot codes:
    FC 784, ReLU, FC 256, ReLU, FC 2 × latent dim.  The weights stay uniform.
    """

    def __init__(self, latent_dim: int, n_components: int, hidden: tuple[int, ...] = (784, 256)):
        super().__init__()
        if n_components < 1:
            raise ValueError(f"MixturePrior needs K >= 1 components, got K={n_components}")
        sizes = (n_components, *hidden)
        layers: list[nn.Module] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        self.network = nn.Sequential(*layers, nn.Linear(sizes[-1], 2 * latent_dim))
        self.register_buffer("codes", torch.eye(n_components))

    def components(self) -> tuple[Tensor, Tensor, Tensor]:
        loc, logvar = self.network(self.codes).chunk(2, dim=-1)
        return loc, logvar, torch.zeros_like(loc[:, 0])
