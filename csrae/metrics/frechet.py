"""Fréchet distance between Gaussians fitted to two feature sets (paper eq. 29).

d² = ‖m − m_w‖² + Tr(C + C_w − 2 (C C_w)^{1/2}).  The trace of the matrix
square root is Σ_i √λ_i with λ_i the eigenvalues of C^{1/2} C_w C^{1/2}
(symmetric, similar to C C_w), which two symmetric eigendecompositions give
without the iterative ``sqrtm`` of pytorch-fid.
"""

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from csrae.io import atomic_write


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


class ReferenceStatistics:
    """Mean and covariance of the reference (test-set) features, computed once per extractor and cached.

    Files ``directory/<key>.npz`` are written atomically; the key names the
    extractor by a digest of its weights, so a retrained extractor never
    meets stale statistics.
    """

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory else None
        self.memory: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def get(self, key: str, features: Callable[[], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        if key in self.memory:
            return self.memory[key]
        path = self.directory / f"{key}.npz" if self.directory else None
        if path is not None and path.is_file():
            with np.load(path, allow_pickle=False) as saved:
                stats = saved["mu"], saved["cov"]
        else:
            stats = gaussian_statistics(features())
            if path is not None:
                atomic_write(path, lambda f: np.savez(f, mu=stats[0], cov=stats[1]))
        self.memory[key] = stats
        return stats


def extractor_key(module, n_samples: int) -> str:
    """A digest of a feature extractor's weights and the reference sample count."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().numpy().tobytes())
    return f"{digest.hexdigest()[:16]}_n{n_samples}"
