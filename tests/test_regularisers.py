"""The divergences of csrae.regularisers against independent references, and the stacked Adam against
torch.optim.Adam."""

import itertools
import math

import numpy as np
import pytest
import torch

from csrae.gaussian import Drawn, Noise
from csrae.optim import StackedAdam, adam
from csrae.priors import CornerPrior, StandardNormal
from csrae.regularisers import DIVERGENCES, MMD_SCALES, mmd_imq, prior_samples


def mmd_by_loops(x: np.ndarray, y: np.ndarray) -> float:
    """The unbiased MMD² U-statistic written out pair by pair (Gretton et al. 2012, eq. 3)."""
    n, dim = x.shape

    def k(a, b):
        return sum((c := 2 * dim * s) / (c + np.sum((a - b) ** 2)) for s in MMD_SCALES)

    within = sum(k(x[i], x[j]) + k(y[i], y[j]) for i, j in itertools.permutations(range(n), 2)) / (n * (n - 1))
    across = sum(k(x[i], y[j]) for i in range(n) for j in range(n)) / n**2
    return within - 2 * across


def test_mmd_equals_the_pairwise_u_statistic():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 3)), rng.normal(1.0, 2.0, size=(7, 3))
    value = mmd_imq(torch.from_numpy(x), torch.from_numpy(y)).item()
    assert value == pytest.approx(mmd_by_loops(x, y), rel=1e-10)
    batched = mmd_imq(torch.from_numpy(np.stack([x, y])), torch.from_numpy(np.stack([y, x])))
    torch.testing.assert_close(batched, torch.tensor([value, value], dtype=torch.float64))


def test_mmd_is_unbiased_and_grows_with_the_distance_between_the_distributions():
    torch.manual_seed(0)
    same = mmd_imq(torch.randn(4000, 20, 5), torch.randn(4000, 20, 5))
    assert abs(same.mean().item()) < 4 * same.std().item() / math.sqrt(len(same))  # zero on average
    shifted = [mmd_imq(torch.randn(2000, 20, 5) + d, torch.randn(2000, 20, 5)).mean().item() for d in (0.5, 1, 2)]
    assert 0 < shifted[0] < shifted[1] < shifted[2]
    with pytest.raises(ValueError, match="at least two codes"):
        mmd_imq(torch.zeros(1, 2), torch.zeros(1, 2))


def test_prior_samples_follow_the_mixture_from_the_runs_own_draws():
    """Components by inverse CDF of Φ(ε), points by ε: the draws are the mixture's, and the same draws give
    the same samples."""
    prior = CornerPrior(2, 4)
    noise = Noise(torch.Generator().manual_seed(0), torch.device("cpu")).normal(3, 40000, 2)
    z = prior_samples(prior, noise)
    nearest = torch.cdist(z, prior.loc).argmin(-1)
    assert torch.bincount(nearest, minlength=4).float().div(len(z)).sub(0.25).abs().max() < 0.01
    torch.testing.assert_close(z.mean(0), prior.loc.mean(0), atol=0.01, rtol=0)
    torch.testing.assert_close(z.var(0), torch.full((2,), 0.25 + 0.05), atol=0.01, rtol=0)  # corners' + own
    torch.testing.assert_close(prior_samples(prior, noise), z, rtol=0, atol=0)
    standard = prior_samples(StandardNormal(2), noise)
    torch.testing.assert_close(standard, noise[1], rtol=0, atol=0)


def test_each_divergence_asks_for_the_draws_it_uses():
    """A divergence's draws beyond the codes' are declared, and a model's loss takes exactly that many."""
    from csrae.models import build_model

    for name, hparams in (("VAE", {"beta": 1.0}), ("MixtureVAE", {"beta": 1.0, "K": 4, "prior": "corners"}),
                          ("WAE", {"lambda": 1.0}), ("CSRAE", {"lambda": 1.0})):  # fmt: skip
        model = build_model(name, hparams, 2, 2, "pinwheel", "gaussian")
        draws = torch.randn(model.noise_draws, 16, 2)
        model.loss(torch.randn(16, 2), noise=Drawn(draws))
        with pytest.raises(ValueError, match="the model asks for"):
            model.loss(torch.randn(16, 2), noise=Drawn(draws[:, :8]))
    assert set(DIVERGENCES) >= {"KL", "CS", "MMD"}
    assert (
        DIVERGENCES["MMD"].extra_draws(StandardNormal(2)) == 1
        and DIVERGENCES["MMD"].extra_draws(CornerPrior(2, 4)) == 2
    )


def test_stacked_adam_equals_torch_adam_step_for_step():
    """Three members, each with its own gradients, one starting from a saved Adam state: the stack's
    parameters and each member's state equal three torch.optim.Adam instances', step for step."""
    torch.manual_seed(0)
    shapes = {"weight": (3, 4), "bias": (4,)}
    members = [
        {n: torch.randn(s, dtype=torch.float64, requires_grad=True) for n, s in shapes.items()} for _ in range(3)
    ]
    optimisers = [adam(list(m.values()), lr=1e-2) for m in members]
    for p in members[2].values():  # member 2 resumes a run that has taken two steps
        p.grad = torch.randn_like(p)
    for _ in range(2):
        optimisers[2].step()
    stacked = {n: torch.stack([m[n].detach().clone() for m in members]) for n in shapes}
    stack = StackedAdam(stacked, 1e-2, [{}, {}, optimisers[2].state_dict()["state"]])
    for _ in range(5):
        grads = {n: torch.randn(3, *s, dtype=torch.float64) for n, s in shapes.items()}
        for i, (member, optimiser) in enumerate(zip(members, optimisers)):
            for n, p in member.items():
                p.grad = grads[n][i].clone()
            optimiser.step()
        stack.step(stacked, grads)
        for i, member in enumerate(members):
            for n in shapes:
                torch.testing.assert_close(stacked[n][i], member[n].detach(), rtol=1e-12, atol=1e-14)
    for i, optimiser in enumerate(optimisers):
        ours, theirs = stack.member_state(i), optimiser.state_dict()
        assert ours["param_groups"] == theirs["param_groups"]
        for j, state in theirs["state"].items():
            assert float(ours["state"][j]["step"]) == float(state["step"])
            torch.testing.assert_close(ours["state"][j]["exp_avg_sq"], state["exp_avg_sq"], rtol=1e-12, atol=0)
    stack.keep(torch.tensor([2]))
    assert float(stack.member_state(0)["state"][0]["step"]) == 7.0
