"""Figure 3 (RE vs regulariser over the weight; criterion vs FID and LL) and the learning curves of a sweep."""

import json
import sys

import pandas as pd

from csrae import registry
from csrae.curves import learning_curves, sweep_histories
from csrae.figures import figure3
from csrae.manifests import manifest_records
from csrae.naming import parse_setting_id

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
wc, weight = snakemake.wildcards, snakemake.params.weight
summary = pd.read_csv(snakemake.input.sweep)
model = registry.model(wc.model)
settings = {hp: parse_setting_id(model.name, hp)[1] for hp in summary["hp"]}
exact = all(model.closed_form(model.prior_of(hp)) for hp in settings.values())  # else a sampled regulariser
figure3(summary, weight, snakemake.output.figure3, exact)

records = manifest_records(snakemake.input.evaluations, "metrics.json")
with open(snakemake.input.selected) as f:
    selected = {choice["structure"]: choice["hp"] for choice in json.load(f)["selected"]}
weights = {hp: values[weight] for hp, values in settings.items()}
title = f"Learning curves: {wc.model} on {wc.dataset}"
learning_curves(sweep_histories(records), selected, weights, weight, title, snakemake.output.curves)
print(f"{len(records)} runs of {len(settings)} settings; selected {selected}")
