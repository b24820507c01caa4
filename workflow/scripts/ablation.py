"""Divergence × prior: the cells the config trains and each factor's effect with the other held fixed."""

import json
import sys
from pathlib import Path

from csrae.ablation import RULE, cells, effects, to_markdown
from csrae.io import atomic_write_text, write_table

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
read = lambda paths: [json.loads(Path(p).read_text()) for p in paths]  # noqa: E731
table = cells(
    {"generative": read(snakemake.input.generative), "knn": read(snakemake.input.knn)}, snakemake.params.knn_k
)
found = effects(table)
out = snakemake.output
empty = "The config trains no two models that differ in the divergence or the prior alone."
write_table(table.drop(columns="values"), out.csv, out.html, "Divergence × prior: each cell's selected setting")
write_table(
    found, out.effects, out.effects_html, f"Each factor's effect with the other held fixed ({RULE})", empty=empty
)
markdown = to_markdown(table, found)
atomic_write_text(Path(out.md), markdown)
print(markdown)
