"""Train every seed of one semi-supervised (or supervised) setting, label budget and fold into the run store;
a run already there is reused, a killed one resumes from its checkpoint."""

import sys

import torch

from csrae.manifests import write_manifest
from csrae.naming import SUPERVISED_MODELS, parse_labels_id, parse_ssl_setting_id
from csrae.run import default_device
from csrae.semisupervised.data import load_split
from csrae.semisupervised.training import (
    SemiSupervisedConfig,
    SemiSupervisedSpec,
    ssl_run_folder,
    train_semisupervised,
)

sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
torch.set_num_threads(snakemake.threads)
wc, params = snakemake.wildcards, snakemake.params
latent_dim, hparams = parse_ssl_setting_id(wc.model, wc.hp)
labels, fold = parse_labels_id(wc.labels), int(wc.fold)
training = dict(params.training)
if wc.model in SUPERVISED_MODELS:
    training["pretrain_epochs"] = 0  # nothing to pre-train without a generative model
weights = params.resnet18_weights if wc.model == "ResNet18" else None
device, entries = default_device(), []
for seed in params.seeds:
    config = SemiSupervisedConfig(**training, seed=seed)
    spec = SemiSupervisedSpec(
        wc.dataset, wc.model, hparams, latent_dim, config, labels=labels, fold=fold, weights_path=weights
    )
    split = load_split(snakemake.input.data, labels, fold, seed)
    folder = ssl_run_folder(params.store, spec, split, device)
    record = train_semisupervised(spec, split, folder, device=device, keyed=True)
    entries.append({"seed": seed, "key": record["key"], "folder": str(folder)})
write_manifest(snakemake.output.manifest, entries)
