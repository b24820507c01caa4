"""The toy experiments: Figure 1's fits (quadrature KL, the two optimisations) and Figure 2's pinwheel."""

import numpy as np
import pytest
import torch
from sklearn.neighbors import KNeighborsClassifier

from csrae.data import gmm1d_samples, prepare_dataset
from csrae.divergence import kl_normal
from csrae.run import RunSpec
from csrae.toy import fit_figure1, reverse_kl_gaussian_to_mixture
from csrae.trainer import TrainConfig, Trainer


def test_quadrature_kl_equals_closed_form_for_a_gaussian_target():
    loc, logvar = torch.tensor([0.7], dtype=torch.float64), torch.tensor([-0.4], dtype=torch.float64)
    target_loc = torch.tensor([[1.5], [1.5]], dtype=torch.float64)  # a "mixture" of two equal components
    target_logvar = torch.full((2, 1), 0.3, dtype=torch.float64)
    value = reverse_kl_gaussian_to_mixture(
        loc, logvar, (target_loc, target_logvar, torch.zeros(2, dtype=torch.float64))
    )
    assert value.item() == pytest.approx(kl_normal(loc, logvar, target_loc[0], target_logvar[0]).item(), rel=1e-10)


def test_kl_picks_one_mode_and_cs_covers_both():
    fit = fit_figure1(gmm1d_samples(200), steps=1000, lr=3e-2)
    assert abs(abs(fit["kl"]["loc"][0]) - 3.0) < 0.1  # mode seeking
    assert fit["trace"]["kl"][-1] == pytest.approx(np.log(2), abs=0.01)  # KL to one of two far modes
    assert sorted(fit["cs"]["loc"]) == pytest.approx([-3.0, 3.0], abs=0.1)
    assert fit["trace"]["cs"][-1] < 1e-3


def pinwheel_under(lam: float, tmp_path) -> dict:
    """MixtureCSRAE with Figure 2's fixed corner prior trained on pinwheel; test-set summaries."""
    data = prepare_dataset("pinwheel")
    config = TrainConfig(epochs=60, warmup=15, patience=60, lr=0.005)
    spec = RunSpec("pinwheel", "MixtureCSRAE", {"lambda": lam, "K": 4, "prior": "corners"}, 2, config)
    model = spec.build(data)
    Trainer(model, data, config, tmp_path / f"lambda={lam}", log=lambda *_: None).fit()
    x, corners = data.inputs("test"), model.prior.components()[0]
    with torch.no_grad():
        codes, train_codes = model.encode(x)[0], model.encode(data.inputs("train"))[0]
        error = ((model.reconstruct(x) - x) ** 2).sum(-1).mean().item()
    knn = KNeighborsClassifier(5).fit(train_codes.numpy(), data.y["train"])
    return {
        "error": error,
        "arm_error": 1 - knn.score(codes.numpy(), data.y["test"]),
        "to_corner": torch.cdist(codes, corners).min(-1).values.mean().item(),
    }


def test_pinwheel_reconstructed_at_small_lambda_and_drawn_to_the_corners_as_lambda_grows(tmp_path):
    """Figure 2 (Sec. 4.2): at λ = 0.5 every arm is reconstructed and separable in the latent space
    (a learned variance per output dimension let one coordinate absorb the likelihood: squared error
    0.53 of the data's 1.06, 40 % kNN error); a larger λ pulls the codes onto the prior's corners at
    the reconstructions' expense."""
    small, large = pinwheel_under(0.5, tmp_path), pinwheel_under(2.5, tmp_path)
    assert small["error"] < 0.01 and small["arm_error"] < 0.02
    assert large["to_corner"] < 0.8 * small["to_corner"]
    assert large["error"] > 10 * small["error"]
