"""The metrics: one registry of their record columns, direction and tables, no torch.

An evaluation (:func:`csrae.evaluation.evaluate`) writes each metric under
its columns, the tables and figures read them from here, and the paired
comparisons (:mod:`csrae.paired`) take its direction: lower is better for
FID and errors, higher for log-likelihoods and F1.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """``name``: its column, or the stem of its columns (one per k of the kNN study's ``knn_k``, one per
    action unit); ``tables``: where it appears (I, II, III, ablation)."""

    name: str
    label: str
    higher_is_better: bool
    tables: tuple[str, ...]
    per_k: bool = False

    def columns(self, knn_k=()) -> list[str]:
        """The record columns of this metric (``<name>_k<k>`` per k for a kNN error)."""
        return [f"{self.name}_k{k}" for k in knn_k] if self.per_k else [self.name]


METRICS = {
    metric.name: metric
    for metric in (
        Metric("fid", "FID", False, ("I", "ablation")),
        Metric("fid_inception", "Inception FID", False, ("I",)),
        Metric("test_ll", "test log-likelihood (nats)", True, ("I", "ablation")),
        Metric("knn_error", "kNN error (%)", False, ("II", "ablation"), per_k=True),
        Metric("error", "test error (%)", False, ("III",)),
        Metric("f1", "F1 (%)", True, ("III",)),
    )
}


def metric(column: str) -> Metric:
    """The metric a column belongs to: ``knn_error_k3`` → kNN error, ``test_error`` → error, ``f1_AU12`` → F1."""
    stem = re.sub(r"_k\d+$", "", column)
    for name in (column, stem, column.removeprefix("test_"), column.split("_")[0]):
        if name in METRICS:
            return METRICS[name]
    raise ValueError(f"unknown metric column {column!r}; the metrics are {list(METRICS)}")


def higher_is_better(column: str) -> bool:
    return metric(column).higher_is_better


def table_columns(table: str, knn_k=()) -> list[str]:
    """The record columns of a table's metrics, in registry order."""
    return [column for m in METRICS.values() if table in m.tables for column in m.columns(knn_k)]
