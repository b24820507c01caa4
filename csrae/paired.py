"""Seed-paired comparisons of two models: differences run by run, their 95 % t interval, the paired t test,
and verdicts against the paper.

Two models' runs with the same seed (and, semi-supervised, the same labelled
points and fold) saw the same data order and initial draws, so their
difference run by run has less noise than the difference of their means.
At 2 to 16 seeds a t interval is used; a bootstrap would return about
[min, max] of so few differences.  Whether a difference is *decided* is a
decision about a family of them (:mod:`csrae.decisions`).
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from csrae.metrics.registry import higher_is_better

LEVEL = 0.95  # of every interval
EFFECT_STATISTICS = ["n", "mean", "sd", "p", "margin", "low", "high", "interval", "left_out"]  # PairedImprovement.row
Z = stats.norm.ppf(0.5 + LEVEL / 2)  # for the paper's side, from its reported standard errors


def improvement(reference: float, value: float, metric: str) -> float:
    """How much better ``value`` is than ``reference`` on ``metric`` (positive: better)."""
    return value - reference if higher_is_better(metric) else reference - value


@dataclass(frozen=True)
class Interval:
    n: int  # pairs
    mean: float
    low: float
    high: float

    @property
    def covers_zero(self) -> bool:
        return not self.low > 0 and not self.high < 0

    def text(self, unit: str = "", digits: int = 2) -> str:
        if math.isinf(self.high):
            return f"{self.mean:+.{digits}f}{unit} (n = {self.n}: no interval)"
        return f"{self.mean:+.{digits}f}{unit} [{self.low:+.{digits}f}, {self.high:+.{digits}f}]"


def t_interval(values) -> Interval:
    """The mean of ``values`` with its 95 % t interval (unbounded for fewer than two)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 2:
        return Interval(n, float(values.mean()) if n else math.nan, -math.inf, math.inf)
    half = stats.t.ppf(0.5 + LEVEL / 2, n - 1) * values.std(ddof=1) / math.sqrt(n)
    mean = float(values.mean())
    return Interval(n, mean, mean - half, mean + half)


def pairs(reference: dict, other: dict) -> tuple[list[str], list[str]]:
    """The run keys (``seed0``, ``seed0 fold1``) both sides have, and those only one has (a diverged run
    is missing from its side, so its pair is left out)."""
    both = [key for key in reference if key in other]
    return both, sorted(set(reference) ^ set(other))


@dataclass(frozen=True)
class PairedImprovement:
    """One model's improvement over a reference, run by run: the difference and the relative gain (% of the
    reference's value) with their intervals, the differences' standard deviation, the two-sided paired t
    test's p-value, the run keys left out, and the margin: the two models' standard errors (over their own
    runs) added, which a decided difference must exceed (no move of every run by its model's standard error
    can reverse it)."""

    difference: Interval
    gain: Interval
    left_out: list[str]
    margin: float
    sd: float
    p: float

    def row(self) -> dict:
        """The columns :func:`csrae.decisions.look` decides on, with the raw 95 % interval."""
        d = self.difference
        return {"n": d.n, "mean": d.mean, "sd": self.sd, "p": self.p, "margin": self.margin, "low": d.low,
                "high": d.high, "interval": d.text(), "left_out": " ".join(self.left_out)}  # fmt: skip


def standard_error(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else math.inf


def t_test(values) -> tuple[float, float]:
    """The standard deviation of ``values`` and the two-sided one-sample t test's p-value of mean zero
    (1 for fewer than two; 0 for a non-zero mean without spread)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return math.nan, 1.0
    sd, mean = float(values.std(ddof=1)), float(values.mean())
    if sd == 0:
        return 0.0, float(mean == 0)
    return sd, float(2 * stats.t.sf(abs(mean) / (sd / math.sqrt(len(values))), len(values) - 1))


def paired_improvement(reference: dict, other: dict, metric: str) -> PairedImprovement:
    """``other``'s improvement over ``reference`` run by run (:func:`improvement`); the relative gain is
    over the pairs whose reference value is not zero (an F1 of 0 has no relative change)."""
    keys, left_out = pairs(reference, other)
    differences = [improvement(reference[k], other[k], metric) for k in keys]
    relative = [100 * d / abs(reference[k]) for d, k in zip(differences, keys) if reference[k] != 0]
    margin = standard_error(list(reference.values())) + standard_error(list(other.values()))
    return PairedImprovement(t_interval(differences), t_interval(relative), left_out, margin, *t_test(differences))


def paper_within_error(difference: float, se_a: float, se_b: float) -> bool:
    """Whether the paper's difference of two cells lies within its own reported errors (95 %, as if
    independent); a cell without an error counts as exact."""
    errors = [se for se in (se_a, se_b) if se is not None and not math.isnan(se)]
    return bool(errors) and abs(difference) <= Z * math.sqrt(sum(se**2 for se in errors))


def verdict(decided: bool, ours: float, paper_difference: float, paper_uncertain: bool) -> str:
    """``agrees`` or ``disagrees`` when both sides name a direction (ours decided, :mod:`csrae.decisions`;
    the paper's outside its own error), else ``inconclusive``."""
    if not decided or paper_uncertain or paper_difference == 0:
        return "inconclusive"
    return "agrees" if (ours > 0) == (paper_difference > 0) else "disagrees"
