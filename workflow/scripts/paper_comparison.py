"""Our Tables I, II and III beside the paper's numbers: cells, rankings, improvements over the reference
model, compared run by run from the selections' per-run records."""

import json
import sys
from pathlib import Path

from csrae.comparison import compare, improvements, our_cells, rankings, to_markdown
from csrae.io import atomic_write_text, write_table

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
read = lambda paths: [json.loads(Path(p).read_text()) for p in paths]  # noqa: E731
semisupervised = [runs for selection in read(snakemake.input.semisupervised) for runs in selection["selected"]]
ours = our_cells(read(snakemake.input.generative), read(snakemake.input.knn), semisupervised)
meta = {m["name"]: m for m in read(snakemake.input.meta)}
comparison = compare(ours, meta, snakemake.params.epochs)
ranks, gains = rankings(comparison), improvements(comparison)
empty = "None of this run's datasets, models and metrics is in the paper's Tables I, II and III."
out = snakemake.output
cells = comparison.drop(columns="values")
write_table(cells, out.csv, out.html, "Our numbers beside the paper's (Tables I, II, III, VII, VIII)", empty=empty)
write_table(ranks, out.rankings, out.rankings_html, "Rankings of the models, best first", empty=empty)
title = "Improvement over the reference model (VAE; VampPriorVAE on the faces), run by run, 95 % intervals"
write_table(gains, out.gains, out.gains_html, title, empty=empty)
markdown = to_markdown(comparison, ranks, gains)
atomic_write_text(Path(out.md), markdown)
print(markdown)
