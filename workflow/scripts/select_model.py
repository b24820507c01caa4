"""Per structure (z, K, n_iw, prior), pick the weight with the best validation criterion; keep the sweep."""

import sys

from csrae.io import write_json, write_table
from csrae.manifests import manifest_records
from csrae.selection import select

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
criterion = snakemake.params.criterion
records = manifest_records(snakemake.input.evaluations, "metrics.json")
best, summary = select(records, criterion)
wc = snakemake.wildcards
title = f"{wc.study} sweep: {wc.model} on {wc.dataset}"
write_table(summary, snakemake.output.sweep, snakemake.output.sweep_html, title)
means = summary.set_index("hp")[criterion]
selected = [
    {
        "structure": structure,
        "hp": hp,
        "criterion_mean": means[hp],
        "runs": [r for r in records if r["hp"] == hp and "diverged" not in r],
    }
    for structure, hp in best.items()
]
write_json(
    snakemake.output.selected,
    {"dataset": wc.dataset, "model": wc.model, "study": wc.study, "criterion": criterion, "selected": selected},
)
for choice in selected:
    print(f"{wc.study}: {choice['hp']} for {wc.model} on {wc.dataset}, {criterion} {choice['criterion_mean']:.4f}")
for _, row in summary[summary["n_diverged"] > 0].iterrows():
    print(f"left out of selection: {row['hp']}: {row['diverged']}")
