"""Figure 3: RE vs regulariser over the weight; selection criterion vs FID and LL."""

import sys

import pandas as pd

from csrae import registry
from csrae.figures import figure3
from csrae.naming import parse_setting_id

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
summary = pd.read_csv(snakemake.input.sweep)
model = registry.model(snakemake.wildcards.model)
priors = {model.prior_of(parse_setting_id(model.name, hp)[1]) for hp in summary["hp"]}
exact = all(model.closed_form(prior) for prior in priors)  # else the regulariser is estimated by sampling
figure3(summary, snakemake.params.weight, snakemake.output[0], exact)
