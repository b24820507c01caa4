"""Figure 1's fits: the quadrature KL and the two optimisations."""

import numpy as np
import pytest
import torch

from csrae.data import gmm1d_samples
from csrae.divergence import kl_normal
from csrae.toy import fit_figure1, reverse_kl_gaussian_to_mixture


def test_quadrature_kl_equals_closed_form_for_a_gaussian_target():
    loc, logvar = torch.tensor([0.7], dtype=torch.float64), torch.tensor([-0.4], dtype=torch.float64)
    target_loc = torch.tensor([[1.5], [1.5]], dtype=torch.float64)  # a "mixture" of two equal components
    target_logvar = torch.full((2, 1), 0.3, dtype=torch.float64)
    value = reverse_kl_gaussian_to_mixture(
        loc, logvar, (target_loc, target_logvar, torch.zeros(2, dtype=torch.float64))
    )
    assert value.item() == pytest.approx(kl_normal(loc, logvar, target_loc[0], target_logvar[0]).item(), rel=1e-10)


def test_kl_picks_one_mode_and_cs_covers_both():
    fit = fit_figure1(gmm1d_samples(200), steps=4000, lr=1e-2)
    assert abs(abs(fit["kl"]["loc"][0]) - 3.0) < 0.1  # mode seeking
    assert fit["trace"]["kl"][-1] == pytest.approx(np.log(2), abs=0.01)  # KL to one of two far modes
    assert sorted(fit["cs"]["loc"]) == pytest.approx([-3.0, 3.0], abs=0.1)
    assert fit["trace"]["cs"][-1] < 1e-3
