"""Model selection over a sweep (paper Sec. 3.1, 4.4) and aggregation over seeds.

Each evaluated run is a flat record: ``dataset, model, hp, seed`` plus the
metrics of :func:`csrae.evaluation.evaluate`; ``hp`` is the run's setting
(:func:`csrae.models.setting_id`).  Settings that differ only in the
regulariser weight share a *structure* (latent dimension, K, n_iw, prior);
selection picks, per structure, the weight with the lowest seed-mean of the
criterion: validation RE + regulariser (RE + CS, or RE + KL for the VAE) for
the generative tables, validation kNN error for the kNN study.

A run that diverged (its record has ``diverged``, :mod:`csrae.trainer`) is
left out of the seed means and of selection, and named in the sweep's
``diverged`` column; a setting whose seeds all diverged stays in the sweep,
with no metrics and ``n_seeds`` 0, and is never selected.
"""

import numpy as np
import pandas as pd

from csrae.naming import describe_divergence, structure_id
from csrae.provenance import code_version

CRITERION = "val_criterion"
CRITERIA = {"generative": CRITERION, "knn": "val_knn_error"}


def sweep_summary(records: list[dict], criterion: str = CRITERION) -> pd.DataFrame:
    """One row per setting: seed means of every numeric metric over the runs that did not diverge, their
    count ``n_seeds``, ``n_diverged`` and ``diverged`` (which seeds, where), and the Pareto mask.

    Rows are grouped by structure and sorted by ``criterion`` within it (settings without finite runs last).
    """
    frame = pd.DataFrame(records)
    frame["structure"] = [structure_id(m, hp) for m, hp in zip(frame["model"], frame["hp"])]
    summary = summarise_settings(frame, ["structure", "hp"], "seed", criterion)
    summary = summary.rename(columns={"n_runs": "n_seeds"})
    summary["pareto"] = False
    for _, rows in summary[summary["n_seeds"] > 0].groupby("structure", sort=False):
        summary.loc[rows.index, "pareto"] = pareto_front(rows["val_reg"].to_numpy(), rows["val_re"].to_numpy())
    return summary.sort_values(["structure", criterion], kind="stable").reset_index(drop=True)


def summarise_settings(frame: pd.DataFrame, keys: list[str], run_columns, criterion: str) -> pd.DataFrame:
    """Means of the numeric metrics per ``keys`` over runs without ``diverged``; ``n_runs``, ``n_diverged``
    and ``diverged`` (the diverged runs, named by ``run_columns``, and where they diverged)."""
    run_columns = [run_columns] if isinstance(run_columns, str) else list(run_columns)
    diverged = frame["diverged"].notna() if "diverged" in frame else pd.Series(False, index=frame.index)
    if criterion not in frame:
        if not diverged.all():
            raise ValueError(f"the runs have no {criterion!r} metric to select on (metrics: {sorted(frame.columns)})")
        frame = frame.assign(**{criterion: np.nan})
    excluded = set(keys) | set(run_columns) | {"labels"}
    numeric = [c for c in frame.columns if c not in excluded and pd.api.types.is_numeric_dtype(frame[c])]
    finite, failed = frame[~diverged], frame[diverged]
    failed = failed.assign(
        diverged=[
            " ".join(f"{c} {row[c]}" for c in run_columns) + f": {describe_divergence(row['diverged'])}"
            for _, row in failed.iterrows()
        ]
    )
    counts = {"n_runs": finite, "n_diverged": failed}
    summary = frame[keys].drop_duplicates().merge(finite.groupby(keys)[numeric].mean().reset_index(), how="left")
    for column, runs in counts.items():
        summary = summary.merge(runs.groupby(keys).size().rename(column).reset_index(), how="left")
        summary[column] = summary[column].fillna(0).astype(int)
    notes = failed.groupby(keys)["diverged"].agg("; ".join).astype(object).reset_index()
    summary = summary.merge(notes, how="left")
    summary["diverged"] = summary["diverged"].astype(object).fillna("")
    return summary


def pareto_front(regulariser: np.ndarray, reconstruction: np.ndarray) -> np.ndarray:
    """Mask of points no other point beats in both coordinates (lower is better in each)."""
    points = np.stack([regulariser, reconstruction], axis=1)
    dominated = [bool(np.any(np.all(points <= p, axis=1) & np.any(points < p, axis=1))) for p in points]
    return ~np.asarray(dominated)


def select(records: list[dict], criterion: str = CRITERION) -> tuple[dict[str, str], pd.DataFrame]:
    """Per structure, the setting with the lowest seed-mean ``criterion``; and the sweep summary.

    The summary's ``selected`` column marks the chosen settings.
    """
    summary = sweep_summary(records, criterion)
    best = summary[summary["n_seeds"] > 0].groupby("structure", sort=False).head(1)
    summary["selected"] = summary["hp"].isin(best["hp"])
    return dict(zip(best["structure"], best["hp"])), summary


def mean_and_standard_error(values) -> tuple[float, float]:
    """Mean and standard error over seeds (NaN error for a single seed)."""
    values = np.asarray(values, dtype=float)
    se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
    return float(values.mean()), float(se)


def results_table(selections: list[dict], metrics: list[str], labels: list[str]) -> pd.DataFrame:
    """One row per (dataset, model, structure): the selected setting's metrics as mean and standard error.

    Each entry of ``selections`` holds ``dataset``, ``model`` and ``selected``:
    per structure, the chosen ``hp`` and its ``runs`` (per-seed records);
    ``labels`` names extra columns copied from the runs (feature extractor,
    sample counts).
    """
    rows = []
    for entry in selections:
        for choice in entry["selected"]:
            runs = pd.DataFrame(choice["runs"])
            row = {"dataset": entry["dataset"], "model": entry["model"], "hp": choice["hp"], "n_seeds": len(runs)}
            for metric in metrics:
                if metric in runs:
                    row[f"{metric}_mean"], row[f"{metric}_se"] = mean_and_standard_error(runs[metric])
            row |= {label: runs[label].iloc[0] for label in labels if label in runs}
            row["code"] = code_versions(choice["runs"])
            rows.append(row)
    return pd.DataFrame(rows)


def code_versions(runs: list[dict]) -> str:
    """The code that trained and evaluated ``runs`` (records with provenance), each version once."""
    versions = [code_version(r[k]) for r in runs for k in ("trained_with", "provenance") if k in r]
    return "; ".join(dict.fromkeys(versions))


def mean_se_cell(mean: float, se: float, digits: int = 2) -> str:
    """``mean ± se`` (just the mean where the standard error is undefined: one seed)."""
    return f"{mean:.{digits}f}" + ("" if np.isnan(se) else f" ± {se:.{digits}f}")


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
                cells.append(mean_se_cell(mean, se, digits))
            else:
                cells.append(str(row[column]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def diverged_table(sweeps: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every setting with diverged runs, from sweep summaries keyed by their name (study/dataset/model):
    ``sweep, hp, n_diverged, n_finite, diverged`` (a setting with ``n_finite`` 0 could not be selected)."""
    columns = ["sweep", "hp", "n_diverged", "n_finite", "diverged"]
    rows = []
    for name, summary in sweeps.items():
        runs = "n_seeds" if "n_seeds" in summary else "n_runs"
        for _, row in summary[summary["n_diverged"] > 0].iterrows():
            rows.append([name, row["hp"], int(row["n_diverged"]), int(row[runs]), row["diverged"]])
    return pd.DataFrame(rows, columns=columns)
