"""Trained models read back: a ``model.pt`` of either study rebuilt from its spec and weights."""

from pathlib import Path

import torch

from csrae.naming import describe_divergence
from csrae.run import RunSpec, read_saved
from csrae.semisupervised.training import SemiSupervisedSpec


def spec_from_dict(d: dict) -> RunSpec | SemiSupervisedSpec:
    """A saved spec of either study (a semi-supervised one names its label budget)."""
    return SemiSupervisedSpec.from_dict(d) if "labels" in d else RunSpec.from_dict(d)


def load_model(path: str | Path, source, device="cpu") -> tuple[torch.nn.Module, RunSpec | SemiSupervisedSpec]:
    """Rebuild a saved model of either study on ``device`` (read with ``weights_only=True``); ``source`` is
    what its spec builds from: the :class:`csrae.data.Dataset`, or a semi-supervised run's ``LabelledSplit``."""
    saved = read_saved(path)
    if saved["state_dict"] is None:
        raise ValueError(f"{path} holds no weights: the run {describe_divergence(saved['diverged'])}")
    spec = spec_from_dict(saved["spec"])
    model = spec.build(source)
    model.load_state_dict(saved["state_dict"])
    return model.to(device).eval(), spec
