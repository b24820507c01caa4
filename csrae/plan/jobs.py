"""What defines each kind of job, and the path of its output, named by the hash of that definition.

The one place a job's identity is written: the plan (:class:`csrae.plan.Study`)
names every job's output by these definitions, and each job's script builds
the same definition from the settings it was given, in its own process (its
csrae's component versions, its plugin files) and refuses to run
(:func:`check_job`) if it does not hash to the key in its output's name.
"""

from csrae import plugins, registry
from csrae.store import content_key
from csrae.versions import versions

MANIFESTS = "results/manifests"


class JobMismatch(RuntimeError):
    """A job whose settings or code do not hash to the key its output is named by."""


def manifest(kind: str, parts, definition: dict) -> str:
    """``results/manifests/<kind>/<parts>/<key>.json``: a job's output, named by what defines the job."""
    return f"{MANIFESTS}/{kind}/{'/'.join(map(str, parts))}/{content_key(definition)}.json"


def train_job(preparation: dict, model: str, settings: list, seeds: list, training: dict, kernels: dict) -> dict:
    """A training job: every setting × seed of one structure, with its data, training settings, the run
    components' versions, the plugin file that registered its model and the pinned CPU kernels."""
    definition = {
        "data": preparation,
        "model": model,
        "settings": settings,
        "seeds": seeds,
        "training": training,
        "versions": versions("run"),
    }
    return definition | plugins.source_digest(registry.model(model).source) | kernels


def evaluation_job(runs: str, evaluation: dict, feature_net: str | None) -> dict:
    """An evaluation job: the training manifest of its runs, the evaluation settings and FID classifier."""
    return {"runs": runs, "evaluation": evaluation, "feature_net": feature_net, "versions": versions("evaluation")}


def feature_net_job(preparation: dict, epochs: int) -> dict:
    """The domain classifier of a dataset's FID: its data and epochs (its file's key and record are this)."""
    return {"data": preparation, "epochs": epochs, "versions": versions("feature_net")}


def semisupervised_job(
    data, model: str, labels: str, hp: str, fold: int, seeds: list, training: dict, weights, kernels: dict
) -> dict:  # fmt: skip
    """A semi-supervised training job: every seed of one setting, label budget and fold; ``weights``: the
    config's starting weights, which only a model that takes them (ResNet18) uses."""
    definition = {
        "data": data,
        "model": model,
        "labels": labels,
        "hp": hp,
        "fold": fold,
        "seeds": seeds,
        "training": training,
        "resnet18_weights": weights if registry.model(model).starting_weights else None,
        "versions": versions("semisupervised"),
    }
    return definition | kernels


def check_job(definition: dict, key: str, output: str) -> None:
    """Refuse a job whose definition does not hash to ``key``, the key of its output's name."""
    if content_key(definition) != key:
        raise JobMismatch(
            f"{output}: this job's settings and code hash to {content_key(definition)}, not to the key {key} in its "
            "output's name: the config or the installed csrae changed since the output's path was planned (or it "
            "was asked for by an old path). Ask for the study's targets (snakemake all, or results/table1.csv) "
            "so that the current config names its jobs, and install the same csrae where the jobs run "
            "(docs/deploy.md)"
        )
