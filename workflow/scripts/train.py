"""Train every seed of one sweep setting, one after another or packed; a rerun resumes from the checkpoints."""

import sys
from pathlib import Path

import torch

from csrae.data import Dataset
from csrae.naming import parse_setting_id
from csrae.run import RunSpec, train_pack, train_run
from csrae.trainer import TrainConfig

sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
torch.set_num_threads(snakemake.threads)
wc = snakemake.wildcards
latent_dim, hparams = parse_setting_id(wc.model, wc.hp)
data = Dataset.load(Path(snakemake.input.data).parent)
specs = [
    RunSpec(wc.dataset, wc.model, hparams, latent_dim, TrainConfig(**snakemake.params.training, seed=seed))
    for seed in snakemake.params.seeds
]
out_dirs = [Path(path).parent for path in snakemake.output.model]
if snakemake.params.pack:
    train_pack(specs, data, out_dirs, snakemake.params.state_dirs)
else:
    for spec, out_dir, state_dir in zip(specs, out_dirs, snakemake.params.state_dirs):
        train_run(spec, data, out_dir, state_dir)
