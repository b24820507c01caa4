"""Selection over the semi-supervised sweep and the tables of Sec. 4.5 (Table III) and Appendix B.2 (VII, VIII).

Each run is a record of :func:`csrae.semisupervised.training.train_semisupervised`
plus its setting ``hp``.  Per dataset, model and label budget the setting
with the lowest mean validation error (over seeds and folds) is selected;
its test error or F1 is reported as mean ± standard error over those runs.
"""

import re

import numpy as np
import pandas as pd

from csrae.selection import mean_and_standard_error, mean_se_cell

GROUP = ["dataset", "model", "labels"]
PART = {"disfa": "b", "fera2015": "c"}  # Table III(a) holds the digit datasets
AU_TABLE = {"disfa": "table7", "fera2015": "table8"}


def labels_id(labels: float, fraction: bool, supervised: bool = False) -> str:
    """The label budget as a path part: ``n=250`` (a count), ``p=0.1`` (a fraction) or ``all`` (supervised)."""
    if supervised:
        return "all"
    return f"p={labels:g}" if fraction else f"n={int(labels)}"


def parse_labels_id(text: str) -> float:
    """Inverse of :func:`labels_id`."""
    if text == "all":
        return 1.0
    match = re.fullmatch(r"(n|p)=([0-9.]+)", text)
    if not match:
        raise ValueError(f"{text!r} is not a label budget of the form n=<count>, p=<fraction> or all")
    return float(match[2])


def sweep_summary(records: list[dict]) -> pd.DataFrame:
    """One row per setting: means of every numeric metric over seeds and folds, the run count, ``selected``."""
    frame = pd.DataFrame(records)
    numeric = [
        c for c in frame.columns if c not in ("seed", "fold", "labels") and pd.api.types.is_numeric_dtype(frame[c])
    ]
    groups = frame.groupby([*GROUP, "hp"], sort=False)
    summary = groups[numeric].mean()
    summary["n_runs"] = groups.size()
    summary = summary.reset_index().sort_values([*GROUP, "val_error"], kind="stable").reset_index(drop=True)
    summary["selected"] = ~summary.duplicated(GROUP)
    return summary


def selected_runs(records: list[dict]) -> list[list[dict]]:
    """Per dataset, model and label budget: the runs (seeds, folds) of its selected setting."""
    summary = sweep_summary(records)
    chosen = {(*row[GROUP], row["hp"]) for _, row in summary[summary["selected"]].iterrows()}
    groups: dict[tuple, list[dict]] = {}
    for record in records:
        key = tuple(record[k] for k in [*GROUP, "hp"])
        if key in chosen:
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
