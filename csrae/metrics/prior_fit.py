"""How a mixture prior sits against the aggregate posterior (eqs. 18-23; Figure 7).

A learned prior can match the codes in the regulariser's terms while some of
its components lie where the encoder puts no code: their samples decode to
images unlike the data.  For a prior p(z) = Σ_k π_k p_k(z) and the posteriors
q(z|x_n) of N data points, with q̄ = 1/N Σ_n q(z|x_n) the aggregate posterior:

- ``usage``: per component, the mean responsibility π_k p_k(μ_n) / p(μ_n) at
  the posterior means μ_n (the share of the codes the component explains);
- ``effective_components``: exp of the usage's entropy (K when all are used alike);
- ``component_cs``: per component, D_CS(p_k ‖ q̄), how far its mass lies from
  every code (0 only if p_k = q̄; large for a component off the codes);
- ``aggregate_cs``: D_CS(q̄ ‖ p), the prior against the aggregate posterior.

The divergences are the closed form of :func:`csrae.divergence.cauchy_schwarz`.
"""

import math

import torch
from torch import Tensor

from csrae.divergence import cauchy_schwarz
from csrae.gaussian import log_normal
from csrae.priors import Prior


@torch.no_grad()
def prior_fit(prior: Prior, loc: Tensor, logvar: Tensor) -> dict:
    """The statistics above for posteriors ``loc``, ``logvar`` (``[N, D]``; the cost grows as N²)."""
    p_loc, p_logvar, p_logits = prior.components()
    log_weights = torch.log_softmax(p_logits, -1)
    responsibilities = torch.softmax(log_weights + log_normal(loc[:, None], p_loc, p_logvar), -1)  # [N, K]
    usage = responsibilities.mean(0)
    entropy = -(usage * torch.log(usage.clamp(min=1e-30))).sum()
    codes = (loc, logvar, loc.new_zeros(len(loc)))
    components = (p_loc[:, None], p_logvar[:, None], p_logits.new_zeros(len(p_loc), 1))
    return {
        "usage": usage.tolist(),
        "effective_components": math.exp(entropy.item()),
        "component_cs": cauchy_schwarz(*components, *codes).tolist(),
        "aggregate_cs": cauchy_schwarz(*codes, p_loc, p_logvar, p_logits).item(),
    }
