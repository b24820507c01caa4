"""Evaluate one trained configuration: RE, regulariser, LL, kNN error, FID."""

import sys
from pathlib import Path

import torch

from csrae.evaluation import EvalConfig
from csrae.steps import evaluate_run

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
torch.set_num_threads(snakemake.threads)
settings = dict(snakemake.params.evaluation)
inception = settings.pop("inception")
config = EvalConfig(**settings | {"knn_k": tuple(settings["knn_k"])}, seed=int(snakemake.wildcards.seed))
evaluate_run(
    Path(snakemake.input.data).parent,
    snakemake.input.model,
    config,
    snakemake.output.metrics,
    snakemake.output.artefacts,
    feature_net_path=snakemake.input.feature_net or None,
    inception=inception,
)
