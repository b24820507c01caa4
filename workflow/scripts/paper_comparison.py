"""Our Tables I, II and III(a) beside the paper's numbers: cells, rankings, improvements over the VAE."""

import json
import sys
from pathlib import Path

import pandas as pd

from csrae.comparison import compare, improvements, our_cells, rankings, to_markdown
from csrae.io import atomic_write_text, write_table

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
table3 = pd.read_csv(snakemake.input.table3[0]) if snakemake.input.table3 else None
ours = our_cells(pd.read_csv(snakemake.input.table1), pd.read_csv(snakemake.input.table2), table3)
meta = {m["name"]: m for m in (json.loads(Path(p).read_text()) for p in snakemake.input.meta)}
comparison = compare(ours, meta, snakemake.params.epochs)
ranks, gains = rankings(comparison), improvements(comparison)
empty = "None of this run's datasets, models and metrics is in the paper's Tables I, II and III(a)."
out = snakemake.output
write_table(comparison, out.csv, out.html, "Our numbers beside the paper's (Tables I, II, III(a))", empty=empty)
write_table(ranks, out.rankings, out.rankings_html, "Rankings of the models, best first", empty=empty)
write_table(gains, out.gains, out.gains_html, "Improvement over the VAE, (VAE − model) / VAE in %", empty=empty)
markdown = to_markdown(comparison, ranks, gains)
atomic_write_text(Path(out.md), markdown)
print(markdown)
