"""Pick the setting with the lowest validation RE + regulariser; keep the whole sweep."""

import json
import sys
from pathlib import Path

from csrae.data.dataset import atomic_write_text
from csrae.selection import select
from csrae.steps import write_json

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
records = [json.loads(Path(p).read_text()) for p in snakemake.input]
for record, path in zip(records, snakemake.input):
    record["hp"] = Path(path).parent.parent.name
best, summary = select(records)
atomic_write_text(Path(snakemake.output.sweep), summary.to_csv(index=False))
wc = snakemake.wildcards
runs = [r for r in records if r["hp"] == best]
write_json(snakemake.output.selected, {"dataset": wc.dataset, "model": wc.model, "hp": best, "runs": runs})
print(f"selected {best} for {wc.model} on {wc.dataset}")
