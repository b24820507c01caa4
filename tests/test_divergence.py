"""D_CS against numerical integration, Monte Carlo and closed forms."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate
from scipy.stats import multivariate_normal, norm

from csrae.divergence import cauchy_schwarz, kl_normal, kl_standard_normal, log_inner_product


@pytest.fixture(autouse=True)
def float64():
    """Reference comparisons run in float64; the float32 test says so explicitly."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def random_mixture(k, d, generator, spread=2.0):
    loc = spread * torch.randn(k, d, generator=generator)
    logvar = 0.5 * torch.randn(k, d, generator=generator)
    logits = torch.randn(k, generator=generator)
    return loc, logvar, logits


def mixture_pdf_1d(mixture):
    loc, logvar, logits = (t.numpy() for t in mixture)
    weights = np.exp(logits - logits.max())
    weights /= weights.sum()
    return lambda x: sum(w * norm.pdf(x, m[0], np.exp(0.5 * lv[0])) for w, m, lv in zip(weights, loc, logvar))


def cs_from_inner_products(qp, qq, pp):
    return -math.log(qp) + 0.5 * math.log(qq) + 0.5 * math.log(pp)


@pytest.mark.parametrize("seed", range(4))
def test_1d_matches_quadrature(seed):
    g = torch.Generator().manual_seed(seed)
    q, p = random_mixture(2, 1, g), random_mixture(3, 1, g)
    fq, fp = mixture_pdf_1d(q), mixture_pdf_1d(p)

    def inner(f, h):
        return integrate.quad(lambda x: f(x) * h(x), -np.inf, np.inf, epsabs=0, epsrel=1e-12, limit=200)[0]

    expected = cs_from_inner_products(inner(fq, fp), inner(fq, fq), inner(fp, fp))
    assert cauchy_schwarz(*q, *p).item() == pytest.approx(expected, rel=1e-8, abs=1e-10)


def test_2d_matches_grid_integration():
    g = torch.Generator().manual_seed(7)
    q, p = random_mixture(2, 2, g, spread=1.5), random_mixture(3, 2, g, spread=1.5)
    axis = np.linspace(-14, 14, 1401)
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    points = np.stack([xx, yy], -1)

    def density(mixture):
        loc, logvar, logits = (t.numpy() for t in mixture)
        weights = np.exp(logits) / np.exp(logits).sum()
        return sum(
            w * multivariate_normal(m, np.diag(np.exp(lv))).pdf(points) for w, m, lv in zip(weights, loc, logvar)
        )

    fq, fp = density(q), density(p)

    def inner(a, b):
        return integrate.trapezoid(integrate.trapezoid(a * b, axis, axis=1), axis)

    expected = cs_from_inner_products(inner(fq, fp), inner(fq, fq), inner(fp, fp))
    assert cauchy_schwarz(*q, *p).item() == pytest.approx(expected, rel=1e-7)


def test_inner_product_matches_monte_carlo_in_8d():
    g = torch.Generator().manual_seed(3)
    q, p = random_mixture(3, 8, g, spread=0.7), random_mixture(4, 8, g, spread=0.7)
    # ∫ q p = E_{x~q}[p(x)]
    n = 400_000
    k = torch.multinomial(torch.softmax(q[2], 0), n, replacement=True, generator=g)
    x = q[0][k] + torch.exp(0.5 * q[1][k]) * torch.randn(n, 8, generator=g)
    log_p = torch.logsumexp(
        torch.log_softmax(p[2], 0)
        - 0.5 * (math.log(2 * math.pi) + p[1] + (x[:, None] - p[0]) ** 2 / p[1].exp()).sum(-1),
        -1,
    )
    mc = torch.exp(log_p)
    estimate, stderr = mc.mean().item(), mc.std().item() / math.sqrt(n)
    exact = log_inner_product(*q, *p).exp().item()
    assert abs(estimate - exact) < 4 * stderr


def test_standard_normal_closed_form():
    g = torch.Generator().manual_seed(0)
    mu, s = torch.randn(5, 16, generator=g), torch.rand(5, 16, generator=g) + 0.2
    value = cauchy_schwarz(
        mu[:, None], (2 * s.log())[:, None], torch.zeros(5, 1), *([torch.zeros(1, 16)] * 2), torch.zeros(1)
    )
    expected = 0.5 * (torch.log((s**2 + 1) / (2 * s)) + mu**2 / (s**2 + 1)).sum(-1)
    torch.testing.assert_close(value, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_zero_for_identical_symmetric_and_non_negative(seed):
    g = torch.Generator().manual_seed(seed)
    q, p = random_mixture(4, 5, g), random_mixture(6, 5, g)
    assert cauchy_schwarz(*q, *q).item() == pytest.approx(0.0, abs=1e-12)
    assert cauchy_schwarz(*q, *p).item() == pytest.approx(cauchy_schwarz(*p, *q).item(), rel=1e-12)
    assert cauchy_schwarz(*q, *p).item() > 0


def test_broadcasts_batch_against_unbatched_prior():
    g = torch.Generator().manual_seed(1)
    q = [torch.randn(7, 1, 3, generator=g), torch.randn(7, 1, 3, generator=g), torch.zeros(7, 1)]
    p = random_mixture(5, 3, g)
    batched = cauchy_schwarz(*q, *p)
    looped = torch.stack([cauchy_schwarz(q[0][i], q[1][i], q[2][i], *p) for i in range(7)])
    assert batched.shape == (7,)
    torch.testing.assert_close(batched, looped)


def test_weights_are_normalised_inside():
    g = torch.Generator().manual_seed(2)
    q, p = random_mixture(3, 2, g), random_mixture(3, 2, g)
    shifted = cauchy_schwarz(q[0], q[1], q[2] + 5.0, p[0], p[1], p[2] - 3.0)
    torch.testing.assert_close(shifted, cauchy_schwarz(*q, *p))


def test_float32_finite_in_high_dimension_with_far_apart_components():
    d, k = 128, 400
    g = torch.Generator().manual_seed(0)
    p_loc = (50.0 * torch.arange(k, dtype=torch.float32))[:, None].repeat(1, d)  # 50 σ apart per dimension
    p_loc.requires_grad_()
    p_logvar = torch.zeros(k, d, dtype=torch.float32, requires_grad=True)
    q_loc = (torch.randn(100, 1, d, generator=g, dtype=torch.float32) * 30).requires_grad_()
    q_logvar = torch.full((100, 1, d), -3.0, dtype=torch.float32, requires_grad=True)
    zeros = torch.zeros(100, 1, dtype=torch.float32)
    value = cauchy_schwarz(q_loc, q_logvar, zeros, p_loc, p_logvar, torch.zeros(k, dtype=torch.float32))
    assert value.dtype == torch.float32 and torch.isfinite(value).all()
    value.sum().backward()
    for tensor in (q_loc, q_logvar, p_loc, p_logvar):
        assert torch.isfinite(tensor.grad).all()


def test_kl_closed_form_matches_monte_carlo():
    g = torch.Generator().manual_seed(4)
    q_loc, q_logvar = torch.randn(6, generator=g), 0.3 * torch.randn(6, generator=g)
    p_loc, p_logvar = torch.randn(6, generator=g), 0.3 * torch.randn(6, generator=g)
    z = q_loc + torch.exp(0.5 * q_logvar) * torch.randn(200_000, 6, generator=g)

    def log_density(loc, logvar):
        return -0.5 * (math.log(2 * math.pi) + logvar + (z - loc) ** 2 / logvar.exp()).sum(-1)

    samples = log_density(q_loc, q_logvar) - log_density(p_loc, p_logvar)
    exact = kl_normal(q_loc, q_logvar, p_loc, p_logvar).item()
    assert abs(samples.mean().item() - exact) < 4 * samples.std().item() / math.sqrt(len(samples))
    assert kl_standard_normal(torch.zeros(3), torch.zeros(3)).item() == 0.0
