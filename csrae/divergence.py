"""Cauchy-Schwarz and Kullback-Leibler divergences in closed form.

The Cauchy-Schwarz divergence (paper eq. 2-3)

    D_CS(q‖p) = −log ∫qp + ½ log ∫q² + ½ log ∫p²

is available in closed form for mixtures of Gaussians because
∫ N(x; a, A) N(x; b, B) dx = N(a; b, A + B) (eqs. 4-7).  The paper's
eqs. (6)-(7), (21) and (56)-(59) drop the ½ on the two self terms and write the
variance of a self pair as 2σ²_{k'} instead of σ²_k + σ²_{k'}; this module
implements the divergence itself, which is non-negative and zero iff q = p.
"""

import torch
from torch import Tensor

from csrae.gaussian import log_normal


def log_inner_product(
    a_loc: Tensor, a_logvar: Tensor, a_logits: Tensor, b_loc: Tensor, b_logvar: Tensor, b_logits: Tensor
) -> Tensor:
    """log ∫ a(x) b(x) dx for two mixtures of diagonal Gaussians (eq. 4-7).

    ``a`` has components ``[..., N, D]`` and log-weights ``[..., N]``, ``b``
    has ``[..., M, D]`` and ``[..., M]``; leading dimensions broadcast.
    """
    # eq. (5): log N(a_n; b_m, A_n + B_m), for every pair (n, m)
    pair_logvar = torch.logaddexp(a_logvar.unsqueeze(-2), b_logvar.unsqueeze(-3))
    log_overlap = log_normal(a_loc.unsqueeze(-2), b_loc.unsqueeze(-3), pair_logvar)
    log_weights = torch.log_softmax(a_logits, -1).unsqueeze(-1) + torch.log_softmax(b_logits, -1).unsqueeze(-2)
    return torch.logsumexp((log_weights + log_overlap).flatten(-2), dim=-1)


def cauchy_schwarz(
    q_loc: Tensor, q_logvar: Tensor, q_logits: Tensor, p_loc: Tensor, p_logvar: Tensor, p_logits: Tensor
) -> Tensor:
    """D_CS(q‖p) between two mixtures of diagonal Gaussians (eqs. 3-4).

    Args:
        q_loc, q_logvar: ``[..., N, D]`` locations and log-variances of q
            (N = 1 for a single Gaussian).
        q_logits: ``[..., N]`` unnormalised log-weights of q.
        p_loc, p_logvar: ``[..., M, D]`` locations and log-variances of p.
        p_logits: ``[..., M]`` unnormalised log-weights of p.

    Returns:
        ``[...]``, the broadcast leading shape.  A p without leading
        dimensions (a prior) has its self term ∫p² computed once.
    """
    cross = log_inner_product(q_loc, q_logvar, q_logits, p_loc, p_logvar, p_logits)
    q_self = log_inner_product(q_loc, q_logvar, q_logits, q_loc, q_logvar, q_logits)
    p_self = log_inner_product(p_loc, p_logvar, p_logits, p_loc, p_logvar, p_logits)
    return -cross + 0.5 * q_self + 0.5 * p_self  # eq. (3)


def kl_normal(q_loc: Tensor, q_logvar: Tensor, p_loc: Tensor, p_logvar: Tensor) -> Tensor:
    """KL(q‖p) between diagonal Gaussians, summed over the last dimension."""
    var_ratio = torch.exp(q_logvar - p_logvar)
    mahalanobis = (q_loc - p_loc).pow(2) * torch.exp(-p_logvar)
    return 0.5 * (var_ratio + mahalanobis - 1.0 - (q_logvar - p_logvar)).sum(-1)


def kl_standard_normal(q_loc: Tensor, q_logvar: Tensor) -> Tensor:
    """KL(q‖N(0, I)), the VAE's regulariser in closed form (Kingma & Welling 2014)."""
    return kl_normal(q_loc, q_logvar, torch.zeros_like(q_loc), torch.zeros_like(q_logvar))
