"""csrae: the Cauchy-Schwarz regularised autoencoder (Tran, Pantic, Deisenroth) in PyTorch.

The names below load on first use, so that a module which needs no torch
(:mod:`csrae.naming`, :mod:`csrae.selection`) imports without it.
"""

import importlib

_EXPORTS = {
    "cauchy_schwarz": "csrae.divergence",
    "kl_normal": "csrae.divergence",
    "kl_standard_normal": "csrae.divergence",
    "Autoencoder": "csrae.models",
    "MODELS": "csrae.registry",
    "ModelType": "csrae.registry",
    "register": "csrae.registry",
    "register_divergence": "csrae.regularisers",
    "register_dataset": "csrae.data.registry",
    "build_model": "csrae.models",
    "MixturePrior": "csrae.priors",
    "CornerPrior": "csrae.priors",
    "VampPrior": "csrae.priors",
    "prior_fit": "csrae.metrics.prior_fit",
    "StandardNormal": "csrae.priors",
}
__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'csrae' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


# A researcher's own files that the process which started this one loaded (csrae.plugins).
from csrae.plugins import load_from_environment  # noqa: E402

load_from_environment()
