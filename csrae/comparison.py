"""How close a run comes to the paper: its Tables I, II and III(a) beside the paper's reported numbers.

The paper's cells are data (``paper_tables.csv``: every cell with its table, row and column).  A cell
of ours meets the paper's cell of the same model and metric on the same dataset, or on the closest
paper dataset, and of the same structure, or the model's closest one; the notes beside each pair say
which, and where the two measures differ (feature extractor, splits, epochs).  Numbers on different
scales (our domain FID, the paper's Inception FID) stand side by side marked not comparable: what is
compared across scales is each side's ranking of the models and their improvement over the VAE.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from csrae.naming import structure_id

PAPER_TABLES = Path(__file__).with_name("paper_tables.csv")
PAPER_EPOCHS = 400  # Table IV(a)
PAPER_SPLITS = {  # Table V: train / validation / test
    "static_mnist": (45000, 5000, 10000),
    "dynamic_mnist": (45000, 5000, 10000),
    "omniglot": (23128, 1217, 8070),
    "caltech101": (4100, 2264, 2307),
    "cifar10": (45000, 5000, 10000),
}
# Our datasets that are not the paper's, and the paper dataset each is compared with.
CLOSEST_PAPER_DATASET = {"mnist5k": "dynamic_mnist", "fashion_mnist": "dynamic_mnist"}
PAPER_FID = "Inception FID"
KEY = ["table", "paper_dataset", "metric", "scale"]


def paper_cells() -> pd.DataFrame:
    return pd.read_csv(PAPER_TABLES, comment="#", dtype={"structure": str})


def our_cells(table1: pd.DataFrame, table2: pd.DataFrame, table3: pd.DataFrame | None) -> pd.DataFrame:
    """Our tables as cells: table, dataset, model, structure, metric, scale, mean, se, n."""
    cells = []
    for _, row in table1.iterrows():
        base = {"table": "I", "dataset": row["dataset"], "model": row["model"], "n": row["n_seeds"]}
        base["structure"] = structure_id(row["model"], row["hp"])
        if row.get("fid_features") != "raw data":
            scale = f"FID on the {row['fid_features']}, {row['fid_samples']} samples"
            cells.append(base | {"metric": "fid", "scale": scale, "mean": row["fid_mean"], "se": row["fid_se"]})
        if pd.notna(row.get("fid_inception_mean", np.nan)):
            scale = f"{PAPER_FID}, {row['fid_samples']} samples ({row['fid_inception_features']})"
            mean, se = row["fid_inception_mean"], row["fid_inception_se"]
            cells.append(base | {"metric": "fid", "scale": scale, "mean": mean, "se": se})
    for _, row in table2.iterrows():
        structure = structure_id(row["model"], row["hp"])
        for k in (3, 5, 10):
            metric = f"knn_error_k{k}"
            cells.append({
                "table": "II", "dataset": row["dataset"], "model": row["model"], "structure": structure,
                "metric": metric, "scale": "kNN error %", "mean": row[f"{metric}_mean"], "se": row[f"{metric}_se"],
                "n": row["n_seeds"],
            })  # fmt: skip
    digit_rows = table3[table3["part"] == "a"].iterrows() if table3 is not None else ()
    for _, row in digit_rows:
        cells.append({
            "table": "III(a)", "dataset": row["dataset"], "model": row["model"], "structure": row["labels"],
            "metric": "test_error", "scale": "test error %", "mean": row["test_mean"], "se": row["test_se"],
            "n": row["n_runs"],
        })  # fmt: skip
    return pd.DataFrame(cells)


def structure_distance(ours: str, paper: str) -> float:
    """How far apart two structures are: summed |log ratio| of their shared numbers (latent dimension,
    K, n_iw, label count); infinite when they name different hyperparameters.  The paper's
    MixtureCSRAE rows name no prior, so ours match them whatever their prior."""
    a, b = (dict(item.split("=", 1) for item in s.split("_") if "=" in item) for s in (ours, paper))
    a.pop("prior", None)
    if set(a) != set(b):
        return math.inf
    return sum(abs(math.log(float(a[k]) / float(b[k]))) for k in a)


COMPARISON_COLUMNS = [
    "table", "paper_row", "paper_column", "dataset", "paper_dataset", "model", "structure", "paper_structure",
    "metric", "scale", "ours_mean", "ours_se", "n", "paper_mean", "paper_se", "comparable", "notes",
]  # fmt: skip


def compare(ours: pd.DataFrame, meta: dict, epochs: dict) -> pd.DataFrame:
    """Each of our cells beside its paper cell, with notes; ``meta``: our datasets' prepared
    metadata (``sizes``), ``epochs``: our training epochs per table and dataset."""
    paper = paper_cells()
    rows = []
    for _, cell in ours.iterrows():
        paper_dataset = CLOSEST_PAPER_DATASET.get(cell["dataset"], cell["dataset"])
        candidates = paper[
            (paper["table"] == cell["table"])
            & (paper["dataset"] == paper_dataset)
            & (paper["model"] == cell["model"])
            & (paper["metric"] == cell["metric"])
        ]
        if candidates.empty:
            continue
        distances = pd.Series(
            [structure_distance(cell["structure"], s) for s in candidates["structure"]], index=candidates.index
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
        paper_sizes = PAPER_SPLITS[paper_dataset]
        if sizes and tuple(sizes[s] for s in ("train", "val", "test")) != paper_sizes:
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
            "notes": "; ".join(notes),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def best_per_model(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per table, dataset, metric and scale: each model's best (lowest) value on each side, over the
    cells that both sides have."""
    return comparison.groupby([*KEY, "model"], sort=False)[["ours_mean", "paper_mean"]].min().reset_index()


def rankings(comparison: pd.DataFrame) -> pd.DataFrame:
    """The models ordered best first, ours beside the paper's, and whether the orders agree."""
    rows = []
    for key, group in best_per_model(comparison).groupby(KEY, sort=False):
        if len(group) < 2:
            continue
        ours = " < ".join(group.sort_values("ours_mean", kind="stable")["model"])
        paper = " < ".join(group.sort_values("paper_mean", kind="stable")["model"])
        rows.append(dict(zip(KEY, key)) | {"ours": ours, "paper": paper, "agree": ours == paper})
    return pd.DataFrame(rows, columns=[*KEY, "ours", "paper", "agree"])


def improvements(comparison: pd.DataFrame) -> pd.DataFrame:
    """CSRAE's and MixtureCSRAE's relative improvement over the VAE, (VAE − model) / VAE in %, ours
    beside the paper's (each on its own scale), flagged where the direction disagrees."""
    rows = []
    for key, group in best_per_model(comparison).groupby(KEY, sort=False):
        group = group.set_index("model")
        if "VAE" not in group.index:
            continue
        for model in ("CSRAE", "MixtureCSRAE"):
            if model not in group.index:
                continue
            ours, paper = (
                100 * (group.loc["VAE", side] - group.loc[model, side]) / group.loc["VAE", side]
                for side in ("ours_mean", "paper_mean")
            )
            rows.append(dict(zip(KEY, key)) | {
                "model": model, "ours_gain": ours, "paper_gain": paper,
                "direction": "agrees" if np.sign(ours) == np.sign(paper) else "DISAGREES",
            })  # fmt: skip
    return pd.DataFrame(rows, columns=[*KEY, "model", "ours_gain", "paper_gain", "direction"])


def cell_text(mean: float, se: float) -> str:
    return f"{mean:.2f}" + ("" if pd.isna(se) else f" ± {se:.2f}")


def to_markdown(comparison: pd.DataFrame, ranks: pd.DataFrame, gains: pd.DataFrame) -> str:
    """The three parts as Markdown: cells, rankings, improvements over the VAE."""
    lines = ["## Our numbers beside the paper's", ""]
    lines += ["| table | paper cell | ours | paper | notes |", "|---|---|---|---|---|"]
    for _, r in comparison.iterrows():
        cell = f"{r['paper_row']}, {r['paper_column']}"
        ours = f"{r['dataset']} {r['model']} {r['structure']}: {cell_text(r['ours_mean'], r['ours_se'])}"
        lines.append(f"| {r['table']} | {cell} | {ours} | {cell_text(r['paper_mean'], r['paper_se'])} | {r['notes']} |")
    lines += ["", "## Rankings (best first)", "", "| table | dataset | metric | our measure | ours | paper | agree |"]
    lines.append("|---|---|---|---|---|---|---|")
    for _, r in ranks.iterrows():
        agree = "yes" if r["agree"] else "no"
        where = f"| {r['table']} | {r['paper_dataset']} | {r['metric']} | {r['scale']} |"
        lines.append(f"{where} {r['ours']} | {r['paper']} | {agree} |")
    lines += ["", "## Improvement over the VAE, (VAE − model) / VAE", ""]
    lines += ["| table | dataset | metric | model | ours | paper | direction |", "|---|---|---|---|---|---|---|"]
    for _, r in gains.iterrows():
        lines.append(
            f"| {r['table']} | {r['paper_dataset']} | {r['metric']} | {r['model']} | "
            f"{r['ours_gain']:+.1f} % | {r['paper_gain']:+.1f} % | {r['direction']} |"
        )
    return "\n".join(lines) + "\n"
