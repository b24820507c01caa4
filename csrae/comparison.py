"""How close a run comes to the paper: its Tables I, II and III beside the paper's reported numbers.

The paper's cells are data (``paper_tables.csv``: every cell with its table, row and column).  A cell
of ours meets the paper's cell of the same model and metric on the same dataset, or on the closest
paper dataset, and of the same structure, or the model's closest one; the notes beside each pair say
which, and where the two measures differ (feature extractor, splits, epochs).  Numbers on different
scales (our domain FID, the paper's Inception FID) stand side by side marked not comparable: what is
compared across scales is each side's ranking of the models and their improvement over the reference
model (the VAE; VampPriorVAE on the face datasets, as the paper compares them).

Our cells are read from the per-run records, and models are compared run by run with the same seed
(:mod:`csrae.paired`): a difference is a verdict only where its 95 % interval excludes zero and the
paper's difference lies outside the paper's own error; otherwise it is ``inconclusive``.
"""

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd

from csrae.data import registry as data_registry
from csrae.metrics.registry import higher_is_better
from csrae.naming import structure_id, structure_values
from csrae.paired import (
    Interval,
    improvement,
    paired_improvement,
    pairs,
    paper_within_error,
    verdict,
)
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


def cell(table, dataset, model, structure, metric, scale, values: dict) -> dict:
    """One of our cells: its mean and standard error over runs, and the runs' values by run key."""
    array = np.asarray(list(values.values()), dtype=float)
    se = array.std(ddof=1) / math.sqrt(len(array)) if len(array) > 1 else math.nan
    return {
        "table": table, "dataset": dataset, "model": model, "structure": structure, "metric": metric,
        "scale": scale, "mean": float(array.mean()), "se": float(se), "n": len(array), "values": values,
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
            where = ("I", selection["dataset"], selection["model"], structure, "fid")
            if runs[0].get("fid_features") != "raw data":
                scale = f"FID on the {runs[0]['fid_features']}, {runs[0]['fid_samples']} samples"
                cells.append(cell(*where, scale, {f"seed{r['seed']}": r["fid"] for r in runs}))
            if "fid_inception" in runs[0]:
                scale = f"{PAPER_FID}, {runs[0]['fid_samples']} samples ({runs[0]['fid_inception_features']})"
                cells.append(cell(*where, scale, {f"seed{r['seed']}": r["fid_inception"] for r in runs}))
    for selection in knn:
        for choice in selection["selected"]:
            runs, structure = choice["runs"], structure_id(selection["model"], choice["hp"])
            ks = {int(key.removeprefix("knn_error_k")) for r in runs for key in r if key.startswith("knn_error_k")}
            for metric in (f"knn_error_k{k}" for k in sorted(ks)):
                values = {f"seed{r['seed']}": r[metric] for r in runs}
                where = ("II", selection["dataset"], selection["model"], structure, metric)
                cells.append(cell(*where, "kNN error %", values))
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
    "metric", "scale", "ours_mean", "ours_se", "n", "paper_mean", "paper_se", "comparable", "notes", "values",
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
            "values": cell["values"],
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
            "ours_mean": ours["ours_mean"], "values": ours["values"],
            "paper_mean": paper["paper_mean"], "paper_se": paper["paper_se"],
        })  # fmt: skip
    return pd.DataFrame(rows, columns=[*KEY, "model", "ours_mean", "values", "paper_mean", "paper_se"])


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


def rankings(comparison: pd.DataFrame) -> pd.DataFrame:
    """The models ordered best first, ours beside the paper's, ties where a pair cannot be told apart
    (our seed-paired interval of their difference covers zero; the paper's difference is within its
    own error), and whether the orders agree: ``agrees`` when every pair is ordered the same way on
    both sides, ``disagrees`` when a pair is ordered opposite ways, else ``inconclusive``."""
    rows = []
    for key, group in best_per_model(comparison).groupby(KEY, sort=False):
        if len(group) < 2:
            continue
        metric, models = key[2], list(group["model"])
        values, paper = list(group["values"]), group[["paper_mean", "paper_se"]].to_numpy()
        ours_tied, paper_tied = {}, {}
        for i, j in itertools.combinations(range(len(models)), 2):
            ours_tied[i, j] = not paired_improvement(values[i], values[j], metric).decided
            paper_tied[i, j] = paper_within_error(paper[i, 0] - paper[j, 0], paper[i, 1], paper[j, 1])
        ours, ours_relation = ordered(models, list(group["ours_mean"]), ours_tied, metric)
        theirs, paper_relation = ordered(models, list(paper[:, 0]), paper_tied, metric)
        pairs_ = [(ours_relation[k], paper_relation[k]) for k in ours_relation]
        if any(o * t < 0 for o, t in pairs_):
            agree = "disagrees"
        elif all(o == t != 0 for o, t in pairs_):
            agree = "agrees"
        else:
            agree = "inconclusive"
        rows.append(dict(zip(KEY, key)) | {"ours": ours, "paper": theirs, "agree": agree})
    return pd.DataFrame(rows, columns=[*KEY, "ours", "paper", "agree"])


def improvements(comparison: pd.DataFrame) -> pd.DataFrame:
    """Each model's improvement over the reference model (:func:`reference_model`), ours run by run
    with the same seed (the mean difference and the relative gain in % of the reference, with 95 %
    intervals) beside the paper's (each on its own scale), and the verdict (:func:`csrae.paired.verdict`)."""
    rows = []
    for key, group in best_per_model(comparison).groupby(KEY, sort=False):
        group, reference = group.set_index("model"), reference_model(key[0])
        if reference not in group.index:
            continue
        base = group.loc[reference]
        for model in group.index.drop(reference):
            other = group.loc[model]
            ours = paired_improvement(base["values"], other["values"], key[2])
            difference, gain = ours.difference, ours.gain
            paper_difference = improvement(base["paper_mean"], other["paper_mean"], key[2])
            uncertain = paper_within_error(paper_difference, base["paper_se"], other["paper_se"])
            both, _ = pairs(base["values"], other["values"])
            rows.append(dict(zip(KEY, key)) | {
                "reference": reference, "model": model, "pairs": len(both),
                "left_out": ", ".join(ours.left_out), "ours_difference": difference.mean,
                "ours_difference_low": difference.low, "ours_difference_high": difference.high,
                "ours_gain": gain.mean, "ours_gain_low": gain.low, "ours_gain_high": gain.high,
                "paper_difference": paper_difference, "paper_gain": 100 * paper_difference / abs(base["paper_mean"]),
                "margin": ours.margin, "paper_within_error": uncertain,
                "verdict": verdict(ours, paper_difference, uncertain),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=[*KEY, *GAIN_COLUMNS])


GAIN_COLUMNS = [
    "reference", "model", "pairs", "left_out", "ours_difference", "ours_difference_low", "ours_difference_high",
    "ours_gain", "ours_gain_low", "ours_gain_high", "margin", "paper_difference", "paper_gain", "paper_within_error",
    "verdict",
]  # fmt: skip
RULE = (
    "Models are compared run by run with the same seed (and fold): a difference is a verdict only where "
    "its 95 % t interval over those pairs excludes zero, it exceeds the two models' standard errors added "
    "(so that moving every run by its standard error cannot reverse it), and the paper's difference lies "
    "outside the paper's own error (95 %, where it reports one); otherwise it is inconclusive, and such a "
    "pair is a tie (=) in the rankings."
)


def cell_text(mean: float, se: float) -> str:
    return f"{mean:.2f}" + ("" if pd.isna(se) else f" ± {se:.2f}")


def to_markdown(comparison: pd.DataFrame, ranks: pd.DataFrame, gains: pd.DataFrame) -> str:
    """The three parts as Markdown: cells, rankings, improvements over the reference model."""
    lines = ["## Our numbers beside the paper's", ""]
    lines += ["| table | paper cell | ours | paper | notes |", "|---|---|---|---|---|"]
    for _, r in comparison.iterrows():
        cell_ = f"{r['paper_row']}, {r['paper_column']}"
        ours = f"{r['dataset']} {r['model']} {r['structure']}: {cell_text(r['ours_mean'], r['ours_se'])}"
        paper = cell_text(r["paper_mean"], r["paper_se"])
        lines.append(f"| {r['table']} | {cell_} | {ours} | {paper} | {r['notes']} |")
    lines += ["", RULE, "", "## Rankings (best first)", ""]
    lines += ["| table | dataset | metric | our measure | ours | paper | orders |", "|---|---|---|---|---|---|---|"]
    for _, r in ranks.iterrows():
        where = f"| {r['table']} | {r['paper_dataset']} | {r['metric']} | {r['scale']} |"
        lines.append(f"{where} {r['ours']} | {r['paper']} | {r['agree']} |")
    lines += ["", "## Improvement over the reference model (VAE; VampPriorVAE on the faces)", ""]
    lines += [
        "| table | dataset | metric | model vs reference | ours: difference [95 %] | ours: gain [95 %] | paper "
        "| verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, r in gains.iterrows():
        difference = Interval(r["pairs"], r["ours_difference"], r["ours_difference_low"], r["ours_difference_high"])
        gain = Interval(r["pairs"], r["ours_gain"], r["ours_gain_low"], r["ours_gain_high"])
        paper = f"{r['paper_difference']:+.2f} ({r['paper_gain']:+.1f} %)"
        paper += " within its error" if r["paper_within_error"] else ""
        pairs_ = f"{r['pairs']} pairs" + (f"; left out: {r['left_out']}" if r["left_out"] else "")
        lines.append(
            f"| {r['table']} | {r['paper_dataset']} | {r['metric']} | {r['model']} vs {r['reference']} ({pairs_}) | "
            f"{difference.text()} | {gain.text(' %', 1)} | {paper} | {r['verdict']} |"
        )
    return "\n".join(lines) + "\n"
