"""Train every setting × seed of one structure into the run store, ``pack`` at a time on stacked parameters
(1: one after another); a run already in the store is reused, a killed one resumes from its checkpoint.
The job first checks that what it trains hashes to the key in its output's name."""

import sys
from pathlib import Path

import torch

from csrae import devices, plan, preemption
from csrae.data import Dataset
from csrae.manifests import write_manifest
from csrae.naming import parse_setting_id
from csrae.plan.jobs import train_job
from csrae.run import RunSpec, train_sweep
from csrae.trainer import TrainConfig

sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
torch.set_num_threads(snakemake.threads)
devices.claim(snakemake.config["resources"]["gpus_per_job"])  # outside Slurm: a GPU slot of the machine's
wc, params = snakemake.wildcards, snakemake.params
study = plan.replan(snakemake.config)
preparation, kernels = study.preparation(wc.dataset), study.cpu_kernels()
definition = train_job(preparation, wc.model, params.settings, params.seeds, params.training, kernels)
plan.check_job(definition, wc.job, snakemake.output.manifest)
data = Dataset.load(Path(snakemake.input.data).parent)
specs, settings = [], []
for hp in params.settings:
    latent_dim, hparams = parse_setting_id(wc.model, hp)
    for seed in params.seeds:
        specs.append(RunSpec(wc.dataset, wc.model, hparams, latent_dim, TrainConfig(**params.training, seed=seed)))
        settings.append({"hp": hp, "seed": seed})
with preemption.reported():  # in the scheduler's log too: the next attempt starts this job's log afresh
    summaries = train_sweep(specs, data, params.store, pack=params.pack)
write_manifest(
    snakemake.output.manifest,
    [where | {"key": s["key"], "folder": s["folder"]} for where, s in zip(settings, summaries)],
)
