"""Selection over the semi-supervised sweep and the tables of Sec. 4.5 (Table III) and Appendix B.2 (VII, VIII).

Each run is a record of :func:`csrae.semisupervised.training.train_semisupervised`
plus its setting ``hp``.  Per dataset, model and label budget the setting
with the lowest mean validation error (over seeds and folds) is selected;
its test error or F1 is reported as mean ± standard error over those runs.
"""

import numpy as np
import pandas as pd

from csrae.selection import mean_and_standard_error, mean_se_cell, summarise_settings

GROUP = ["dataset", "model", "labels"]
PART = {"disfa": "b", "fera2015": "c"}  # Table III(a) holds the digit datasets
AU_TABLE = {"disfa": "table7", "fera2015": "table8"}


def sweep_summary(records: list[dict]) -> pd.DataFrame:
    """One row per setting: means of every numeric metric over seeds and folds (runs that diverged left
    out and named in ``diverged``), the run count, ``selected``."""
    summary = summarise_settings(pd.DataFrame(records), [*GROUP, "hp"], ["fold", "seed"], "val_error")
    summary = summary.sort_values([*GROUP, "val_error"], kind="stable").reset_index(drop=True)
    summary["selected"] = ~summary.duplicated(GROUP) & (summary["n_runs"] > 0)
    return summary


def selected_runs(records: list[dict]) -> list[list[dict]]:
    """Per dataset, model and label budget: the runs (seeds, folds) of its selected setting that did not diverge."""
    summary = sweep_summary(records)
    chosen = {(*row[GROUP], row["hp"]) for _, row in summary[summary["selected"]].iterrows()}
    groups: dict[tuple, list[dict]] = {}
    for record in records:
        key = tuple(record[k] for k in [*GROUP, "hp"])
        if key in chosen and "diverged" not in record:
            groups.setdefault(key, []).append(record)
    return list(groups.values())


def table3(selections: list[list[dict]]) -> pd.DataFrame:
    """Table III: test error (digits, part a) or mean F1 (faces, parts b and c) of each selected setting."""
    rows = []
    for runs in selections:
        dataset, model = runs[0]["dataset"], runs[0]["model"]
        metric = "error" if "test_error" in runs[0] else "f1"
        mean, se = mean_and_standard_error([r[f"test_{metric}"] for r in runs])
        rows.append({
            "part": PART.get(dataset, "a"),
            "dataset": dataset,
            "model": model,
            "labels": runs[0]["labels_id"],
            "metric": metric,
            "test_mean": mean,
            "test_se": se,
            "n_runs": len(runs),
            "hp": runs[0]["hp"],
        })  # fmt: skip
    return pd.DataFrame(rows).sort_values(["part", "dataset"], kind="stable").reset_index(drop=True)


def au_table(selections: list[list[dict]], dataset: str) -> pd.DataFrame:
    """Tables VII/VIII: per action unit (and their average), the mean test F1 of each model and label budget."""
    columns = {}
    for runs in selections:
        if runs[0]["dataset"] != dataset:
            continue
        model = runs[0]["model"]
        units = [k.removeprefix("test_f1_") for k in runs[0] if k.startswith("test_f1_")]
        values = [np.mean([r[f"test_f1_{u}"] for r in runs]) for u in units]
        columns[f"{model} ({runs[0]['labels_id']})"] = [*values, np.mean([r["test_f1"] for r in runs])]
    if not columns:
        raise ValueError(f"no face runs of {dataset!r} were selected")
    return pd.DataFrame(columns, index=pd.Index([*units, "Avg."], name="AU")).reset_index()


def table3_markdown(table: pd.DataFrame) -> str:
    """Each part as its own Markdown table: models by rows, label budgets by columns, mean ± se."""
    out = []
    for (part, dataset), rows in table.groupby(["part", "dataset"], sort=False):
        metric = rows["metric"].iloc[0]
        title = "test error (%), lower is better" if metric == "error" else "mean test F1 (%), higher is better"
        budgets = list(dict.fromkeys(rows["labels"]))
        out += [f"({part}) {dataset}: {title}", "", "| model | " + " | ".join(budgets) + " |"]
        out.append("|---|" + "---|" * len(budgets))
        for model, model_rows in rows.groupby("model", sort=False):
            cells = {r["labels"]: mean_se_cell(r["test_mean"], r["test_se"]) for _, r in model_rows.iterrows()}
            out.append(f"| {model} | " + " | ".join(cells.get(b, "") for b in budgets) + " |")
        out.append("")
    return "\n".join(out)
