"""Table I (FID, LL) from the generative selections and Table II (kNN error) from the kNN study (with rounds
of seeds, over every seed they added), as CSV, HTML and Markdown."""

import sys
from pathlib import Path

from csrae.io import atomic_write_text, write_table
from csrae.metrics.registry import table_columns
from csrae.rounds import extend
from csrae.selection import results_table, to_markdown
from csrae.store import read_json

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
records = read_json(snakemake.input.rounds)["records"] if snakemake.input.rounds else {}
specs = {
    "table1": (
        "Table I: FID and test log-likelihood",
        snakemake.input.generative,
        table_columns("I"),
        ["fid_features", "fid_inception_features", "fid_samples", "ll_samples"],
    ),
    "table2": ("Table II: kNN error (%)", snakemake.input.knn, table_columns("II", snakemake.params.knn_k), []),
}
for name, (title, paths, metrics, labels) in specs.items():
    table = results_table(extend([read_json(p) for p in paths], records), metrics, labels)
    write_table(table, snakemake.output[name], snakemake.output[f"{name}_html"], title)
    markdown = to_markdown(table, metrics)
    atomic_write_text(Path(snakemake.output[f"{name}_md"]), markdown)
    print(markdown)
