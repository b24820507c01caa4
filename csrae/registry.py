"""The models, one typed registry, no torch: each generative model a divergence applied to a prior, and the
supervised baselines of the semi-supervised study.

A generative model is trained on RE + weight · R(q(z|x), p(z)) (eq. 13 and
its KL and MMD counterparts): its entry names the divergence R, the prior
p(z) — fixed, or chosen by its ``prior`` hyperparameter among the mixtures —
its typed hyperparameters (the first weights R) and what it supports.  The
paper's models are named points of this space; MixtureVAE and WAE fill the
cells its tables leave empty (docs/library.md, "Models from parts").  A
supervised model (Table III's CNN and ResNet18) is a classifier network
trained on the labels alone: no latent, no hyperparameters.

Everything that lists models reads this registry: the config's checks, the
workflow's wildcards, the figures, the ablation and the comparison
(``tests/test_registry.py`` scans the repository for other lists).  A
researcher's own model is one :func:`register` call in their own file
(:mod:`csrae.plugins`).
"""

import dataclasses
import math
import re
from dataclasses import dataclass, field

from csrae import plugins

# p(z): N(0, I), or a mixture: learned MoG from a network (Table VI), MoG parameters, VampPrior (eq. 23), or
# Figure 2's fixed mixture at the corners of {0, 1}^D (eq. 31, K = 2^D).
STANDARD = "standard"
MIXTURE_PRIORS = ("mog", "mog-direct", "vamp", "corners")
PRIOR_NAMES = {
    STANDARD: "N(0, I)",
    "mog": "MoG",
    "mog-direct": "MoG (direct)",
    "vamp": "VampPrior",
    "corners": "corners",
}


@dataclass(frozen=True)
class Hyperparameter:
    """A hyperparameter's name and type; numbers have a lower bound, words a list of choices; ``example``: a
    value that builds a small model (tests, benchmarks)."""

    name: str
    kind: type
    minimum: float | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""
    example: float | str | None = None

    def parse(self, text: str):
        """The value a setting name (:func:`csrae.naming.setting_id`) spells ``text``."""
        return text if self.kind is str else self.kind(float(text))

    def problem(self, value) -> str | None:
        """Why ``value`` is not a value of this hyperparameter, or None."""
        if self.kind is str:
            return None if value in self.choices else f"{value!r} is not one of {list(self.choices)}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{value!r} is not {'an integer' if self.kind is int else 'a number'}"
        if not math.isfinite(value):
            return f"{value!r} is not a finite number"
        if self.kind is int and value != int(value):
            return f"{value!r} is not an integer"
        if self.minimum is not None and value < self.minimum:
            return f"{value!r} is less than {self.minimum:g}"
        return None


BETA = Hyperparameter("beta", float, 0.0, doc="β, the KL's weight (eq. 15)", example=1.0)
LAMBDA = Hyperparameter("lambda", float, 0.0, doc="λ, the regulariser's weight (eq. 13)", example=1.0)
K = Hyperparameter("K", int, 1, doc="mixture components", example=5)
N_IW = Hyperparameter("n_iw", int, 1, doc="importance samples", example=3)
PRIOR = Hyperparameter("prior", str, choices=MIXTURE_PRIORS, doc="the mixture prior", example="mog")
ALPHA = Hyperparameter("alpha", float, 0.0, doc="α, the classification term's weight (eq. 27)", example=10.0)
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")  # a model's name is a part of every path it writes


@dataclass(frozen=True)
class ModelType:
    """One model.  Generative: ``divergence`` (a name in :data:`csrae.regularisers.DIVERGENCES`) to ``prior``
    (a fixed prior, or None: the ``prior`` hyperparameter chooses a mixture), with ``hyperparameters`` whose
    first weights the regulariser; ``objective``: ``elbo`` (RE + weight · R) or ``iwae`` (importance
    weighted); ``semisupervised``: usable in M2 (Sec. 3.3); ``packable``: trainable on stacked parameters.
    Supervised (``network`` names its classifier in :mod:`csrae.semisupervised.baselines`): no divergence,
    prior or hyperparameters; ``starting_weights``: it can start from a file of weights (torchvision's)."""

    name: str
    divergence: str | None
    prior: str | None
    hyperparameters: tuple[Hyperparameter, ...]
    doc: str
    objective: str = "elbo"
    semisupervised: bool = False
    packable: bool = True
    network: str | None = None
    starting_weights: bool = False
    source: str | None = field(default=None, compare=False)  # the user file that registered it

    def __post_init__(self):
        if not NAME.fullmatch(self.name):
            raise ValueError(f"model name {self.name!r}: use letters, digits, '_' and '-', starting with a letter")
        if self.supervised:
            if self.divergence or self.prior or self.hyperparameters:
                raise ValueError(f"model {self.name}: a supervised network has no divergence, prior or hyperparameters")
            return
        if (self.prior is None) != (PRIOR in self.hyperparameters):
            raise ValueError(f"model {self.name}: give a fixed prior or the 'prior' hyperparameter, not both")
        if self.prior is not None and self.prior not in PRIOR_NAMES:
            raise ValueError(f"model {self.name}: unknown prior {self.prior!r}; choose one of {list(PRIOR_NAMES)}")
        if not self.hyperparameters or self.hyperparameters[0].kind is not float:
            raise ValueError(f"model {self.name}: the first hyperparameter must be the regulariser's weight")

    @property
    def supervised(self) -> bool:
        """A classifier trained on labels alone (:attr:`network`), not a generative model."""
        return self.network is not None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hyperparameters)

    @property
    def ssl_names(self) -> tuple[str, ...]:
        """Its hyperparameters in the semi-supervised study: its own plus α (eq. 27); none if supervised."""
        return () if self.supervised else (*self.names, ALPHA.name)

    def example(self) -> dict:
        """A setting of every hyperparameter that builds a small model (tests, benchmarks)."""
        return {h.name: h.example for h in self.hyperparameters}

    @property
    def weight(self) -> str:
        """The hyperparameter that weights the regulariser (β or λ)."""
        return self.hyperparameters[0].name

    def hyperparameter(self, name: str) -> Hyperparameter:
        return {h.name: h for h in self.hyperparameters}[name]

    def prior_of(self, hparams: dict) -> str:
        """The prior of a setting of this model."""
        return self.prior or hparams["prior"]

    def closed_form(self, prior: str) -> bool:
        """Whether the reported regulariser is exact (selection's RE + R): KL to N(0, I) and D_CS always."""
        return self.divergence == "CS" or (self.divergence == "KL" and prior == STANDARD)

    def per_class_prior(self, hparams: dict) -> bool:
        """Whether the semi-supervised p(z|y) can be the prior's components of class y: D_CS to a mixture."""
        return self.divergence == "CS" and self.prior_of(hparams) != STANDARD

    def check_grid(self, grid: dict, where: str) -> None:
        """A sweep grid (each hyperparameter a list of values) for this model, or a ValueError naming the fix."""
        missing, unknown = set(self.names) - set(grid), set(grid) - set(self.names)
        if missing or unknown:
            raise ValueError(f"{where}: {self.name} takes the hyperparameters {list(self.names)}; got {sorted(grid)}")
        for name, values in grid.items():
            values = values if isinstance(values, list) else [values]
            if not values:
                raise ValueError(f"{where}.{name}: give at least one value")
            problems = [p for p in map(self.hyperparameter(name).problem, values) if p]
            if problems:
                raise ValueError(f"{where}.{name}: {problems[0]} ({self.hyperparameter(name).doc})")


MODELS: dict[str, ModelType] = {}
# Whom the paper measures improvements against: the VAE; VampPriorVAE on the face datasets (Tables III(b, c),
# VII, VIII).
REFERENCE_MODEL, FACE_REFERENCE_MODEL = "VAE", "VampPriorVAE"


def register(entry: ModelType) -> ModelType:
    """Add a model to the registry; one a plugin file registers records the file (:mod:`csrae.plugins`)."""
    if entry.name in MODELS and MODELS[entry.name] != entry:
        raise ValueError(f"a model named {entry.name!r} is registered already; choose another name")
    MODELS[entry.name] = dataclasses.replace(entry, source=entry.source or plugins.loading())
    return MODELS[entry.name]


def model(name: str) -> ModelType:
    """The registered model ``name``, or a ValueError listing the others and how to add one."""
    if name not in MODELS:
        raise ValueError(
            f"unknown model {name!r}; choose one of {list(MODELS)}, or register your own "
            "(config `plugins`, docs/library.md 'Your own model')"
        )
    return MODELS[name]


def check_model_grids(config: dict) -> None:
    """Every model grid of a workflow config (``models``, ``datasets.<d>.models``,
    ``semisupervised.models``) and its supervised baselines against the registry, or a ValueError naming
    the key and the fix."""
    grids = [("models", config.get("models", {}))]
    grids += [(f"datasets.{d}.models", s.get("models", {})) for d, s in config.get("datasets", {}).items()]
    for where, models in grids:
        for name, grid in models.items():
            entry = named(name, f"{where}.{name}")
            if entry.supervised:
                raise ValueError(f"{where}.{name}: {name} is a supervised baseline; choose among {generative_models()}")
            entry.check_grid(grid, f"{where}.{name}")
    ssl = config.get("semisupervised", {})
    for name, grid in ssl.get("models", {}).items():
        if not named(name, f"semisupervised.models.{name}").semisupervised:
            raise ValueError(
                f"semisupervised.models.{name}: {name} has no semi-supervised variant; "
                f"choose among {semisupervised_models()}"
            )
        model(name).check_grid({k: v for k, v in grid.items() if k != "alpha"}, f"semisupervised.models.{name}")
    for name in ssl.get("supervised", []):
        if not named(name, "semisupervised.supervised").supervised:
            raise ValueError(
                f"semisupervised.supervised: {name} is not a supervised baseline; choose among {supervised_models()}"
            )


def named(name: str, where: str) -> ModelType:
    """The registered model ``name``, or a ValueError whose first words are the config key ``where``."""
    try:
        return model(name)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def applying(divergence: str, prior: str | None) -> ModelType:
    """The registered model of one cell of the design space: ``divergence`` to ``prior`` (None: a mixture its
    ``prior`` hyperparameter chooses), trained on RE + weight · R."""
    for entry in MODELS.values():
        if (entry.divergence, entry.prior, entry.objective) == (divergence, prior, "elbo"):
            return entry
    raise ValueError(f"no registered model applies {divergence} to {prior or 'a mixture prior'}")


def generative_models() -> list[str]:
    return [name for name, entry in MODELS.items() if not entry.supervised]


def semisupervised_models() -> list[str]:
    return [name for name, entry in MODELS.items() if entry.semisupervised]


def supervised_models() -> list[str]:
    return [name for name, entry in MODELS.items() if entry.supervised]


for _entry in (
    ModelType("VAE", "KL", STANDARD, (BETA,), "β-VAE (eq. 15); β = 1 is the VAE", semisupervised=True),
    ModelType("IWAE", "KL", STANDARD, (BETA, N_IW), "importance-weighted autoencoder (Burda et al.)", "iwae"),
    ModelType("VampPriorVAE", "KL", "vamp", (BETA, K), "β-VAE with the VampPrior (eq. 23)", semisupervised=True),
    ModelType("CSRAE", "CS", STANDARD, (LAMBDA,), "λ · D_CS(q(z|x) ‖ N(0, I)) (eq. 13)", semisupervised=True),
    ModelType(
        "MixtureCSRAE", "CS", None, (LAMBDA, K, PRIOR), "λ · D_CS to a mixture prior (eqs. 18-23)", semisupervised=True
    ),
    ModelType("MixtureVAE", "KL", None, (BETA, K, PRIOR), "β · KL to a mixture prior, sampled", semisupervised=True),
    ModelType("WAE", "MMD", STANDARD, (LAMBDA,), "WAE-MMD (Tolstikhin et al. 2018): λ · MMD² per batch"),
    ModelType("CNN", None, None, (), "Table III's supervised CNN: h_x and q(y|x) of Table VI", network="cnn"),
    ModelType(
        "ResNet18", None, None, (), "Table III's supervised torchvision ResNet18", network="resnet18",
        starting_weights=True,
    ),
):  # fmt: skip
    register(_entry)
