"""Prepare one dataset (generated, or read and checksummed from its source file)."""

import sys
from pathlib import Path

from csrae.data.own import declare_npz
from csrae.steps import prepare

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
if "declared" in snakemake.params.own:  # arrays the config declares (a plugin's loader is registered already)
    declare_npz(snakemake.wildcards.dataset, snakemake.params.own["declared"] | {"source": snakemake.params.source})
options = {"path": snakemake.params.source} if snakemake.params.source else {}
options["verify"] = snakemake.params.verify
data = prepare(snakemake.wildcards.dataset, Path(snakemake.output.data).parent, **options)
print(data.meta())
