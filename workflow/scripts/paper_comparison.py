"""Our Tables I, II and III beside the paper's numbers: cells, rankings, improvements over the reference
model, compared run by run from the selections' per-run records and decided in their families."""

import sys
from pathlib import Path

from csrae.comparison import compare, gains, our_cells, rankings, verdicts
from csrae.comparison_report import to_markdown
from csrae.decisions import Schedule
from csrae.io import atomic_write_text, write_table
from csrae.rounds import decided, extend
from csrae.store import read_json

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
inputs, params = snakemake.input, snakemake.params
rounds = read_json(inputs.rounds) if inputs.rounds else None
records = rounds["records"] if rounds else {}
generative, knn = (extend([read_json(p) for p in inputs[study]], records) for study in ("generative", "knn"))
semisupervised = [runs for path in inputs.semisupervised for runs in read_json(path)["selected"]]
schedule = Schedule.from_dict(params.schedule)
meta = {m["name"]: m for m in map(read_json, inputs.meta)}
comparison = compare(our_cells(generative, knn, semisupervised), meta, params.epochs)
ranks = rankings(comparison, schedule.levels[-1])
found = verdicts(decided(gains(comparison), rounds, schedule))
empty = "None of this run's datasets, models and metrics is in the paper's Tables I, II and III."
out = snakemake.output
cells = comparison.drop(columns="values")
write_table(cells, out.csv, out.html, "Our numbers beside the paper's (Tables I, II, III, VII, VIII)", empty=empty)
write_table(ranks, out.rankings, out.rankings_html, "Rankings of the models, best first", empty=empty)
title = "Improvement over the reference model (VAE; VampPriorVAE on the faces), run by run, decided per family"
write_table(found, out.gains, out.gains_html, title, empty=empty)
markdown = to_markdown(comparison, ranks, found, schedule.seeds[-1])
atomic_write_text(Path(out.md), markdown)
print(markdown)
