"""Check a face dataset's index and frames (csrae.data.faces layout); record its location and label rates."""

import sys

from csrae.steps import prepare_faces

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
print(prepare_faces(snakemake.wildcards.dataset, snakemake.params.source, snakemake.output[0]))
