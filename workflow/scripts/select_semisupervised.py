"""Per model and label budget, the setting with the lowest mean validation error; keep the sweep."""

import sys

from csrae.io import write_json, write_table
from csrae.manifests import manifest_records
from csrae.semisupervised.selection import selected_runs, sweep_summary

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
records = manifest_records(snakemake.input, "metrics.json")
title = f"Semi-supervised sweep on {snakemake.wildcards.dataset}"
write_table(sweep_summary(records), snakemake.output.sweep, snakemake.output.sweep_html, title)
selections = selected_runs(records)
write_json(snakemake.output.selected, {"dataset": snakemake.wildcards.dataset, "selected": selections})
for runs in selections:
    print(f"{runs[0]['model']} {runs[0]['labels_id']}: {runs[0]['hp']} ({len(runs)} runs)")
