"""Figure 7: samples from individual components of the selected MixtureCSRAE prior with the most components."""

import json
import sys
from pathlib import Path

from csrae.data import Dataset
from csrae.figures import figure7
from csrae.run import load_model

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
selection = json.loads(Path(snakemake.input.selected).read_text())
choice = max(selection["selected"], key=lambda c: (c["runs"][0]["K"], c["runs"][0]["prior"] != "vamp"))
run = Path(snakemake.params.run.format(**choice["runs"][0]))  # the first seed that did not diverge
data = Dataset.load(Path(snakemake.input.data).parent)
model, spec = load_model(run / "model.pt", data)
components = list(range(min(10, spec.hparams["K"])))
images = model.sample_components(8, components).numpy()
figure7(images, data.image_shape, f"MixtureCSRAE {choice['hp']}: one column per component", snakemake.output[0])
print(f"figure 7 from {run}, components {components}")
