"""Figure 2: latents and reconstructions across the regulariser weight (first seed)."""

import sys

import numpy as np

from csrae.figures import figure2
from csrae.naming import parse_setting_id

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
model = snakemake.params.model
panels = []
for path in snakemake.params.artefacts:
    _, hp = parse_setting_id(model, path.split("/")[-3])
    with np.load(path, allow_pickle=False) as artefacts:
        if "latent_loc" not in artefacts:  # a run that diverged before its first finite epoch
            print(f"{path}: no artefacts (the run diverged), left out of the figure")
            continue
        panels.append((hp[snakemake.params.weight], dict(artefacts)))
panels.sort(key=lambda panel: panel[0])
figure2(panels, panels[0][1]["prior_loc"] if model == "MixtureCSRAE" else None, snakemake.output[0])
