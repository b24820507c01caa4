"""Your own model: the sliced-Wasserstein autoencoder (Kolouri et al., 2019) as a csrae plugin.

Name this file in the workflow config (``plugins: [docs/examples/sliced_wasserstein.py]``) and the model
``SWAE`` under ``models``; it then runs through the sweep, selection, tables, figures, the divergence ×
prior ablation and the report like the package's own models.
"""

import torch

from csrae.registry import LAMBDA, STANDARD, ModelType, register
from csrae.regularisers import codes, prior_samples, register_divergence


@register_divergence("SW", extra_draws=lambda prior: 2 if len(prior.components()[0]) == 1 else 3)
def sliced_wasserstein(prior, loc, logvar, noise):
    """Squared sliced 2-Wasserstein distance between the batch's codes and as many prior draws, over as
    many random directions as there are codes (one per batch; the directions are the last draw)."""
    z, p = codes(loc, logvar, noise), prior_samples(prior, noise)
    directions = noise[-1] / noise[-1].norm(dim=-1, keepdim=True)  # [B, D]: uniform on the sphere
    projected_z = torch.sort(z @ directions.transpose(-1, -2), dim=-2).values
    projected_p = torch.sort(p @ directions.transpose(-1, -2), dim=-2).values
    return (projected_z - projected_p).pow(2).mean((-1, -2))


register(ModelType("SWAE", "SW", STANDARD, (LAMBDA,), "sliced-Wasserstein autoencoder (Kolouri et al. 2019)"))
