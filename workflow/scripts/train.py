"""Train one configuration of the sweep; a rerun resumes from its checkpoint."""

import sys
from pathlib import Path

import torch

from csrae.data import Dataset
from csrae.models import parse_hp_id
from csrae.run import RunSpec, train_run
from csrae.trainer import TrainConfig

sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
torch.set_num_threads(snakemake.threads)
wc = snakemake.wildcards
spec = RunSpec(
    dataset=wc.dataset,
    model=wc.model,
    hparams=parse_hp_id(wc.model, wc.hp),
    latent_dim=snakemake.params.latent_dim,
    train=TrainConfig(**snakemake.params.training, seed=int(wc.seed)),
)
train_run(
    spec,
    Dataset.load(Path(snakemake.input.data).parent),
    Path(snakemake.output.model).parent,
    snakemake.params.state_dir,
)
