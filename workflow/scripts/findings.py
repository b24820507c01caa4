"""What the study found: the decided effects of the ablation and the paper comparison as sentences, then the
undecided with the seeds each would need; the report opens with them."""

import sys
from pathlib import Path

import pandas as pd

from csrae import findings
from csrae.io import atomic_write_text, write_table

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
horizon = snakemake.params.schedule["seeds"][-1]
parts = {
    "The divergence × prior ablation": pd.read_csv(snakemake.input.ablation),
    "Gains over the paper's reference model": pd.read_csv(snakemake.input.gains),
}
sections = [findings.markdown(frame, horizon, f"## {title}") for title, frame in parts.items()]
undecided = any(not frame.empty and not frame["decided"].astype(bool).all() for frame in parts.values())
rounds = len(snakemake.params.schedule["seeds"]) > 1
markdown = "\n".join(["# Findings", "", *sections, *([findings.ADD_SEEDS, ""] if undecided and not rounds else [])])
atomic_write_text(Path(snakemake.output.md), markdown)
everything = pd.concat([frame for frame in parts.values() if not frame.empty] or [pd.DataFrame()])
described = ("family", "subject", "object", "dataset", "metric", *findings.DECISION_COLUMNS)
columns = [column for column in described if column in everything]
write_table(everything[columns], snakemake.output.csv, snakemake.output.html, "Findings: every effect's decision")
description = Path(snakemake.input.description).read_text()
atomic_write_text(Path(snakemake.output.report), findings.rst(markdown) + "\nThe study\n---------\n\n" + description)
print(markdown)
