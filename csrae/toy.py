"""Figure 1: fitting ½N(−3,1) + ½N(3,1) by KL with one Gaussian and by CS with a mixture.

Both fits minimise a divergence to the known target by plain gradient
descent (paper Sec. 4.2, learning rate 0.001).  D_CS is in closed form; the
reverse KL(q‖p) of a Gaussian to a mixture has none, so it is computed by
Gauss-Hermite quadrature, exact to machine precision for these smooth 1-D
integrands.
"""

import numpy as np
import torch

from csrae.data.toy import GMM1D_MEANS
from csrae.divergence import cauchy_schwarz
from csrae.gaussian import log_mixture, log_normal

_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(80)
HERMITE_NODES = torch.from_numpy(_NODES)
HERMITE_WEIGHTS = torch.from_numpy(_WEIGHTS / np.sqrt(np.pi))


def target_mixture(dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    loc = torch.tensor(GMM1D_MEANS, dtype=dtype)[:, None]
    return loc, torch.zeros_like(loc), torch.zeros(2, dtype=dtype)


def reverse_kl_gaussian_to_mixture(loc: torch.Tensor, logvar: torch.Tensor, target) -> torch.Tensor:
    """KL(N(loc, e^logvar) ‖ target) in 1-D by Gauss-Hermite quadrature."""
    z = (loc + torch.exp(0.5 * logvar) * np.sqrt(2.0) * HERMITE_NODES)[:, None]  # [n, 1]
    integrand = log_normal(z, loc, logvar) - log_mixture(z, *target)
    return (HERMITE_WEIGHTS * integrand).sum()


def fit_figure1(samples: np.ndarray, steps: int = 20000, lr: float = 1e-3, seed: int = 0) -> dict:
    """Fit both approximations and return their parameters and divergence traces.

    The Gaussian starts at a data point drawn with ``seed`` (its mean, 0, is
    a saddle point of the reverse KL); the mixture's components start at the
    data's lower and upper quartiles; all variances start at 1.
    """
    rng = np.random.default_rng(seed)
    kl_loc = torch.tensor(rng.choice(samples[:, 0], size=1), dtype=torch.float64, requires_grad=True)
    kl_logvar = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    quartiles = np.quantile(samples[:, 0], [0.25, 0.75])[:, None]
    cs_loc = torch.tensor(quartiles, dtype=torch.float64, requires_grad=True)
    cs_logvar = torch.zeros(2, 1, dtype=torch.float64, requires_grad=True)
    cs_logits = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    target = target_mixture()
    kl_opt = torch.optim.SGD([kl_loc, kl_logvar], lr=lr)
    cs_opt = torch.optim.SGD([cs_loc, cs_logvar, cs_logits], lr=lr)
    trace = {"kl": [], "cs": []}
    for _ in range(steps):
        kl = reverse_kl_gaussian_to_mixture(kl_loc, kl_logvar, target)
        cs = cauchy_schwarz(cs_loc, cs_logvar, cs_logits, *target)
        for opt, value, name in ((kl_opt, kl, "kl"), (cs_opt, cs, "cs")):
            opt.zero_grad()
            value.backward()
            opt.step()
            trace[name].append(value.item())
    return {
        "kl": {"loc": kl_loc.detach().numpy(), "logvar": kl_logvar.detach().numpy()},
        "cs": {
            "loc": cs_loc.detach().numpy()[:, 0],
            "logvar": cs_logvar.detach().numpy()[:, 0],
            "weights": torch.softmax(cs_logits, 0).detach().numpy(),
        },
        "trace": {k: np.asarray(v) for k, v in trace.items()},
    }
