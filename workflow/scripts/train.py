"""Train every setting × seed of one structure, packed or one after another; a rerun resumes from the
checkpoints (``<state>/<setting>/seed<seed>``)."""

import sys
from pathlib import Path

import torch

from csrae.data import Dataset
from csrae.naming import parse_setting_id
from csrae.run import RunSpec, train_pack, train_run
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
if params.pack:
    train_pack(specs, data, out_dirs, state_dirs)
else:
    for spec, out_dir, state_dir in zip(specs, out_dirs, state_dirs):
        train_run(spec, data, out_dir, state_dir)
