"""Priors p(z) over the latent space, each a mixture of diagonal Gaussians.

Every prior exposes its mixture through ``components()`` so that the
Cauchy-Schwarz divergence, densities and sampling share one code path.
"""

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from csrae.gaussian import log_mixture, sample_mixture
from csrae.networks import prior_network


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


def check_components(n_components: int) -> None:
    if n_components < 1:
        raise ValueError(f"a mixture prior needs K >= 1 components, got K={n_components}")


class MixturePrior(Prior):
    """Learned mixture of Gaussians, p(z) = 1/K Σ_k N(z; μ_k, diag σ²_k) (eqs. 18, 22).

    With ``parametrisation="network"`` (the paper's Table VI, "p(z)") the K
    means and log-variances are produced from the K one-hot codes by the
    network of :func:`csrae.networks.prior_network` for ``architecture``;
    with ``"direct"`` they are parameters themselves (means drawn from
    N(0, I), unit variances).  The weights stay uniform.

    The log-variances pass through a hard tanh onto [−6, 2], the bound of
    Tomczak & Welling's reference code for learned log-variances.  Unbounded,
    the regulariser drives a little-used component ever broader (its share
    of ½ log ∫p² shrinks as it widens, while the codes it would explain are
    explained by others); once spread out it is invisible to D_CS, since
    mass spread thin adds nothing to ∫q p or ∫p², yet sampling still draws
    from it and decodes images unlike the data (docs/fidelity.md).
    """

    LOGVAR_RANGE = (-6.0, 2.0)

    def __init__(
        self, latent_dim: int, n_components: int, parametrisation: str = "network", architecture: str = "mlp300"
    ):
        super().__init__()
        check_components(n_components)
        if parametrisation == "network":
            self.network = prior_network(architecture, n_components, latent_dim)
            self.register_buffer("codes", torch.eye(n_components))
        elif parametrisation == "direct":
            self.loc = nn.Parameter(torch.randn(n_components, latent_dim))
            self.logvar = nn.Parameter(torch.zeros(n_components, latent_dim))
        else:
            raise ValueError(f"MixturePrior parametrisation must be 'network' or 'direct', got {parametrisation!r}")
        self.parametrisation = parametrisation

    def components(self) -> tuple[Tensor, Tensor, Tensor]:
        if self.parametrisation == "network":
            loc, logvar = self.network(self.codes).chunk(2, dim=-1)
        else:
            loc, logvar = self.loc, self.logvar
        return loc, F.hardtanh(logvar, *self.LOGVAR_RANGE), torch.zeros_like(loc[:, 0])


class CornerPrior(Prior):
    """The fixed prior of Figure 2 (eqs. 31-32): p(z) = 1/K Σ_k N(z; μ_k, 0.05 I), μ_k ∈ {0, 1}^D.

    One component per corner of the unit hypercube, K = 2^D (the paper's
    D = 2, K = 4).  Eq. (31) writes the component N(z; μ_k, σ_k) with
    σ_k = 0.05 I_D, a matrix in the covariance's place, so 0.05 is read as
    the variance (standard deviation 0.22): the corners, one apart, lie
    4.5 standard deviations from each other.  Nothing is learned.
    """

    VARIANCE = 0.05

    def __init__(self, latent_dim: int, n_components: int):
        super().__init__()
        if n_components != 2**latent_dim:
            raise ValueError(
                f"the corner prior has one component per corner of {{0, 1}}^D: with latent dimension "
                f"{latent_dim} set K to {2**latent_dim}, got K={n_components}"
            )
        corners = torch.cartesian_prod(*[torch.tensor([0.0, 1.0])] * latent_dim).reshape(n_components, latent_dim)
        self.register_buffer("loc", corners)
        self.register_buffer("logvar", torch.full_like(corners, math.log(self.VARIANCE)))

    def components(self) -> tuple[Tensor, Tensor, Tensor]:
        return self.loc, self.logvar, torch.zeros_like(self.loc[:, 0])


class VampPrior(Prior):
    """p(z) = 1/K Σ_k q(z | u_k), K learned pseudo-inputs through the encoder (eq. 23).

    Tomczak & Welling (2018): the pseudo-inputs are the columns of a linear
    map of the K one-hot codes, clipped to [0, 1] by a hard tanh for image
    data, initialised around 0.05 with standard deviation 0.01.
    """

    def __init__(self, encoder: nn.Module, data_dim: int, n_components: int, bounded: bool = True):
        super().__init__()
        check_components(n_components)
        self.pseudo_inputs = nn.Parameter(0.05 + 0.01 * torch.randn(n_components, data_dim))
        self.bounded = bounded
        # The encoder belongs to the model; a tuple keeps it from being registered twice.
        self._encoder = (encoder,)

    def inputs(self) -> Tensor:
        return F.hardtanh(self.pseudo_inputs, 0.0, 1.0) if self.bounded else self.pseudo_inputs

    def components(self) -> tuple[Tensor, Tensor, Tensor]:
        loc, logvar = self._encoder[0](self.inputs()).chunk(2, dim=-1)
        return loc, logvar, torch.zeros_like(loc[:, 0])
