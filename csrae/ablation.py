"""Divergence × prior: each cell the config trains, and the effect of one factor with the other held fixed.

The paper's MixtureCSRAE changes the divergence (KL → CS) and the prior
(N(0, I) → mixture) at once; here every trained model is placed by its
divergence and prior (:mod:`csrae.registry`), and two cells that differ in
one factor only (same dataset, study, latent dimension and K) are compared
run by run (seed-paired 95 % t intervals, :func:`csrae.paired.paired_improvement`).
Each cell uses its own selected weight.  Models with another objective than
RE + weight · R (IWAE) are left out.
"""

import pandas as pd

from csrae import findings, registry
from csrae.metrics.registry import METRICS
from csrae.metrics.registry import metric as metric_of
from csrae.naming import cell_id, parse_setting_id
from csrae.paired import EFFECT_STATISTICS, paired_improvement
from csrae.selection import mean_se_cell

CELL_COLUMNS = ["dataset", "study", "z", "K", "divergence", "prior", "model", "hp", "metric", "n", "mean", "se"]
DESCRIPTION = ["dataset", "study", "z", "K", "metric", "factor", "held", "reference", "other"]
REFERENCE_DIVERGENCE = "KL"


def study_metrics(study: str, knn_k) -> list[str]:
    """The ablation's metrics of a study: FID and test log-likelihood (generative), the kNN error at the
    study's smallest k (its selection criterion)."""
    if study == "knn":
        return METRICS["knn_error"].columns([min(knn_k)])
    return [m.name for m in METRICS.values() if "ablation" in m.tables and not m.per_k]


def cells(selections: dict[str, list[dict]], knn_k) -> pd.DataFrame:
    """One row per (selected setting, metric): ``selections`` maps a study to its selection records (dataset,
    model and, per structure, the selected setting's per-seed runs)."""
    rows = []
    for study, entries in selections.items():
        for entry in entries:
            model = registry.model(entry["model"])
            if model.objective != "elbo":
                continue
            for choice in entry["selected"]:
                z, hparams = parse_setting_id(model.name, choice["hp"])
                prior = model.prior_of(hparams)
                for metric in study_metrics(study, knn_k):
                    values = {f"seed{r['seed']}": r[metric] for r in choice["runs"] if metric in r}
                    if not values:
                        continue
                    series = pd.Series(list(values.values()), dtype=float)
                    rows.append({
                        "dataset": entry["dataset"], "study": study, "z": z, "K": hparams.get("K"),
                        "divergence": model.divergence, "prior": prior, "model": model.name, "hp": choice["hp"],
                        "metric": metric, "n": len(values), "mean": series.mean(),
                        "se": series.std(ddof=1) / len(series) ** 0.5 if len(series) > 1 else float("nan"),
                        "values": values,
                    })  # fmt: skip
    return pd.DataFrame(rows, columns=[*CELL_COLUMNS, "values"])


def effect(reference: pd.Series, other: pd.Series, factor: str, held: str) -> dict:
    """One effect: the other cell's improvement over the reference run by run (:func:`paired_improvement`),
    in the family of its dataset's ablation effects."""
    ours = paired_improvement(reference["values"], other["values"], reference["metric"])
    description = {
        "dataset": reference["dataset"], "study": reference["study"], "z": reference["z"],
        "K": other["K"] if pd.notna(other["K"]) else reference["K"], "metric": reference["metric"],
        "factor": factor, "held": held, "reference": f"{reference['model']} ({reference['hp']})",
        "other": f"{other['model']} ({other['hp']})",
    }  # fmt: skip
    if factor == "divergence":
        sides = (f"at a fixed {held.removeprefix('prior ')} prior, {other['divergence']} ({other['model']})",
                 f"{reference['divergence']} ({reference['model']})")  # fmt: skip
    else:
        prior = registry.PRIOR_NAMES[other["prior"]]
        sides = (f"under {reference['divergence']}, the {prior} prior ({other['model']})",
                 f"N(0, I) ({reference['model']})")  # fmt: skip
    key = [reference["dataset"], reference["study"], reference["z"], description["K"], reference["metric"], factor]
    identity = "|".join(map(str, ["ablation", *key, held, reference["model"], other["model"]]))
    cells = [cell_id(c["dataset"], c["model"], c["hp"]) for c in (reference, other)]
    family = {"id": identity, "family": f"ablation {reference['dataset']}", "subject": sides[0], "object": sides[1]}
    return family | {"cells": cells} | description | ours.row()


def effects(table: pd.DataFrame) -> pd.DataFrame:
    """The divergence's effect at a fixed prior (against KL) and the prior's at a fixed divergence (against
    N(0, I)), for every pair of cells that differ in that factor alone, before any decision."""
    rows = []
    for _, group in table.groupby(["dataset", "study", "z", "metric"], sort=False):
        for _, reference in group.iterrows():
            for _, other in group.iterrows():
                same_k = reference["K"] == other["K"] or (pd.isna(reference["K"]) and pd.isna(other["K"]))
                if reference["divergence"] == REFERENCE_DIVERGENCE != other["divergence"]:
                    if reference["prior"] == other["prior"] and same_k:
                        held = registry.PRIOR_NAMES[reference["prior"]]
                        rows.append(effect(reference, other, "divergence", f"prior {held}"))
                if reference["prior"] == registry.STANDARD != other["prior"]:
                    if reference["divergence"] == other["divergence"]:
                        rows.append(effect(reference, other, "prior", f"divergence {reference['divergence']}"))
    columns = ["id", "family", "subject", "object", "cells", *DESCRIPTION, *EFFECT_STATISTICS]
    return pd.DataFrame(rows, columns=columns)


def to_markdown(table: pd.DataFrame, decided: pd.DataFrame, max_seeds: int) -> str:
    """The findings (:mod:`csrae.findings`), the cells as a divergence × prior grid per dataset, study and
    metric, then the effects with their decisions (:func:`csrae.decisions.look`)."""
    lines = ["# Divergence × prior", "", findings.markdown(decided, max_seeds), "## Cells", ""]
    for (dataset, study, metric), group in table.groupby(["dataset", "study", "metric"], sort=False):
        about = metric_of(metric)
        direction = "higher" if about.higher_is_better else "lower"
        lines += [f"### {dataset}, {study} study: {metric} ({about.label}, {direction} is better)", ""]
        priors = list(dict.fromkeys(group["prior"]))
        lines += ["| divergence | " + " | ".join(registry.PRIOR_NAMES[p] for p in priors) + " |"]
        lines += ["|---|" + "---|" * len(priors)]
        for divergence, rows in group.groupby("divergence", sort=False):
            grid = [
                "<br>".join(
                    f"{mean_se_cell(r['mean'], r['se'])} ({r['model']} {r['hp']})"
                    for _, r in rows[rows["prior"] == prior].iterrows()
                )
                for prior in priors
            ]
            lines.append(f"| {divergence} | " + " | ".join(grid) + " |")
        lines.append("")
    lines += ["## Effects, run by run", ""]
    lines += findings.table(decided, ["dataset", "metric", "factor", "held", "reference", "other"])
    return "\n".join(lines) + "\n"
