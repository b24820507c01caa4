"""Train the domain classifier whose features the FID of this dataset uses; its file records the definition
whose hash names it."""

import sys
from pathlib import Path

import torch

from csrae import plan
from csrae.plan.jobs import feature_net_job
from csrae.steps import fit_feature_net

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
torch.set_num_threads(snakemake.threads)
study = plan.replan(snakemake.config)
definition = feature_net_job(study.preparation(snakemake.wildcards.dataset), snakemake.params.epochs)
plan.check_job(definition, snakemake.wildcards.job, snakemake.output[0])
data_dir = Path(snakemake.input.data).parent
print(f"test accuracy {fit_feature_net(data_dir, snakemake.output[0], definition):.4f}")
