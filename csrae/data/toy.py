"""The paper's toy data (Sec. 4.1): a 1-D mixture of two Gaussians and pinwheel."""

import numpy as np

from csrae.data.dataset import split_indices
from csrae.data.registry import Splits

GMM1D_MEANS = (-3.0, 3.0)  # eq. (30): ½ N(−3, 1) + ½ N(3, 1)


def gmm1d_samples(n: int = 2000, seed: int = 0) -> np.ndarray:
    """``n`` i.i.d. draws of ½ N(−3, 1) + ½ N(3, 1), shape ``[n, 1]``."""
    rng = np.random.default_rng(seed)
    means = np.asarray(GMM1D_MEANS)[rng.integers(0, 2, size=n)]
    return (means + rng.standard_normal(n))[:, None].astype(np.float32)


def pinwheel_samples(
    n: int = 4000,
    n_spirals: int = 4,
    radial_std: float = 0.05,
    tangential_std: float = 0.25,
    rate: float = 0.25,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Pinwheel data of Johnson et al. (2016), ``n`` points in ``n_spirals`` arms.

    Each point starts at radius 1 with radial/tangential Gaussian noise and is
    rotated clockwise by its arm's angle plus ``rate · exp(radius)``.  Unlike the
    original code the points are not scaled by 10, and labels are kept.
    """
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(n_spirals), n // n_spirals)
    features = rng.standard_normal((len(labels), 2)) * np.array([radial_std, tangential_std])
    features[:, 0] += 1.0
    angles = 2 * np.pi * labels / n_spirals + rate * np.exp(features[:, 0])
    cos, sin = np.cos(angles), np.sin(angles)
    rotations = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)  # [n, 2, 2]
    points = np.einsum("ti,tij->tj", features, rotations)
    order = rng.permutation(len(labels))
    return points[order].astype(np.float32), labels[order]


def pinwheel(seed: int = 0) -> Splits:
    """Pinwheel with N = 4000 split 3000/500/500, stratified by arm."""
    points, labels = pinwheel_samples(seed=seed)
    idx = split_indices(labels, (0.75, 0.125, 0.125), seed)
    return Splits(
        {s: points[i] for s, i in idx.items()},
        {s: labels[i] for s, i in idx.items()},
        {"source": "generated", "generator": "Johnson et al. (2016) pinwheel", "seed": seed},
    )
