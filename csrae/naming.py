"""The names of settings, label budgets and outcomes, no torch.

A *setting* is a latent dimension plus a model's hyperparameters, named
``z=40_lambda=0.5_K=100_prior=vamp``; settings that differ only in the
regulariser weight share a *structure* (``z=40_K=100_prior=vamp``).  The
models and their typed hyperparameters are :mod:`csrae.registry`'s.
"""

import itertools
import re

from csrae import registry

SUPERVISED_MODELS = ("CNN", "ResNet18")  # Table III's supervised baselines (no latent, no hyperparameters)


def hyperparameters(model: str) -> tuple[str, ...]:
    """The hyperparameters a model of the registry takes, its regulariser's weight first."""
    return registry.model(model).names


def weight_name(model: str) -> str:
    """The hyperparameter that weights a model's regulariser (β or λ)."""
    return registry.model(model).weight


def ssl_hyperparameters(model: str) -> tuple[str, ...]:
    """A semi-supervised model's hyperparameters: the unsupervised model's, plus α (eq. 27); none for the
    supervised baselines."""
    if model in SUPERVISED_MODELS:
        return ()
    entry = registry.model(model)
    if not entry.semisupervised:
        raise ValueError(
            f"{model} has no semi-supervised variant; choose one of {registry.semisupervised_models()} "
            "(or a supervised baseline: CNN, ResNet18)"
        )
    return (*entry.names, "alpha")


SUPERVISED_SETTING = "supervised"


def ssl_setting_id(model: str, latent_dim: int, hparams: dict) -> str:
    """``z=40_lambda=1_alpha=10``-style names; every supervised run is ``supervised``."""
    if model in SUPERVISED_MODELS:
        return SUPERVISED_SETTING
    return setting_id(model, latent_dim, hparams, ssl_hyperparameters(model))


def parse_ssl_setting_id(model: str, text: str) -> tuple[int, dict]:
    """Inverse of :func:`ssl_setting_id`: latent dimension (0 for supervised models) and hyperparameters."""
    if model in SUPERVISED_MODELS:
        if text != SUPERVISED_SETTING:
            raise ValueError(f"supervised {model} runs are named {SUPERVISED_SETTING!r}, got {text!r}")
        return 0, {}
    return parse_setting_id(model, text, ssl_hyperparameters(model))


def _item(name: str, value) -> str:
    return f"{name}={value:g}" if isinstance(value, float | int) else f"{name}={value}"


def hp_id(model: str, hparams: dict, names=None) -> str:
    """A path-safe name for a hyperparameter setting, e.g. ``lambda=0.5_K=10_prior=mog``.

    ``names`` are the hyperparameters in order (default: the model's, :func:`hyperparameters`).
    """
    return "_".join(_item(name, hparams[name]) for name in names or hyperparameters(model))


def parse_hp_id(model: str, text: str, names=None) -> dict:
    """Inverse of :func:`hp_id` (names may hold underscores, e.g. ``n_iw``)."""
    names = names or hyperparameters(model)
    items = re.split(r"_(?=(?:{})=)".format("|".join(map(re.escape, names))), text)
    pairs = dict(item.split("=", 1) for item in items if "=" in item)
    if list(pairs) != list(names) or len(items) != len(names):
        raise ValueError(f"{text!r} does not name the hyperparameters of {model}: {names}")
    return {name: parse_value(model, name, value) for name, value in pairs.items()}


def setting_id(model: str, latent_dim: int, hparams: dict, names=None) -> str:
    """A run's setting in the sweep: latent dimension, then hyperparameters, e.g. ``z=40_lambda=1``."""
    return f"z={latent_dim}_{hp_id(model, hparams, names)}"


def parse_setting_id(model: str, text: str, names=None) -> tuple[int, dict]:
    """Inverse of :func:`setting_id`: the latent dimension and the hyperparameters."""
    match = re.fullmatch(r"z=(\d+)_(.+)", text)
    if not match:
        raise ValueError(f"{text!r} is not a sweep setting of the form z=<latent dim>_<hyperparameters>")
    return int(match[1]), parse_hp_id(model, match[2], names)


def sweep_settings(model: str, grid: dict, latent_dims, names=None) -> list[str]:
    """A sweep's settings: each latent dimension × the product of the grid's values of ``names`` (default:
    the model's hyperparameters), in sweep order."""
    names = names or hyperparameters(model)
    return [
        setting_id(model, z, dict(zip(names, values)), names)
        for z in latent_dims
        for values in itertools.product(*(grid[name] for name in names))
    ]


def structure_id(model: str, setting: str) -> str:
    """The setting without its regulariser weight, e.g. ``z=40_K=10_prior=mog``: selection picks the weight."""
    latent_dim, hparams = parse_setting_id(model, setting)
    rest = [_item(name, hparams[name]) for name in hyperparameters(model)[1:]]
    return "_".join([f"z={latent_dim}", *rest])


def parse_value(model: str, name: str, value: str):
    """A hyperparameter's value from its spelling in a setting name, typed by the registry."""
    return (registry.ALPHA if name == "alpha" else registry.model(model).hyperparameter(name)).parse(value)


def budget_alphas(alpha, labels: float, fraction: bool) -> list[float]:
    """The α values (eq. 27) of a label budget: ``alpha`` itself when it lists numbers, or
    ``{"per_label": [c, …]}``: c × the number of labelled points, Kingma et al.'s α = 0.1·N
    for batch means at c = 0.1 (count budgets only: a fraction's count depends on the data)."""
    if not isinstance(alpha, dict):
        return [float(a) for a in alpha]
    if fraction:
        raise ValueError(
            f"alpha: {{per_label: ...}} needs label counts, but the budget {labels:g} is a fraction "
            "of the training frames: give this dataset alpha as a list of numbers "
            "(semisupervised.datasets.<dataset>.alpha)"
        )
    return [float(f"{c * labels:.6g}") for c in alpha["per_label"]]


def labels_id(labels: float, fraction: bool, supervised: bool = False) -> str:
    """The label budget as a path part: ``n=250`` (a count), ``p=0.1`` (a fraction) or ``all`` (supervised)."""
    if supervised:
        return "all"
    return f"p={labels:g}" if fraction else f"n={int(labels)}"


def parse_labels_id(text: str) -> float:
    """Inverse of :func:`labels_id`."""
    if text == "all":
        return 1.0
    match = re.fullmatch(r"(n|p)=([0-9.]+)", text)
    if not match:
        raise ValueError(f"{text!r} is not a label budget of the form n=<count>, p=<fraction> or all")
    return float(match[2])


def describe_divergence(diverged: dict) -> str:
    """``diverged at epoch 212 (train step 4: loss=nan, …)``."""
    where = f"train step {diverged['step']}" if diverged["phase"] == "train" else "validation"
    terms = ", ".join(f"{name}={value:.4g}" for name, value in diverged["terms"].items())
    return f"diverged at epoch {diverged['epoch']} ({where}: {terms}; weight {diverged['weight']:g})"
