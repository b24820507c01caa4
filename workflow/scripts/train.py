"""Train every setting × seed of one structure, ``pack`` at a time on stacked parameters (1: one after
another); a rerun resumes from the checkpoints (``<state>/<setting>/seed<seed>``)."""

import sys
from pathlib import Path

import torch

from csrae.data import Dataset
from csrae.naming import parse_setting_id
from csrae.run import RunSpec, train_structure
from csrae.trainer import TrainConfig

sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
torch.set_num_threads(snakemake.threads)
wc, params = snakemake.wildcards, snakemake.params
data = Dataset.load(Path(snakemake.input.data).parent)
specs, out_dirs, state_dirs = [], [], []
for hp in params.settings:
    latent_dim, hparams = parse_setting_id(wc.model, hp)
    for seed in params.seeds:
        specs.append(RunSpec(wc.dataset, wc.model, hparams, latent_dim, TrainConfig(**params.training, seed=seed)))
        out_dirs.append(Path(snakemake.output.runs, hp, f"seed{seed}"))
        state_dirs.append(Path(params.state, hp, f"seed{seed}"))
train_structure(specs, data, out_dirs, state_dirs, pack=params.pack)
