"""Figure 1: KL with one Gaussian vs CS with a two-component mixture on the 1-D toy."""

import sys

from csrae.data import gmm1d_samples
from csrae.data.toy import GMM1D_MEANS
from csrae.figures import figure1
from csrae.toy import fit_figure1

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
settings = snakemake.params.settings
samples = gmm1d_samples(settings["samples"])
fit = fit_figure1(samples, steps=settings["steps"], lr=settings["lr"])
print({"kl": fit["kl"], "cs": fit["cs"], "final": {k: v[-1] for k, v in fit["trace"].items()}})
figure1(samples, GMM1D_MEANS, fit, snakemake.output[0])
