"""Evaluation timings against the naive versions: log-likelihood, Fréchet distance, kNN error.

    python benchmarks/evaluation.py [--device cuda]

- Importance-sampled log-likelihood (eq. 28, S samples) of 500 mnist5k test
  digits: batched over points and samples vs a Python loop over points.
- Fréchet distance at d = 2048 from precomputed statistics: the eigenvalue
  form vs pytorch-fid's ``calculate_frechet_distance`` (scipy ``sqrtm``).
- kNN error for k = 3, 5, 10 on 4,000 × 40 latents: one neighbour search vs
  one scikit-learn classifier per k.
"""

import argparse

import numpy as np
import torch
from pytorch_fid.fid_score import calculate_frechet_distance
from sklearn.neighbors import KNeighborsClassifier
from timing import best_time, print_table

from csrae.data import prepare_dataset
from csrae.gaussian import log_normal, sample_normal
from csrae.metrics.frechet import frechet_distance
from csrae.metrics.knn import knn_errors
from csrae.models import build_model
from csrae.registry import applying


@torch.no_grad()
def log_likelihood_per_point(model, x, n_samples):
    """The naive estimator: one data point at a time."""
    values = []
    for point in x:
        loc, logvar = model.encode(point[None])
        z = sample_normal(loc, logvar, n_samples)
        log_w = model.likelihood.log_prob(point[None], model.decode(z)) + model.prior.log_prob(z)
        values.append(torch.logsumexp(log_w - log_normal(z, loc, logvar), dim=0) - np.log(n_samples))
    return torch.cat(values)


def knn_per_k(z_train, y_train, z_test, y_test, ks):
    return {k: np.mean(KNeighborsClassifier(k).fit(z_train, y_train).predict(z_test) != y_test) for k in ks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--ll-samples", type=int, default=1000)
    args = parser.parse_args()
    device = torch.device(args.device)
    rows = []

    data = prepare_dataset("mnist5k")
    torch.manual_seed(0)
    mixture_cs = applying("CS", None).name
    model = build_model(mixture_cs, {"lambda": 1.0, "K": 10, "prior": "mog"}, 784, 40, "mlp300", "bernoulli")
    model = model.to(device).eval()
    x = data.inputs("test").to(device)
    batched = best_time(lambda: model.log_likelihood(x, args.ll_samples), device=device)
    naive = best_time(lambda: log_likelihood_per_point(model, x, args.ll_samples), repeats=1, device=device)
    rows.append([f"log-likelihood, {len(x)} points × S = {args.ll_samples} ({device.type})", naive, batched])

    rng = np.random.default_rng(0)
    features = [rng.standard_normal((4000, 2048)) @ rng.standard_normal((2048, 2048)) / 45 for _ in range(2)]
    stats = [(f.mean(0), np.cov(f, rowvar=False)) for f in features]
    eigen = best_time(lambda: frechet_distance(*stats[0], *stats[1]))
    scipy = best_time(lambda: calculate_frechet_distance(*stats[0], *stats[1]), repeats=1)
    rows.append(["Fréchet distance, d = 2048 (cpu)", scipy, eigen])

    z_train, z_test = rng.standard_normal((4000, 40)), rng.standard_normal((1000, 40))
    y_train, y_test = rng.integers(0, 10, 4000), rng.integers(0, 10, 1000)
    one = best_time(lambda: knn_errors(z_train, y_train, z_test, y_test, (3, 5, 10)))
    per_k = best_time(lambda: knn_per_k(z_train, y_train, z_test, y_test, (3, 5, 10)))
    rows.append(["kNN error, k = 3, 5, 10, 4000 → 1000 points (cpu)", per_k, one])

    print_table(
        "Evaluation vs naive versions",
        ["computation", "naive (s)", "csrae (s)"],
        [[name, a, b] for name, a, b in rows],
    )
    print("speed-ups: " + ", ".join(f"{name.split(',')[0]} {a / b:.1f}×" for name, a, b in rows))


if __name__ == "__main__":
    main()
