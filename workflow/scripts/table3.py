"""Table III: semi-supervised test error (digits) and mean F1 (faces, with the supervised rows)."""

import json
import sys
from pathlib import Path

from csrae.io import atomic_write_text, write_table
from csrae.semisupervised.selection import table3, table3_markdown

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
selections = [runs for path in snakemake.input for runs in json.loads(Path(path).read_text())["selected"]]
table = table3(selections)
write_table(table, snakemake.output.csv, snakemake.output.html, "Table III: semi-supervised test error and F1 (%)")
markdown = table3_markdown(table)
atomic_write_text(Path(snakemake.output.md), markdown)
print(markdown)
