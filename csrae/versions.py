"""The version of each component that defines a result: bump one when a change alters what it computes.

A result's identity (:mod:`csrae.store`) holds the versions of the components
it depends on (:data:`DEPENDS`), so bumping one recomputes exactly what
depends on it, beside the results of the old version, which stay where they
are.  A change that alters no result (a refactor, a log line, a faster
kernel with the same numbers) bumps nothing; the git commit is recorded in
every result's provenance but is not part of its identity, so a commit does
not retrain everything.  No torch here: the Snakefile reads it.
"""

COMPONENTS = {
    "data": 1,  # dataset preparation (csrae.data): the prepared arrays and their splits
    "model": 1,  # networks, priors, likelihoods, divergences, losses (csrae.models and what it builds)
    "training": 1,  # the trainers: Adam, warm-up, early stopping, random streams (csrae.trainer, csrae.packed)
    "evaluation": 1,  # the metrics of a trained model (csrae.evaluation, csrae.metrics)
    "feature_net": 1,  # the domain classifier of FID (csrae.metrics.features)
    "semisupervised": 1,  # M2 and the supervised baselines, their trainer and metrics (csrae.semisupervised)
}
# What each kind of result depends on.
DEPENDS = {
    "run": ("data", "model", "training"),
    "evaluation": ("evaluation",),  # and, through the run's key, what the run depends on
    "feature_net": ("data", "feature_net"),
    "semisupervised": ("data", "model", "training", "semisupervised"),
}


def versions(kind: str) -> dict[str, int]:
    """The component versions a result of ``kind`` (a key of :data:`DEPENDS`) depends on."""
    return {name: COMPONENTS[name] for name in DEPENDS[kind]}
