"""Every run that diverged, with where, from the sweep tables (they are left out of selection)."""

import sys
from pathlib import Path

import pandas as pd

from csrae.io import atomic_write_text, write_table
from csrae.selection import diverged_table

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
sweeps = {
    str(Path(path).relative_to("results")).removesuffix("_sweep.csv"): pd.read_csv(path, keep_default_na=False)
    for path in snakemake.input.sweeps
}
table = diverged_table(sweeps)
write_table(
    table,
    snakemake.output.csv,
    snakemake.output.html,
    "Diverged runs (left out of selection)",
    empty="No run diverged.",
)
lines = ["| sweep | setting | diverged / finite runs | where |", "|---|---|---|---|"]
lines += [f"| {r.sweep} | {r.hp} | {r.n_diverged} / {r.n_finite} | {r.diverged} |" for r in table.itertuples()]
if table.empty:
    lines.append("| — | no run diverged | | |")
atomic_write_text(Path(snakemake.output.md), "\n".join(lines) + "\n")
print("\n".join(lines))
