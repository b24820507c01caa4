"""The manifests, result folders and FID classifiers this config uses: what `csrae prune` keeps."""

import sys

from csrae.prune import write_in_use

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
manifests = [*snakemake.input.manifests, *snakemake.input.rounds]
in_use = write_in_use(snakemake.output[0], manifests, snakemake.input.feature_nets, snakemake.params.plan)
print(f"{len(in_use['manifests'])} manifests, {len(in_use['folders'])} result folders in use")
