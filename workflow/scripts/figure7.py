"""Figure 7: samples from every component of the selected mixture prior with the most components,
with each component's usage by the test codes and its divergence from their aggregate posterior (as its
evaluation recorded them)."""

import json
import sys
from pathlib import Path

import numpy as np

from csrae.data import Dataset
from csrae.figures import figure7
from csrae.saved import load_model
from csrae.store import RUN_REPAIR, read_stored

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
selection = json.loads(Path(snakemake.input.selected).read_text())
choice = max(selection["selected"], key=lambda c: (c["runs"][0]["K"], c["runs"][0]["prior"] != "vamp"))
record = choice["runs"][0]  # the first seed that did not diverge: its evaluation's record
run = Path(record["run"])
data = Dataset.load(Path(snakemake.input.data).parent)
model, spec = read_stored(run / "model.pt", lambda path: load_model(path, data), RUN_REPAIR)
fit = {name: record[f"prior_{name}"] for name in ("usage", "component_cs", "effective_components")}
images = model.sample_components(4, list(range(spec.hparams["K"]))).numpy()
title = (
    f"{snakemake.wildcards.model} {choice['hp']}: one column per component; "
    f"{fit['effective_components']:.1f} effective of {spec.hparams['K']}"
)
figure7(images, data.image_shape, fit, title, snakemake.output[0])
print(f"figure 7 from {run}: {spec.hparams['K']} components, {fit['effective_components']:.1f} effective")
print("usage (%):", np.round(100 * np.asarray(fit["usage"]), 1).tolist())
print("D_CS(p_k || aggregate posterior):", np.round(fit["component_cs"], 2).tolist())
