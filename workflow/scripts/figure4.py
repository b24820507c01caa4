"""Figure 4: MoG vs VampPrior prior over K and the latent dimension, for a model whose grid chooses the prior."""

import sys

import pandas as pd

from csrae.figures import figure4

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
figure4(pd.read_csv(snakemake.input.sweep), snakemake.wildcards.model, snakemake.output[0])
