"""Figure 3: RE vs regulariser over the weight; selection criterion vs FID and LL."""

import sys

import pandas as pd

from csrae.figures import figure3

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
figure3(pd.read_csv(snakemake.input.sweep), snakemake.params.weight, snakemake.output[0])
