"""Train every seed of one semi-supervised (or supervised) setting, label budget and fold into the run store;
a run already there is reused, a killed one resumes from its checkpoint.  The job first checks that what it
trains hashes to the key in its output's name."""

import sys

import torch

from csrae import devices, plan, preemption
from csrae.manifests import write_manifest
from csrae.naming import parse_labels_id, parse_ssl_setting_id
from csrae.plan.jobs import semisupervised_job
from csrae.run import RunSpec, default_device
from csrae.semisupervised.data import load_split
from csrae.semisupervised.training import SemiSupervisedSpec, ssl_config, ssl_run_folder, train_semisupervised

sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
torch.set_num_threads(snakemake.threads)
devices.claim(snakemake.config["resources"]["gpus_per_job"])  # outside Slurm: a GPU slot of the machine's
wc, params = snakemake.wildcards, snakemake.params
study = plan.replan(snakemake.config)
definition = semisupervised_job(
    study.ssl.data(wc.dataset), wc.model, wc.labels, wc.hp, int(wc.fold), params.seeds, params.training,
    params.resnet18_weights, study.cpu_kernels(),
)  # fmt: skip
plan.check_job(definition, wc.job, snakemake.output.manifest)
latent_dim, hparams = parse_ssl_setting_id(wc.model, wc.hp)
labels, fold, weights = parse_labels_id(wc.labels), int(wc.fold), definition["resnet18_weights"]
device, entries = default_device(), []
for seed in params.seeds:
    run = RunSpec(wc.dataset, wc.model, hparams, latent_dim, ssl_config(wc.model, params.training, seed))
    spec = SemiSupervisedSpec(run, labels, fold, weights)
    split = load_split(snakemake.input.data, labels, fold, seed)
    folder = ssl_run_folder(params.store, spec, split, device)
    with preemption.reported():  # in the scheduler's log too: the next attempt starts this job's log afresh
        record = train_semisupervised(spec, split, folder, device=device, keyed=True)
    entries.append({"seed": seed, "key": record["key"], "folder": str(folder)})
write_manifest(snakemake.output.manifest, entries)
