"""Prepare one dataset (generated, or read, checked and checksummed from its source file)."""

import sys
from pathlib import Path

from csrae.data import registry
from csrae.steps import prepare

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
params = snakemake.params
if "declared" in params.own:  # arrays the config declares (a plugin's loader is registered already)
    registry.declare(snakemake.wildcards.dataset, params.own["declared"] | {"source": params.source})
data = prepare(snakemake.wildcards.dataset, Path(snakemake.output.data).parent, params.source, params.verify)
print(data.meta())
