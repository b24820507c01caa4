"""Figures 5-6: test images with reconstructions, and samples, of each model's best selected setting."""

import json
import sys
from pathlib import Path

from csrae.figures import image_grid
from csrae.store import EVALUATION_REPAIR, read_npz, read_stored

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
image_shape = tuple(json.loads(Path(snakemake.input.meta).read_text())["image_shape"])
samples, reconstructions = [], []
for path in snakemake.input.selections:
    selection = json.loads(Path(path).read_text())
    best = min(selection["selected"], key=lambda choice: choice["criterion_mean"])
    run = best["runs"][0]  # the first seed that did not diverge
    art = read_stored(Path(run["evaluation"]) / "artefacts.npz", read_npz, EVALUATION_REPAIR)
    label = f"{selection['model']} ({best['hp']})"
    samples.append((label, art["samples"]))
    if not reconstructions:
        reconstructions.append(("test images", art["inputs"]))
    reconstructions.append((label, art["reconstructions"]))
image_grid(samples, image_shape, snakemake.output.samples)
image_grid(reconstructions, image_shape, snakemake.output.reconstructions)
