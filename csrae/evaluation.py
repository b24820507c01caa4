"""Evaluate one trained model: RE and regulariser, log-likelihood, kNN error, FID, and how a mixture
prior sits against the codes (:mod:`csrae.metrics.prior_fit`).

Returns plain numbers (for tables and selection) and small arrays (latents,
samples, reconstructions) for figures.
"""

from dataclasses import dataclass

import numpy as np
import torch

from csrae.data import Dataset
from csrae.gaussian import sample_normal
from csrae.metrics.features import FeatureNet, inception_features
from csrae.metrics.frechet import (
    ReferenceStatistics,
    extractor_key,
    fid_from_features,
    frechet_distance,
    gaussian_statistics,
)
from csrae.metrics.knn import knn_errors
from csrae.metrics.prior_fit import prior_fit
from csrae.metrics.registry import METRICS
from csrae.models import Autoencoder


@dataclass
class EvalConfig:
    ll_samples: int = 5000  # S of eq. (28)
    loss_repeats: int = 10  # z-samples averaged for RE and the regulariser
    fid_samples: int = 10000  # capped at the test-set size
    knn_k: tuple[int, ...] = (3, 5, 10)
    n_images: int = 64  # prior samples kept for figures
    n_points: int = 2000  # test points whose latents and reconstructions are kept for figures
    prior_fit_points: int = 1000  # test points whose posteriors a mixture prior is compared with
    seed: int = 0


def domain_fid_label(trained_on: str | None = None) -> str:
    """How a domain FID names its extractor: the classifier's dataset when it is not the evaluated one."""
    return "domain classifier" + (f" of {trained_on}" if trained_on else "") + " (penultimate layer)"


def loss_terms(model: Autoencoder, x: torch.Tensor, repeats: int) -> dict[str, float]:
    """Mean RE = −E_q[log p(x|z)] and regulariser, with their sum (the selection criterion)."""
    terms = [model.loss(x) for _ in range(repeats)]
    re = float(np.mean([t.reconstruction.item() for t in terms]))
    reg = float(np.mean([t.regulariser.item() for t in terms]))
    return {"re": re, "reg": reg, "criterion": re + reg}


def latent_samples(model: Autoencoder, x: torch.Tensor) -> np.ndarray:
    return sample_normal(*model.encode(x)).cpu().numpy()


@torch.no_grad()
def evaluate(
    model: Autoencoder,
    data: Dataset,
    config: EvalConfig,
    feature_net: FeatureNet | None = None,
    inception: torch.nn.Module | None = None,
    references: ReferenceStatistics | None = None,
    feature_net_label: str | None = None,
) -> tuple[dict, dict[str, np.ndarray]]:
    """All metrics of one model, computed on the model's device.

    FID features come from ``feature_net`` (domain classifier, on the CPU;
    ``feature_net_label`` names the dataset it was trained on where that is
    another one) or are the raw data; ``references`` caches the test set's
    feature statistics.
    """
    device = next(model.parameters()).device
    torch.manual_seed(config.seed)
    if device.type == "cuda":
        torch.cuda.manual_seed_all(config.seed)
    model.eval()
    x_val, x_test = data.inputs("val").to(device), data.inputs("test").to(device)
    metrics: dict = {"regulariser": model.regulariser_name}
    for split, x in (("val", x_val), ("test", x_test)):
        metrics |= {f"{split}_{k}": v for k, v in loss_terms(model, x, config.loss_repeats).items()}
    metrics["test_ll"] = float(model.log_likelihood(x_test, config.ll_samples).mean())
    metrics["ll_samples"] = config.ll_samples

    if (data.y["train"] >= 0).all():
        z_train = latent_samples(model, data.inputs("train").to(device))
        for split, x, prefix in (("val", x_val, "val_"), ("test", x_test, "")):
            errors = knn_errors(z_train, data.y["train"], latent_samples(model, x), data.y[split], config.knn_k)
            columns = METRICS["knn_error"].columns(errors)
            metrics |= {prefix + column: error for column, error in zip(columns, errors.values())}
        metrics["val_knn_error"] = metrics[f"val_knn_error_k{min(config.knn_k)}"]  # the kNN study's criterion

    n_fid = min(config.fid_samples, len(x_test))
    reference = data.x["test"][:n_fid]
    samples = model.sample(n_fid).cpu().numpy()
    references = references or ReferenceStatistics()
    if feature_net is not None:
        stats = references.get(
            f"domain_{extractor_key(feature_net, n_fid)}", lambda: feature_net.features(torch.from_numpy(reference))
        )
        metrics["fid"] = frechet_distance(*gaussian_statistics(feature_net.features(torch.from_numpy(samples))), *stats)
        metrics["fid_features"] = domain_fid_label(feature_net_label)
    else:
        metrics["fid"] = fid_from_features(samples, reference)
        metrics["fid_features"] = "raw data"
    metrics["fid_samples"] = n_fid
    if inception is not None and data.is_image:
        inception = inception.to(device)
        stats = references.get(
            f"inception_n{n_fid}", lambda: inception_features(reference, data.image_shape, inception, device=device)
        )
        features = inception_features(samples, data.image_shape, inception, device=device)
        metrics["fid_inception"] = frechet_distance(*gaussian_statistics(features), *stats)
        metrics["fid_inception_features"] = inception.source

    kept = x_test[: config.n_points]
    if len(model.prior.components()[0]) > 1:  # a mixture prior: how its components sit against the codes
        fit = prior_fit(model.prior, *model.encode(x_test[: config.prior_fit_points]))
        metrics |= {f"prior_{name}": value for name, value in fit.items()}
    artefacts = {
        "latent_loc": model.encode(kept)[0].cpu().numpy(),
        "labels": data.y["test"][: config.n_points],
        "inputs": data.x["test"][: config.n_points],
        "reconstructions": model.reconstruct(kept).cpu().numpy(),
        "samples": samples[: config.n_images],
        "prior_loc": model.prior.components()[0].cpu().numpy(),
    }
    return metrics, artefacts
