"""Model selection over a sweep (paper Sec. 3.1) and aggregation over seeds.

Each evaluated run is a flat record: ``dataset, model, hp, seed`` plus the
metrics of :func:`csrae.evaluation.evaluate`.  The selected configuration of
a model on a dataset minimises the validation criterion RE + regulariser
(RE + CS, or RE + KL for the VAE), averaged over seeds.
"""

import numpy as np
import pandas as pd

CRITERION = "val_criterion"


def sweep_summary(records: list[dict]) -> pd.DataFrame:
    """One row per hyperparameter setting: seed means of every numeric metric, with the seed count."""
    frame = pd.DataFrame(records)
    numeric = [c for c in frame.columns if c != "seed" and pd.api.types.is_numeric_dtype(frame[c])]
    summary = frame.groupby("hp", sort=False)[numeric].mean()
    summary["n_seeds"] = frame.groupby("hp", sort=False)["seed"].nunique()
    summary["pareto"] = pareto_front(summary["val_reg"].to_numpy(), summary["val_re"].to_numpy())
    return summary.reset_index().sort_values(CRITERION, kind="stable")


def pareto_front(regulariser: np.ndarray, reconstruction: np.ndarray) -> np.ndarray:
    """Mask of points no other point beats in both coordinates (lower is better in each)."""
    points = np.stack([regulariser, reconstruction], axis=1)
    dominated = [bool(np.any(np.all(points <= p, axis=1) & np.any(points < p, axis=1))) for p in points]
    return ~np.asarray(dominated)


def select(records: list[dict]) -> tuple[str, pd.DataFrame]:
    """The hyperparameter setting with the lowest mean validation criterion, and the sweep summary."""
    summary = sweep_summary(records)
    return str(summary.iloc[0]["hp"]), summary


def mean_and_standard_error(values) -> tuple[float, float]:
    """Mean and standard error over seeds (NaN error for a single seed)."""
    values = np.asarray(values, dtype=float)
    se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
    return float(values.mean()), float(se)


def results_table(selected: list[dict], metrics: list[str], labels: list[str]) -> pd.DataFrame:
    """One row per (dataset, model): the selected setting's metrics as mean and standard error.

    ``selected`` holds, per (dataset, model), a dict with ``dataset``, ``model``,
    ``hp`` and ``runs`` (the per-seed records of the selected setting); ``labels``
    names extra columns copied from the runs (feature extractor, sample counts).
    """
    rows = []
    for entry in selected:
        runs = pd.DataFrame(entry["runs"])
        row = {"dataset": entry["dataset"], "model": entry["model"], "hp": entry["hp"], "n_seeds": len(runs)}
        for metric in metrics:
            if metric in runs:
                row[f"{metric}_mean"], row[f"{metric}_se"] = mean_and_standard_error(runs[metric])
        row |= {label: runs[label].iloc[0] for label in labels if label in runs}
        rows.append(row)
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame, metrics: list[str], digits: int = 2) -> str:
    """Render ``mean ± se`` cells as a Markdown table."""
    header_extra = [
        c for c in table.columns if c not in ("dataset", "model", "hp") and not c.endswith(("_mean", "_se"))
    ]
    columns = ["dataset", "model", "hp", *[m for m in metrics if f"{m}_mean" in table], *header_extra]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in table.iterrows():
        cells = []
        for column in columns:
            if column in metrics:
                mean, se = row[f"{column}_mean"], row[f"{column}_se"]
                cells.append(f"{mean:.{digits}f}" + ("" if np.isnan(se) else f" ± {se:.{digits}f}"))
            else:
                cells.append(str(row[column]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
