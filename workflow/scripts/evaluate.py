"""Evaluate every seed of one sweep setting: RE, regulariser, LL, kNN error, FID."""

import sys
from pathlib import Path

import torch

from csrae.evaluation import EvalConfig
from csrae.steps import evaluate_run

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
torch.set_num_threads(snakemake.threads)
settings = dict(snakemake.params.evaluation)
inception = settings.pop("inception")
outputs = zip(snakemake.params.seeds, snakemake.input.models, snakemake.output.metrics, snakemake.output.artefacts)
for seed, model, metrics, artefacts in outputs:
    evaluate_run(
        Path(snakemake.input.data).parent,
        model,
        EvalConfig(**settings | {"knn_k": tuple(settings["knn_k"])}, seed=seed),
        metrics,
        artefacts,
        feature_net_path=snakemake.input.feature_net or None,
        inception=inception,
        feature_net_label=snakemake.params.feature_net_label,
    )
