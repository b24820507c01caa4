"""Train every seed of one semi-supervised (or supervised) setting, label budget and fold; resumes from checkpoints."""

import sys
from pathlib import Path

import torch

from csrae.naming import SUPERVISED_MODELS, parse_labels_id, parse_ssl_setting_id
from csrae.semisupervised.data import load_split
from csrae.semisupervised.training import SemiSupervisedConfig, SemiSupervisedSpec, train_semisupervised

sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
torch.set_num_threads(snakemake.threads)
wc = snakemake.wildcards
latent_dim, hparams = parse_ssl_setting_id(wc.model, wc.hp)
labels, fold = parse_labels_id(wc.labels), int(wc.fold)
training = dict(snakemake.params.training)
if wc.model in SUPERVISED_MODELS:
    training["pretrain_epochs"] = 0  # nothing to pre-train without a generative model
weights = snakemake.params.resnet18_weights if wc.model == "ResNet18" else None
for seed, model_path, state_dir in zip(snakemake.params.seeds, snakemake.output.model, snakemake.params.state_dirs):
    config = SemiSupervisedConfig(**training, seed=seed)
    spec = SemiSupervisedSpec(
        wc.dataset, wc.model, hparams, latent_dim, config, labels=labels, fold=fold, weights_path=weights
    )
    split = load_split(snakemake.input.data, labels, fold, seed)
    train_semisupervised(spec, split, Path(model_path).parent, state_dir)
