"""Evaluate every setting × seed of one structure (RE, regulariser, LL, kNN error, FID) into the evaluation
store; an evaluation already there with the same run and settings is reused.  The job first checks that
what it evaluates hashes to the key in its output's name."""

import sys
from pathlib import Path

import torch

from csrae import devices, plan
from csrae.evaluation import EvalConfig
from csrae.manifests import manifest_entries, repair, write_manifest
from csrae.plan.jobs import evaluation_job
from csrae.steps import evaluate_runs

sys.stderr = sys.stdout = open(snakemake.log[0], "a", buffering=1)
torch.set_num_threads(snakemake.threads)
devices.claim(snakemake.config["resources"]["gpus_per_job"])  # outside Slurm: a GPU slot of the machine's
params = snakemake.params
feature_net = snakemake.input.feature_net or None
definition = evaluation_job(snakemake.input.runs, params.evaluation, feature_net)
plan.check_job(definition, snakemake.wildcards.job, snakemake.output.manifest)
settings = dict(params.evaluation)
inception = settings.pop("inception")
runs = manifest_entries([snakemake.input.runs])
configs = [EvalConfig(**settings | {"knn_k": tuple(settings["knn_k"])}, seed=run["seed"]) for run in runs]
records = evaluate_runs(
    Path(snakemake.input.data).parent,
    [(Path(run["folder"]), config) for run, config in zip(runs, configs)],
    store=params.store,
    feature_net_path=feature_net,
    inception=inception,
    feature_net_label=params.feature_net_label,
    repair_run=repair(snakemake.input.runs),
)
write_manifest(
    snakemake.output.manifest,
    [{"hp": r["hp"], "seed": r["seed"], "key": r["key"], "folder": r["evaluation"]} for r in records],
)
