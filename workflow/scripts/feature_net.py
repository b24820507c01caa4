"""Train the domain classifier whose features the FID of this dataset uses."""

import sys
from pathlib import Path

import torch

from csrae.steps import fit_feature_net

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
torch.set_num_threads(snakemake.threads)
data_dir = Path(snakemake.input.data).parent
print(f"test accuracy {fit_feature_net(data_dir, snakemake.output[0], snakemake.params.epochs):.4f}")
