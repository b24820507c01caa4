"""Prepare one dataset (generated, or read and checksummed from its source file)."""

import sys
from pathlib import Path

from csrae.steps import prepare

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
options = {"path": snakemake.params.source} if snakemake.params.source else {}
options["verify"] = snakemake.params.verify
data = prepare(snakemake.wildcards.dataset, Path(snakemake.output.data).parent, **options)
print(data.meta())
