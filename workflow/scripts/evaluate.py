"""Evaluate every setting × seed of one structure: RE, regulariser, LL, kNN error, FID."""

import sys
from pathlib import Path

import torch

from csrae.evaluation import EvalConfig
from csrae.steps import evaluate_runs

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
torch.set_num_threads(snakemake.threads)
params = snakemake.params
settings = dict(params.evaluation)
inception = settings.pop("inception")
runs = []
for hp in params.settings:
    for seed in params.seeds:
        config = EvalConfig(**settings | {"knn_k": tuple(settings["knn_k"])}, seed=seed)
        evaluation = Path(snakemake.output.evaluation, hp, f"seed{seed}")
        runs.append((Path(snakemake.input.runs, hp, f"seed{seed}", "model.pt"), config, evaluation / "metrics.json",
                     evaluation / "artefacts.npz"))  # fmt: skip
evaluate_runs(
    Path(snakemake.input.data).parent,
    runs,
    feature_net_path=snakemake.input.feature_net or None,
    inception=inception,
    feature_net_label=params.feature_net_label,
)
