"""What a study found, in plain sentences: each decided effect with its interval, seeds and adjustment, then
the undecided ones with the seeds each would need.

An effect row (:mod:`csrae.ablation`, :mod:`csrae.comparison`) names its two
sides (``subject`` against ``object``), its dataset and metric, and carries
the decision columns of :func:`csrae.decisions.look`.
"""

import math

import pandas as pd

from csrae.decisions import ALPHA, FUTILITY
from csrae.metrics.registry import metric as metric_of

RULE = (
    f"Effects are decided in families (one dataset's ablation effects; one dataset's gains in one paper table; "
    f"one ranking's pairs) at a family-wise error rate of {ALPHA:.0%}: Holm's step-down on the paired t tests "
    "(p_holm: the adjusted p-value, at most the look's level alpha), and the mean must exceed the two cells' "
    "standard errors added. Adding seeds in rounds spends alpha over the looks (level: this look's share); from "
    f"the second look on, an effect the last look would decide with less than {FUTILITY:.0%} power, were its "
    "observed size and spread the truth, gets no more seeds. The interval is the raw 95 % t interval over the "
    "seed pairs; seeds_needed estimates the seed pairs at which an effect of the observed size and spread would "
    "be decided with 80 % power at the last look."
)
ADD_SEEDS = (
    "Seeds decide what two cannot: a `decide` block in the config adds them in rounds to the cells an undecided "
    "effect needs, up to `max_seeds` (`config/ablation.yaml` decides the divergence × prior study on mnist5k so; "
    'docs/fidelity.md, "Decisions").'
)
DECISION_COLUMNS = ["n", "interval", "p_holm", "level", "decided", "round", "seeds_needed"]


def _direction(row) -> tuple[str, float, float, float]:
    """``lower``/``higher`` (the metric under the subject against the object), |mean| and its interval."""
    better = metric_of(row["metric"])
    subject_better = row["mean"] > 0
    word = "higher" if better.higher_is_better == subject_better else "lower"
    low, high = (row["low"], row["high"]) if subject_better else (-row["high"], -row["low"])
    return word, abs(row["mean"]), low, high


def label(metric: str) -> str:
    """A metric's label, with its k where it has one (``kNN error (%) at k = 3``)."""
    k = metric.removeprefix("knn_error_k")
    return metric_of(metric).label + (f" at k = {k}" if k != metric else "")


def where(row) -> str:
    """The dataset, and the study or the paper table an effect belongs to."""
    if pd.notna(row.get("table")):
        paper = f", the paper's {row['paper_dataset']}" if row["paper_dataset"] != row["dataset"] else ""
        return f"on {row['dataset']} (Table {row['table']}{paper})"
    return f"on {row['dataset']}" + (f" ({row['study']} study)" if row.get("study") == "knn" else "")


def decided_sentence(row) -> str:
    word, size, low, high = _direction(row)
    return (
        f"{row['subject']} gives a {word} {label(row['metric'])} than {row['object']} "
        f"by {size:.2f} [{low:.2f}, {high:.2f}] "
        f"{where(row)}, {row['n']} seeds, Holm-adjusted p = {row['p_holm']:.2g} (level {row['level']:.2g}, "
        f"round {row['round']})."
    )


def undecided_sentence(row, max_seeds: int) -> str:
    found = f"{row['mean']:+.2f} [{row['low']:+.2f}, {row['high']:+.2f}]" if row["n"] > 1 else "no interval"
    about = f"{label(row['metric'])}, {row['n']} seeds"
    text = f"{row['subject']} against {row['object']} {where(row)}: {found} ({about}), undecided; "
    if pd.notna(row["seeds_needed"]):
        return text + f"about {int(row['seeds_needed'])} seeds would decide an effect of this size and spread."
    smallest = row["detectable"]
    in_sight = (
        f"the smallest effect {max_seeds} seeds would decide is {smallest:.2f}" if math.isfinite(smallest) else ""
    )
    return text + f"no decision in sight within {max_seeds} seeds" + (f": {in_sight}." if in_sight else ".")


def markdown(effects: pd.DataFrame, max_seeds: int, heading: str = "## Findings") -> str:
    """The decided effects as sentences, then the undecided with the seeds each needs."""
    decided, undecided = effects[effects["decided"].astype(bool)], effects[~effects["decided"].astype(bool)]
    lines = [heading, ""]
    if effects.empty:
        return "\n".join([*lines, "No effect to decide: the config forms no pair of cells to compare.", ""])
    lines += [f"Decided ({len(decided)} of {len(effects)}):", ""]
    lines += [f"- {decided_sentence(row)}" for _, row in decided.iterrows()] or ["- none"]
    lines += ["", f"Undecided ({len(undecided)}):", ""]
    lines += [f"- {undecided_sentence(row, max_seeds)}" for _, row in undecided.iterrows()] or ["- none"]
    return "\n".join([*lines, "", RULE, ""])


def rst(markdown_text: str) -> str:
    """Findings written by :func:`markdown` as reStructuredText (Snakemake's report): headings underlined."""
    lines = []
    for line in markdown_text.splitlines():
        level = len(line) - len(line.lstrip("#"))
        if level and line[level : level + 1] == " ":
            title = line[level + 1 :]
            lines += [title, ("=" if level == 1 else "-") * len(title)]
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def table(effects: pd.DataFrame, columns: list[str]) -> list[str]:
    """Markdown lines of ``effects``: ``columns`` of their description, then the decision's."""
    names = [*columns, *DECISION_COLUMNS]
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for _, row in effects.iterrows():
        cells = [_cell(row[c]) for c in names]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _cell(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.3g}"
    return str(value)
