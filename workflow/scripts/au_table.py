"""Tables VII (DISFA) and VIII (FERA2015): mean test F1 per action unit of each selected model."""

import json
import sys
from pathlib import Path

from csrae.io import write_table
from csrae.semisupervised.selection import au_table

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
selection = json.loads(Path(snakemake.input[0]).read_text())
table = au_table(selection["selected"], selection["dataset"])
title = f"Test F1 (%) per action unit, {selection['dataset']}"
write_table(table, snakemake.output.csv, snakemake.output.html, title, float_format="%.2f")
print(table.to_string(index=False))
