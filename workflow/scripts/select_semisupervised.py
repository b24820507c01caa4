"""Per model and label budget, the setting with the lowest mean validation error; keep the sweep."""

import json
import sys
from pathlib import Path

from csrae.io import write_json, write_table
from csrae.semisupervised.selection import selected_runs, sweep_summary

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
records = [json.loads(Path(p).read_text()) for p in snakemake.input]
title = f"Semi-supervised sweep on {snakemake.wildcards.dataset}"
write_table(sweep_summary(records), snakemake.output.sweep, snakemake.output.sweep_html, title)
selections = selected_runs(records)
write_json(snakemake.output.selected, {"dataset": snakemake.wildcards.dataset, "selected": selections})
for runs in selections:
    print(f"{runs[0]['model']} {runs[0]['labels_id']}: {runs[0]['hp']} ({len(runs)} runs)")
