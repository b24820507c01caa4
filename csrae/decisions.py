"""Deciding many effects over few seeds: families, Holm's step-down, error spent over rounds, and power.

An *effect* is a seed-paired comparison of two cells (:mod:`csrae.paired`):
its mean improvement over n seed pairs, their standard deviation, a two-sided
paired t test and a *margin* (the two cells' standard errors added).
Decisions are made in *families* — one dataset's ablation effects, one
dataset's gains in one paper table, one ranking's pairs — at a family-wise
error rate α = 5 %: Holm's step-down on the family's p-values, and an effect
is decided where Holm rejects it and its mean exceeds its margin.

Seeds may be added in rounds (a config's ``decide`` block): each round looks
at the effects still undecided and spends part of α, the increment of a
Lan–DeMets spending function α(t) at the information fraction t = seeds /
``max_seeds`` (O'Brien–Fleming-type by default, Pocock-type, or Bonferroni
over the planned looks).  Each look controls its own false decisions at its
increment, so the error over all looks is at most the increments' sum, α:
the union bound over looks, conservative against exact group-sequential
boundaries, which t statistics on a few seeds do not afford.  From the second
look on, an undecided effect that ``max_seeds`` would decide with less than
20 % probability, were its observed size and spread the truth, gets no more
seeds (:func:`worth_seeds`: a non-binding futility rule, which can only lower
the error rate; simulated in tests/test_decisions.py, it halves the seeds a
null effect takes and costs a few points of power on small effects).
"""

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

ALPHA, POWER = 0.05, 0.8  # family-wise error rate; the power the seeds needed are planned for
FUTILITY = 0.2  # below this power at the last look, an effect gets no more seeds
SPENDING = ("obrien-fleming", "pocock", "bonferroni")
COLUMNS = ["p", "p_holm", "level", "decided", "round", "seeds_needed", "detectable", "power"]


def spent(t: float, spending: str, alpha: float = ALPHA) -> float:
    """α spent by the information fraction ``t`` (0 < t ≤ 1) under a Lan–DeMets spending function."""
    if spending == "obrien-fleming":
        return float(2 - 2 * stats.norm.cdf(stats.norm.ppf(1 - alpha / 2) / math.sqrt(t)))
    if spending == "pocock":
        return alpha * math.log(1 + (math.e - 1) * t)
    raise ValueError(f"unknown alpha spending {spending!r}; choose one of {SPENDING}")


@dataclass(frozen=True)
class Schedule:
    """The looks of a study: the seed count of each round and the α each one tests at."""

    seeds: tuple[int, ...]  # cumulative seeds per round, the last the study's maximum
    spending: str = "obrien-fleming"
    alpha: float = ALPHA

    @classmethod
    def single(cls, horizon: int, alpha: float = ALPHA) -> "Schedule":
        """One look at all of α: a study without rounds, whose undecided effects are told the seeds they would
        need up to ``horizon``."""
        return cls((horizon,), "bonferroni", alpha)

    def to_dict(self) -> dict:
        return {"seeds": list(self.seeds), "spending": self.spending, "alpha": self.alpha}

    @classmethod
    def from_dict(cls, d: dict) -> "Schedule":
        return cls(tuple(d["seeds"]), d["spending"], d["alpha"])

    @property
    def levels(self) -> list[float]:
        """The α of each look: the increments of the spending function, or α / looks each (Bonferroni over
        the looks); they add up to α."""
        if self.spending == "bonferroni":
            return [self.alpha / len(self.seeds)] * len(self.seeds)
        spend = [spent(n / self.seeds[-1], self.spending, self.alpha) for n in self.seeds]
        return [b - a for a, b in zip([0.0, *spend[:-1]], spend)]


def holm(p_values) -> np.ndarray:
    """Holm's adjusted p-values: sorted ascending, max over j ≤ i of min(1, (m − j + 1) p_(j))."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (len(p) - np.arange(len(p))) * p[order])
    adjusted = np.empty_like(p)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted


@lru_cache(maxsize=4096)
def _t_sum(level: float, count: int) -> float:
    """t(1 − level/2, N − 1) + t(POWER, N − 1): the standardised mean N pairs need to decide at ``level``
    with :data:`POWER`."""
    return float(stats.t.ppf(1 - level / 2, count - 1) + stats.t.ppf(POWER, count - 1))


def seeds_needed(mean: float, sd: float, margin: float, n: int, level: float, max_seeds: int) -> int | None:
    """The fewest seed pairs (up to ``max_seeds``) at which an effect of this mean and spread is decided at
    ``level`` with :data:`POWER`: t(1 − level/2, N − 1) + t(POWER, N − 1) ≤ |mean|·√N / sd, and the mean
    above its margin as that shrinks with √N; None when no count up to ``max_seeds`` would do."""
    if n < 2 or not math.isfinite(sd):
        return None
    for count in range(max(n, 2), max_seeds + 1):
        if abs(mean) * math.sqrt(count) >= _t_sum(level, count) * sd and abs(mean) > margin * math.sqrt(n / count):
            return count
    return None


def detectable(sd: float, margin: float, n: int, level: float, seeds: int) -> float:
    """The smallest |mean| that ``seeds`` pairs decide at ``level`` with :data:`POWER`, at this spread."""
    if n < 2 or not math.isfinite(sd):
        return math.nan
    return max(_t_sum(level, seeds) * sd / math.sqrt(seeds), margin * math.sqrt(n / seeds))


def power(mean, sd, level, seeds: int) -> np.ndarray:
    """The probability that ``seeds`` pairs decide an effect of this mean and spread at ``level`` (the two-sided
    paired t test, noncentral t); arrays of effects at once, NaN where the spread is unknown."""
    mean, sd, level = (np.asarray(x, dtype=float) for x in (mean, sd, level))
    known = np.isfinite(sd) & (sd > 0)
    noncentrality = np.abs(mean) * math.sqrt(seeds) / np.where(known, sd, 1.0)
    critical = stats.t.ppf(1 - level / 2, seeds - 1)
    return np.where(known, stats.nct.sf(critical, seeds - 1, noncentrality), np.nan)


def look(effects: pd.DataFrame, previous: pd.DataFrame | None, round_: int, schedule: Schedule) -> pd.DataFrame:
    """The decisions of look ``round_`` (1-based) of ``schedule``.  ``effects``: one row per effect with
    ``id``, ``family``, ``n``, ``mean``, ``sd``, ``p`` and ``margin`` (and any description); ``previous``:
    the last look's rows, whose decided effects stay as they were decided.  The others are tested here:
    Holm within each family at this look's level (``p_holm``, ``level``, ``decided``, ``round``), with the
    seeds each would need at the study's last look (``seeds_needed``; ``detectable``: the smallest effect
    ``max_seeds`` would decide, at this spread; ``power``: the probability ``max_seeds`` decide it, were its
    observed mean and spread the truth)."""
    done = previous[previous["decided"]] if previous is not None else effects.iloc[:0]
    todo = effects[~effects["id"].isin(set(done["id"]))].copy()
    level, last = schedule.levels[round_ - 1], schedule.levels[-1]
    todo["level"], todo["round"] = level, round_
    todo["p_holm"] = todo.groupby("family", sort=False)["p"].transform(holm) if len(todo) else []
    todo["decided"] = (todo["p_holm"] <= level) & (todo["mean"].abs() > todo["margin"])
    undecided = todo[~todo["decided"]]
    sizes = undecided.groupby("family")["id"].transform("size")
    planned = list(zip(undecided["mean"], undecided["sd"], undecided["margin"], undecided["n"], last / sizes))
    horizon = schedule.seeds[-1]
    needed = [seeds_needed(*effect, horizon) for effect in planned]
    todo["seeds_needed"] = pd.Series(needed, index=undecided.index, dtype=object)
    smallest = [detectable(sd, margin, n, level_, horizon) for _, sd, margin, n, level_ in planned]
    todo["detectable"] = pd.Series(smallest, index=undecided.index, dtype=float)
    powers = power(undecided["mean"], undecided["sd"], last / sizes, horizon) if len(undecided) else []
    todo["power"] = pd.Series(powers, index=undecided.index, dtype=float)
    decided = pd.concat([done, todo[todo["decided"]]]) if len(done) else todo[todo["decided"]]
    rows = pd.concat([decided, todo[~todo["decided"]]])
    return rows.set_index("id").loc[effects["id"]].reset_index()


def worth_seeds(decisions: pd.DataFrame, round_: int) -> pd.Series:
    """Which effects of a look more seeds should go to: the undecided, except, from the second look on, those
    the last look would decide with less than :data:`FUTILITY` power (after one look, two seed pairs are too
    few to give up on an effect)."""
    undecided = ~decisions["decided"].astype(bool)
    return undecided & ((decisions["power"] >= FUTILITY) if round_ > 1 else True)
