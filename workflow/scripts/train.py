"""Train every seed of one sweep setting; a rerun resumes each from its checkpoint."""

import sys
from pathlib import Path

import torch

from csrae.data import Dataset
from csrae.models import parse_setting_id
from csrae.run import RunSpec, train_run
from csrae.trainer import TrainConfig

sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
torch.set_num_threads(snakemake.threads)
wc = snakemake.wildcards
latent_dim, hparams = parse_setting_id(wc.model, wc.hp)
data = Dataset.load(Path(snakemake.input.data).parent)
for seed, model_path, state_dir in zip(snakemake.params.seeds, snakemake.output.model, snakemake.params.state_dirs):
    spec = RunSpec(wc.dataset, wc.model, hparams, latent_dim, TrainConfig(**snakemake.params.training, seed=seed))
    train_run(spec, data, Path(model_path).parent, state_dir)
