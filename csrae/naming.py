"""The names of settings, label budgets and outcomes, no torch: one way to write them, one way to read them.

A *setting* is a latent dimension plus a model's hyperparameters, named
``z=40_lambda=0.5_K=100_prior=vamp``; settings that differ only in the
regulariser weight share a *structure* (``z=40_K=100_prior=vamp``).  A label
budget is ``n=250`` (a count), ``p=0.1`` (a fraction) or ``all``.  Every name
is ``name=value`` items joined by ``_`` (:func:`spell`) and read back by
:func:`items`, which splits only before a known name (names may hold
underscores: ``n_iw``).  The models and their typed hyperparameters are
:mod:`csrae.registry`'s.
"""

import itertools
import re

from csrae import registry

LATENT, COUNT, FRACTION = "z", "n", "p"  # latent dimension; a label budget's count or fraction
SUPERVISED_SETTING, ALL_LABELS = "supervised", "all"  # the one setting and budget of a supervised baseline


def _item(name: str, value) -> str:
    return f"{name}={value:g}" if isinstance(value, float | int) else f"{name}={value}"


def spell(values: dict) -> str:
    """``name=value`` items in order, joined by ``_`` (numbers as ``%g``)."""
    return "_".join(_item(name, value) for name, value in values.items())


def items(text: str, names) -> dict[str, str]:
    """The ``name=value`` items of a name written by :func:`spell` from ``names`` (in any order), as text;
    a ValueError if ``text`` holds anything else."""
    pattern = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    parts = re.split(rf"_(?=(?:{pattern})=)", text)
    found = dict(part.split("=", 1) for part in parts if "=" in part)
    if len(found) != len(parts) or not set(found) <= set(names):
        raise ValueError(f"{text!r} is not made of name=value items of {sorted(names)}")
    return found


def hyperparameters(model: str) -> tuple[str, ...]:
    """The hyperparameters a model of the registry takes, its regulariser's weight first."""
    return registry.model(model).names


def weight_name(model: str) -> str:
    """The hyperparameter that weights a model's regulariser (β or λ)."""
    return registry.model(model).weight


def ssl_hyperparameters(model: str) -> tuple[str, ...]:
    """A semi-supervised model's hyperparameters: the unsupervised model's, plus α (eq. 27); none for the
    supervised baselines."""
    entry = registry.model(model)
    if not entry.semisupervised and not entry.supervised:
        raise ValueError(
            f"{model} has no semi-supervised variant; choose one of {registry.semisupervised_models()} "
            f"(or a supervised baseline: {', '.join(registry.supervised_models())})"
        )
    return entry.ssl_names


def ssl_setting_id(model: str, latent_dim: int, hparams: dict) -> str:
    """``z=40_lambda=1_alpha=10``-style names; every supervised run is ``supervised``."""
    if registry.model(model).supervised:
        return SUPERVISED_SETTING
    return setting_id(model, latent_dim, hparams, ssl_hyperparameters(model))


def parse_ssl_setting_id(model: str, text: str) -> tuple[int, dict]:
    """Inverse of :func:`ssl_setting_id`: latent dimension (0 for supervised models) and hyperparameters."""
    if registry.model(model).supervised:
        if text != SUPERVISED_SETTING:
            raise ValueError(f"supervised {model} runs are named {SUPERVISED_SETTING!r}, got {text!r}")
        return 0, {}
    return parse_setting_id(model, text, ssl_hyperparameters(model))


def hp_id(model: str, hparams: dict, names=None) -> str:
    """A path-safe name for a hyperparameter setting, e.g. ``lambda=0.5_K=10_prior=mog``.

    ``names`` are the hyperparameters in order (default: the model's, :func:`hyperparameters`).
    """
    return spell({name: hparams[name] for name in names or hyperparameters(model)})


def parse_hp_id(model: str, text: str, names=None) -> dict:
    """Inverse of :func:`hp_id`."""
    names = names or hyperparameters(model)
    try:
        found = items(text, names)
    except ValueError:
        found = {}
    if list(found) != list(names):
        raise ValueError(f"{text!r} does not name the hyperparameters of {model}: {names}")
    return {name: parse_value(model, name, value) for name, value in found.items()}


def setting_id(model: str, latent_dim: int, hparams: dict, names=None) -> str:
    """A run's setting in the sweep: latent dimension, then hyperparameters, e.g. ``z=40_lambda=1``."""
    return f"{LATENT}={latent_dim}_{hp_id(model, hparams, names)}"


def parse_setting_id(model: str, text: str, names=None) -> tuple[int, dict]:
    """Inverse of :func:`setting_id`: the latent dimension and the hyperparameters."""
    match = re.fullmatch(rf"{LATENT}=(\d+)_(.+)", text)
    if not match:
        raise ValueError(f"{text!r} is not a sweep setting of the form z=<latent dim>_<hyperparameters>")
    return int(match[1]), parse_hp_id(model, match[2], names)


def structure_id(model: str, setting: str) -> str:
    """The setting without its regulariser weight, e.g. ``z=40_K=10_prior=mog``: selection picks the weight."""
    latent_dim, hparams = parse_setting_id(model, setting)
    return spell({LATENT: latent_dim} | {name: hparams[name] for name in hyperparameters(model)[1:]})


def structure_values(model: str, text: str) -> dict[str, str]:
    """The items of a structure (or a label budget) of ``model``: latent dimension, label count or fraction,
    and its hyperparameters other than the weight (``{"z": "40", "K": "10"}``; ``all``: none)."""
    names = (LATENT, COUNT, FRACTION, *registry.model(model).names)
    return {} if text == ALL_LABELS else items(text, names)


def sweep_settings(model: str, grid: dict, latent_dims, names=None) -> list[str]:
    """A sweep's settings: each latent dimension × the product of the grid's values of ``names`` (default:
    the model's hyperparameters), in sweep order."""
    names = names or hyperparameters(model)
    return [
        setting_id(model, z, dict(zip(names, values)), names)
        for z in latent_dims
        for values in itertools.product(*(grid[name] for name in names))
    ]


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
        return ALL_LABELS
    return spell({FRACTION: labels}) if fraction else spell({COUNT: int(labels)})


def parse_labels_id(text: str) -> float:
    """Inverse of :func:`labels_id`."""
    if text == ALL_LABELS:
        return 1.0
    try:
        ((_, value),) = items(text, (COUNT, FRACTION)).items()
        return float(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a label budget of the form n=<count>, p=<fraction> or all") from None


def cell_id(dataset: str, model: str, setting: str) -> str:
    """A selected setting's runs on one dataset, over all their seeds: ``mnist5k/CSRAE/z=40_lambda=1``."""
    return f"{dataset}/{model}/{setting}"


def parse_cell_id(text: str) -> tuple[str, str, str]:
    """Inverse of :func:`cell_id`: dataset, model and setting."""
    dataset, model, setting = text.split("/")
    return dataset, model, setting


def describe_divergence(diverged: dict) -> str:
    """``diverged at epoch 212 (train step 4: loss=nan, …)``."""
    where = f"train step {diverged['step']}" if diverged["phase"] == "train" else "validation"
    terms = ", ".join(f"{name}={value:.4g}" for name, value in diverged["terms"].items())
    return f"diverged at epoch {diverged['epoch']} ({where}: {terms}; weight {diverged['weight']:g})"
