"""Divergence × prior: the cells the config trains and each factor's effect with the other held fixed, decided
in its family (and, with rounds of seeds, as the rounds decided it)."""

import sys
from pathlib import Path

from csrae.ablation import cells, effects, to_markdown
from csrae.decisions import Schedule
from csrae.findings import RULE
from csrae.io import atomic_write_text, write_table
from csrae.rounds import decided, extend
from csrae.store import read_json

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
rounds = read_json(snakemake.input.rounds) if snakemake.input.rounds else None
records = rounds["records"] if rounds else {}
selections = {study: extend([read_json(p) for p in snakemake.input[study]], records) for study in ("generative", "knn")}
schedule = Schedule.from_dict(snakemake.params.schedule)
table = cells(selections, snakemake.params.knn_k)
found = decided(effects(table), rounds, schedule)
out = snakemake.output
empty = "The config trains no two models that differ in the divergence or the prior alone."
write_table(table.drop(columns="values"), out.csv, out.html, "Divergence × prior: each cell's selected setting")
title = f"Each factor's effect with the other held fixed ({RULE})"
write_table(found, out.effects, out.effects_html, title, empty=empty)
markdown = to_markdown(table, found, schedule.seeds[-1])
atomic_write_text(Path(out.md), markdown)
print(markdown)
