"""Figure 2: latents and reconstructions across the regulariser weight (first seed)."""

import sys
from pathlib import Path

from csrae.figures import figure2
from csrae.manifests import manifest_entries, repair
from csrae.naming import parse_setting_id
from csrae.store import read_npz, read_stored

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
model = snakemake.params.model
panels = []
for entry in manifest_entries(snakemake.input):
    if entry["seed"] != snakemake.params.seed:
        continue
    _, hp = parse_setting_id(model, entry["hp"])
    path = Path(entry["folder"]) / "artefacts.npz"
    artefacts = read_stored(path, read_npz, repair(entry["manifest"]))
    if "latent_loc" not in artefacts:  # a run that diverged before its first finite epoch
        print(f"{path}: no artefacts (the run diverged), left out of the figure")
        continue
    panels.append((hp[snakemake.params.weight], artefacts))
panels.sort(key=lambda panel: panel[0])
prior_loc = panels[0][1]["prior_loc"]
figure2(panels, prior_loc if len(prior_loc) > 1 else None, snakemake.output[0])  # a mixture's components
