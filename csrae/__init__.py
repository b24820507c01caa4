"""csrae: the Cauchy-Schwarz regularised autoencoder (Tran, Pantic, Deisenroth) in PyTorch."""

from csrae.divergence import cauchy_schwarz, kl_normal, kl_standard_normal
from csrae.models import CSRAE, MODELS, BetaVAE, MixtureCSRAE, build_model
from csrae.priors import MixturePrior, StandardNormal

__all__ = [
    "CSRAE",
    "MODELS",
    "BetaVAE",
    "MixtureCSRAE",
    "MixturePrior",
    "StandardNormal",
    "build_model",
    "cauchy_schwarz",
    "kl_normal",
    "kl_standard_normal",
]
__version__ = "0.1.0"
