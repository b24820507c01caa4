"""Tables I (FID) and II (kNN error) of the selected configurations, as CSV and Markdown."""

import json
import sys
from pathlib import Path

from csrae.data.dataset import atomic_write_text
from csrae.selection import results_table, to_markdown

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
selected = [json.loads(Path(p).read_text()) for p in snakemake.input]
specs = {
    "table1": (["fid", "fid_inception", "test_ll"], ["fid_features", "fid_samples", "ll_samples"]),
    "table2": (["knn_error_k3", "knn_error_k5", "knn_error_k10"], []),
}
for name, (metrics, labels) in specs.items():
    table = results_table(selected, metrics, labels)
    atomic_write_text(Path(snakemake.output[name]), table.to_csv(index=False))
    markdown = to_markdown(table, metrics)
    atomic_write_text(Path(snakemake.output[f"{name}_md"]), markdown)
    print(markdown)
