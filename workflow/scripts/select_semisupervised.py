"""Per model and label budget, the setting with the lowest mean validation error; keep the sweep."""

import json
import sys
from pathlib import Path

from csrae.io import atomic_write_text, write_json
from csrae.semisupervised.selection import selected_runs, sweep_summary

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
records = [json.loads(Path(p).read_text()) for p in snakemake.input]
atomic_write_text(Path(snakemake.output.sweep), sweep_summary(records).to_csv(index=False))
selections = selected_runs(records)
write_json(snakemake.output.selected, {"dataset": snakemake.wildcards.dataset, "selected": selections})
for runs in selections:
    print(f"{runs[0]['model']} {runs[0]['labels_id']}: {runs[0]['hp']} ({len(runs)} runs)")
