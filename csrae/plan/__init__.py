"""The study's plan, from a config alone: which jobs it makes, what defines each, and its targets.

No Snakemake and no torch: the workflow's rule files call this package (and
keep only input functions), and a reader or a test can ask the same
questions in Python (docs/library.md, "Planning")::

    from csrae import plan
    study = plan.start(config, ["config/config.yaml"], "workflow/schemas/config.schema.yaml")
    study.manifests()                      # every job's output, named by the hash of its definition
    dataset, model, structure = study.structures_of()[0]
    study.train_job(dataset, model, structure)   # what defines that structure's training job

:func:`start` is the one start-up step: it reads and validates the config,
loads the researcher's plugin files, checks the model grids and datasets
and pins the CPU kernels of the jobs; every refusal names the key at fault
before any job runs.
"""

from pathlib import Path

from csrae import plugins, registry
from csrae.cpu_kernels import pin_cpu_kernels
from csrae.data import registry as datasets
from csrae.plan.checks import check_figure2, check_own_arrays, check_shared_files, check_sources
from csrae.plan.config import ConfigError, read_config, validate
from csrae.plan.jobs import JobMismatch, check_job, manifest
from csrae.plan.study import EVALUATION_STORE, RUN_STORE, Study

__all__ = [
    "ConfigError", "EVALUATION_STORE", "JobMismatch", "RUN_STORE", "Study", "check_job", "check_shared_files",
    "manifest", "replan", "start",
]  # fmt: skip


def start(config: dict, config_files, schema: str | Path, check_data: bool = True) -> Study:
    """Check ``config`` (merged from ``config_files``) and return its :class:`Study`: no key given twice in
    a file, the schema (defaults filled in), finite numbers, the plugin files loaded, every model grid and
    dataset known, the semi-supervised settings possible, Figure 2 drawable, no sbatch flag in
    ``slurm_extra`` that the Slurm plugin sets itself, and (``check_data``) every dataset's files present
    and one's own arrays sound.  Sets the jobs' CPU kernels (``MKL_CBWR``)."""
    for path in config_files:
        read_config(path)
    validate(config, schema)
    plugins.load(config.get("plugins", []))
    try:
        registry.check_model_grids(config)
        for dataset, settings in config["datasets"].items():
            datasets.declare(dataset, settings)
        study = Study(config)
        study.ssl.manifests()  # the semi-supervised settings of every dataset are possible
    except ValueError as error:
        raise ConfigError(str(error)) from None
    check_figure2(study)
    study.resources.check()
    pin_cpu_kernels(config["cpu_kernels"])
    if check_data:
        check_sources(study)
        check_own_arrays(study)
    return study


def replan(config: dict) -> Study:
    """The :class:`Study` of a config :func:`start` has checked, in another process (a job's): its plugin
    files loaded and its own datasets declared, nothing checked again."""
    plugins.load(config.get("plugins", []))
    for dataset, settings in config["datasets"].items():
        datasets.declare(dataset, settings)
    return Study(config)
