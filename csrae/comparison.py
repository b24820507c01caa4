"""How close a run comes to the paper: its Tables I, II and III beside the paper's reported numbers.

The paper's cells are data (``paper_tables.csv``: every cell with its table, row and column).  A cell
of ours meets the paper's cell of the same model and metric on the same dataset, or on the closest
paper dataset, and of the same structure, or the model's closest one; the notes beside each pair say
which, and where the two measures differ (feature extractor, splits, epochs).  Numbers on different
scales (our domain FID, the paper's Inception FID) stand side by side marked not comparable: what is
compared across scales is each side's ranking of the models and their improvement over the reference
model (the VAE; VampPriorVAE on the face datasets, as the paper compares them).

Our cells are read from the per-run records, and models are compared run by run with the same seed
(:mod:`csrae.paired`): a difference is a verdict only where it is decided in its family
(:mod:`csrae.decisions`) and the paper's difference lies outside the paper's own error; otherwise it is
``inconclusive``.  :mod:`csrae.comparison_report` writes it all as Markdown.
"""

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd

from csrae.data import registry as data_registry
from csrae.decisions import holm
from csrae.metrics.registry import higher_is_better
from csrae.naming import cell_id, structure_id, structure_values
from csrae.paired import EFFECT_STATISTICS, improvement, paired_improvement, paper_within_error, verdict
from csrae.registry import FACE_REFERENCE_MODEL, REFERENCE_MODEL

PAPER_TABLES = Path(__file__).with_name("paper_tables.csv")
PAPER_EPOCHS = 400  # Table IV(a)
PAPER_FID = "Inception FID"
KEY = ["table", "paper_dataset", "metric", "scale"]
SSL_TABLES = {"disfa": ("III(b)", "VII"), "fera2015": ("III(c)", "VIII")}  # the digit datasets: III(a)
FACE_TABLES = ("III(b)", "III(c)", "VII", "VIII")


def reference_model(table: str) -> str:
    """Whom a table's improvements are measured against: the VAE, or VampPriorVAE on the faces."""
    return FACE_REFERENCE_MODEL if table in FACE_TABLES else REFERENCE_MODEL


def paper_cells() -> pd.DataFrame:
    return pd.read_csv(PAPER_TABLES, comment="#", dtype={"structure": str})


def cell(table, dataset, model, structure, metric, scale, values: dict, runs: str | None = None) -> dict:
    """One of our cells: its mean and standard error over runs, the runs' values by run key, and which runs
    they are (:func:`csrae.naming.cell_id`; None for the semi-supervised study's)."""
    array = np.asarray(list(values.values()), dtype=float)
    se = array.std(ddof=1) / math.sqrt(len(array)) if len(array) > 1 else math.nan
    return {
        "table": table, "dataset": dataset, "model": model, "structure": structure, "metric": metric,
        "scale": scale, "mean": float(array.mean()), "se": float(se), "n": len(array), "values": values,
        "cell": runs,
    }  # fmt: skip


def our_cells(generative: list[dict], knn: list[dict], semisupervised: list[list[dict]]) -> pd.DataFrame:
    """Our cells from per-run records: ``generative`` and ``knn`` are the studies' selections (dataset,
    model and, per structure, the selected setting's runs), ``semisupervised`` the selected runs of each
    semi-supervised model and label budget.  Runs are keyed by seed (and fold)."""
    cells = []
    for selection in generative:
        for choice in selection["selected"]:
            runs, structure = choice["runs"], structure_id(selection["model"], choice["hp"])
            if not runs:
                continue
            where, which = ("I", selection["dataset"], selection["model"], structure, "fid"), cell_of(selection, choice)
            if runs[0].get("fid_features") != "raw data":
                scale = f"FID on the {runs[0]['fid_features']}, {runs[0]['fid_samples']} samples"
                cells.append(cell(*where, scale, {f"seed{r['seed']}": r["fid"] for r in runs}, which))
            if "fid_inception" in runs[0]:
                scale = f"{PAPER_FID}, {runs[0]['fid_samples']} samples ({runs[0]['fid_inception_features']})"
                cells.append(cell(*where, scale, {f"seed{r['seed']}": r["fid_inception"] for r in runs}, which))
    for selection in knn:
        for choice in selection["selected"]:
            runs, structure = choice["runs"], structure_id(selection["model"], choice["hp"])
            ks = {int(key.removeprefix("knn_error_k")) for r in runs for key in r if key.startswith("knn_error_k")}
            for metric in (f"knn_error_k{k}" for k in sorted(ks)):
                values = {f"seed{r['seed']}": r[metric] for r in runs}
                where = ("II", selection["dataset"], selection["model"], structure, metric)
                cells.append(cell(*where, "kNN error %", values, cell_of(selection, choice)))
    for runs in semisupervised:
        first = runs[0]
        summary, per_unit = SSL_TABLES.get(first["dataset"], ("III(a)", None))
        where = (first["dataset"], first["model"], first["labels_id"])
        per_unit_metrics = [k for k in first if k.startswith("test_f1_")]
        metrics = ["test_error"] if summary == "III(a)" else ["test_f1", *per_unit_metrics]
        for metric in metrics:
            table = summary if metric in ("test_error", "test_f1") else per_unit
            values = {f"seed{r['seed']} fold{r['fold']}": r[metric] for r in runs}
            name, scale = ("test_error", "test error %") if metric == "test_error" else (metric[5:], "test F1 %")
            cells.append(cell(table, *where, name, scale, values))
    return pd.DataFrame(cells)


def cell_of(selection: dict, choice: dict) -> str:
    return cell_id(selection["dataset"], selection["model"], choice["hp"])


def structure_distance(model: str, ours: str, paper: str) -> float:
    """How far apart two structures of ``model`` are: summed |log ratio| of their shared numbers (latent
    dimension, K, n_iw, label count); infinite when they name different hyperparameters.  The paper's
    MixtureCSRAE rows name no prior, so ours match them whatever their prior."""
    a, b = (structure_values(model, s) for s in (ours, paper))
    a.pop("prior", None)
    if set(a) != set(b):
        return math.inf
    return sum(abs(math.log(float(a[k]) / float(b[k]))) for k in a)


COMPARISON_COLUMNS = [
    "table", "paper_row", "paper_column", "dataset", "paper_dataset", "model", "structure", "paper_structure",
    "metric", "scale", "ours_mean", "ours_se", "n", "paper_mean", "paper_se", "comparable", "notes", "cell", "values",
]  # fmt: skip


def compare(ours: pd.DataFrame, meta: dict, epochs: dict) -> pd.DataFrame:
    """Each of our cells beside its paper cell, with notes; ``meta``: our datasets' prepared
    metadata (``sizes``), ``epochs``: our training epochs per table and dataset."""
    paper = paper_cells()
    rows = []
    for _, cell in ours.iterrows():
        paper_dataset = data_registry.paper_dataset(cell["dataset"])
        candidates = paper[
            (paper["table"] == cell["table"])
            & (paper["dataset"] == paper_dataset)
            & (paper["model"] == cell["model"])
            & (paper["metric"] == cell["metric"])
        ]
        if candidates.empty:
            continue
        distances = pd.Series(
            [structure_distance(cell["model"], cell["structure"], s) for s in candidates["structure"]],
            index=candidates.index,
        )
        if not np.isfinite(distances.min()):
            continue
        match = candidates.loc[distances.idxmin()]
        notes = []
        if paper_dataset != cell["dataset"]:
            notes.append(f"{cell['dataset']} is not a paper dataset: compared with {paper_dataset}")
        if distances.min() > 0:
            notes.append(f"closest paper structure {match['structure']}")
        comparable = cell["scale"].startswith(PAPER_FID) or cell["metric"] != "fid"
        if not comparable:
            notes.append(f"not comparable: {cell['scale']} vs the paper's {PAPER_FID}")
        sizes = meta.get(cell["dataset"], {}).get("sizes")
        paper_sizes = data_registry.paper_splits(cell["dataset"])
        if sizes and paper_sizes and tuple(sizes[s] for s in ("train", "val", "test")) != paper_sizes:
            notes.append("splits {train}/{val}/{test} vs ".format(**sizes) + "/".join(map(str, paper_sizes)))
        run_epochs = epochs.get(cell["table"], {}).get(cell["dataset"])
        if run_epochs is not None and run_epochs != PAPER_EPOCHS:
            notes.append(f"{run_epochs} epochs vs {PAPER_EPOCHS}")
        rows.append({
            "table": cell["table"], "paper_row": match["row"], "paper_column": match["column"],
            "dataset": cell["dataset"], "paper_dataset": paper_dataset, "model": cell["model"],
            "structure": cell["structure"], "paper_structure": match["structure"], "metric": cell["metric"],
            "scale": cell["scale"], "ours_mean": cell["mean"], "ours_se": cell["se"], "n": cell["n"],
            "paper_mean": match["mean"], "paper_se": match["se"], "comparable": comparable,
            "notes": "; ".join(notes + ([f"the paper: {match['note']}"] if pd.notna(match["note"]) else [])),
            "cell": cell["cell"], "values": cell["values"],
        })  # fmt: skip
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def best_per_model(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per table, dataset, metric and scale: each model's best cell on each side (lowest, or highest where
    higher is better), with our runs' values and the paper's standard error."""
    rows = []
    for key, group in comparison.groupby([*KEY, "model"], sort=False):
        sign = -1 if higher_is_better(key[2]) else 1
        ours = group.loc[(sign * group["ours_mean"]).idxmin()]
        paper = group.loc[(sign * group["paper_mean"]).idxmin()]
        rows.append(dict(zip([*KEY, "model"], key)) | {
            "ours_mean": ours["ours_mean"], "values": ours["values"], "cell": ours["cell"], "dataset": ours["dataset"],
            "paper_mean": paper["paper_mean"], "paper_se": paper["paper_se"],
        })  # fmt: skip
    columns = [*KEY, "model", "ours_mean", "values", "cell", "dataset", "paper_mean", "paper_se"]
    return pd.DataFrame(rows, columns=columns)


def ordered(models: list[str], means: list[float], tied: dict, metric: str) -> tuple[str, dict]:
    """The models best first, ``=`` between neighbours that cannot be told apart (``tied[a, b]`` for
    a < b); and each pair's relation (-1: first better, 0: tied, 1: second better)."""
    sign = -1 if higher_is_better(metric) else 1
    order = sorted(range(len(models)), key=lambda i: sign * means[i])
    text = models[order[0]]
    for previous, i in zip(order, order[1:]):
        text += (" = " if tied[min(previous, i), max(previous, i)] else " < ") + models[i]
    relation = {}
    for a in range(len(models)):
        for b in range(a + 1, len(models)):
            better = sign * (means[a] - means[b])
            relation[a, b] = 0 if tied[a, b] or better == 0 else (-1 if better < 0 else 1)
    return text, relation


def rankings(comparison: pd.DataFrame, level: float) -> pd.DataFrame:
    """The models ordered best first, ours beside the paper's, ties where a pair cannot be told apart (our
    seed-paired difference is not decided: Holm over the ranking's pairs at ``level``, and beyond the
    margin, :mod:`csrae.decisions`; the paper's difference is within its own error), and whether the orders
    agree: ``agrees`` when every pair is ordered the same way on both sides, ``disagrees`` when a pair is
    ordered opposite ways, else ``inconclusive``."""
    rows = []
    for key, group in best_per_model(comparison).groupby(KEY, sort=False):
        if len(group) < 2:
            continue
        metric, models = key[2], list(group["model"])
        values, paper = list(group["values"]), group[["paper_mean", "paper_se"]].to_numpy()
        pairs_ = list(itertools.combinations(range(len(models)), 2))
        tests = [paired_improvement(values[i], values[j], metric) for i, j in pairs_]
        adjusted = holm([test.p for test in tests])
        ours_tied = {
            pair: not (p <= level and abs(test.difference.mean) > test.margin)
            for pair, test, p in zip(pairs_, tests, adjusted)
        }
        paper_tied = {
            (i, j): paper_within_error(paper[i, 0] - paper[j, 0], paper[i, 1], paper[j, 1]) for i, j in pairs_
        }
        ours, ours_relation = ordered(models, list(group["ours_mean"]), ours_tied, metric)
        theirs, paper_relation = ordered(models, list(paper[:, 0]), paper_tied, metric)
        both = [(ours_relation[k], paper_relation[k]) for k in ours_relation]
        if any(o * t < 0 for o, t in both):
            agree = "disagrees"
        elif all(o == t != 0 for o, t in both):
            agree = "agrees"
        else:
            agree = "inconclusive"
        rows.append(dict(zip(KEY, key)) | {"ours": ours, "paper": theirs, "agree": agree})
    return pd.DataFrame(rows, columns=[*KEY, "ours", "paper", "agree"])


def gains(comparison: pd.DataFrame) -> pd.DataFrame:
    """Each model's improvement over the reference model (:func:`reference_model`), ours run by run with
    the same seed (the mean difference and the relative gain in % of the reference, with 95 % intervals)
    beside the paper's (each on its own scale), one effect each, before any decision; the family of each
    is one dataset's gains in one paper table."""
    rows = []
    for key, group in best_per_model(comparison).groupby(KEY, sort=False):
        group, reference = group.set_index("model"), reference_model(key[0])
        if reference not in group.index:
            continue
        base = group.loc[reference]
        for model in group.index.drop(reference):
            other = group.loc[model]
            ours = paired_improvement(base["values"], other["values"], key[2])
            paper_difference = improvement(base["paper_mean"], other["paper_mean"], key[2])
            table, paper_dataset = key[0], key[1]
            rows.append({
                "id": "|".join(["gain", *map(str, key), model, reference]), "family": f"Table {table} {paper_dataset}",
                "subject": model, "object": reference, "dataset": base["dataset"], "study": None,
                "cells": [c for c in (base["cell"], other["cell"]) if isinstance(c, str)],
                **dict(zip(KEY, key)), "reference": reference, "model": model, **ours.row(),
                "gain": ours.gain.mean, "gain_low": ours.gain.low, "gain_high": ours.gain.high,
                "paper_difference": paper_difference, "paper_gain": 100 * paper_difference / abs(base["paper_mean"]),
                "paper_within_error": paper_within_error(paper_difference, base["paper_se"], other["paper_se"]),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=GAIN_COLUMNS)


def verdicts(decided: pd.DataFrame) -> pd.DataFrame:
    """The decided gains (:func:`csrae.decisions.look` of :func:`gains`) with the verdict against the
    paper (:func:`csrae.paired.verdict`)."""
    found = [
        verdict(bool(r["decided"]), r["mean"], r["paper_difference"], bool(r["paper_within_error"]))
        for _, r in decided.iterrows()
    ]
    return decided.assign(verdict=pd.Series(found, index=decided.index, dtype=object))


GAIN_COLUMNS = [
    "id", "family", "subject", "object", "dataset", "study", "cells", *KEY, "reference", "model", *EFFECT_STATISTICS,
    "gain", "gain_low", "gain_high", "paper_difference", "paper_gain", "paper_within_error",
]  # fmt: skip
