"""Seed-paired comparisons of two models: differences run by run, their 95 % t interval, and verdicts.

Two models' runs with the same seed (and, semi-supervised, the same labelled
points and fold) saw the same data order and initial draws, so their
difference run by run has less noise than the difference of their means.
At 2 to 5 seeds a t interval is used; a bootstrap would return about
[min, max] of so few differences.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from csrae.metrics.registry import higher_is_better

LEVEL = 0.95  # of every interval
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
    reference's value) with their intervals, the run keys left out, and the margin: the two models' standard
    errors (over their own runs) added."""

    difference: Interval
    gain: Interval
    left_out: list[str]
    margin: float

    @property
    def decided(self) -> bool:
        """The direction is known: the interval excludes zero and the difference exceeds the margin, so
        that no move of every run by its model's standard error can reverse it."""
        return not self.difference.covers_zero and abs(self.difference.mean) > self.margin


def standard_error(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else math.inf


def paired_improvement(reference: dict, other: dict, metric: str) -> PairedImprovement:
    """``other``'s improvement over ``reference`` run by run (:func:`improvement`); the relative gain is
    over the pairs whose reference value is not zero (an F1 of 0 has no relative change)."""
    keys, left_out = pairs(reference, other)
    differences = [improvement(reference[k], other[k], metric) for k in keys]
    relative = [100 * d / abs(reference[k]) for d, k in zip(differences, keys) if reference[k] != 0]
    margin = standard_error(list(reference.values())) + standard_error(list(other.values()))
    return PairedImprovement(t_interval(differences), t_interval(relative), left_out, margin)


def paper_within_error(difference: float, se_a: float, se_b: float) -> bool:
    """Whether the paper's difference of two cells lies within its own reported errors (95 %, as if
    independent); a cell without an error counts as exact."""
    errors = [se for se in (se_a, se_b) if se is not None and not math.isnan(se)]
    return bool(errors) and abs(difference) <= Z * math.sqrt(sum(se**2 for se in errors))


def verdict(ours: PairedImprovement, paper_difference: float, paper_uncertain: bool) -> str:
    """``agrees`` or ``disagrees`` when both sides name a direction (ours :attr:`PairedImprovement.decided`,
    the paper's outside its own error), else ``inconclusive``."""
    if not ours.decided or paper_uncertain or paper_difference == 0:
        return "inconclusive"
    return "agrees" if (ours.difference.mean > 0) == (paper_difference > 0) else "disagrees"
