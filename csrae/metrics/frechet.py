"""Fréchet distance between Gaussians fitted to two feature sets (paper eq. 29).

d² = ‖m − m_w‖² + Tr(C + C_w − 2 (C C_w)^{1/2}).  The trace of the matrix
square root is Σ_i √λ_i with λ_i the eigenvalues of C^{1/2} C_w C^{1/2}
(symmetric, similar to C C_w), which two symmetric eigendecompositions give
without the iterative ``sqrtm`` of pytorch-fid.
"""

import numpy as np


def gaussian_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (rows are samples) in float64."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f"need at least two feature rows [n, d], got shape {features.shape}")
    return features.mean(0), np.cov(features, rowvar=False)


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """d²((m, C), (m_w, C_w)) of eq. (29)."""
    evals, evecs = np.linalg.eigh(cov1)
    sqrt_cov1 = (evecs * np.sqrt(np.clip(evals, 0, None))) @ evecs.T
    middle = np.linalg.eigvalsh(sqrt_cov1 @ cov2 @ sqrt_cov1)
    trace_sqrt = np.sqrt(np.clip(middle, 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2.0 * trace_sqrt)


def fid_from_features(features_a: np.ndarray, features_b: np.ndarray) -> float:
    return frechet_distance(*gaussian_statistics(features_a), *gaussian_statistics(features_b))
