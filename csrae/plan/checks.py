"""The checks a study passes before any job: data that is there and sound, figures that can be drawn.

Each raises a :class:`csrae.plan.config.ConfigError` (or the data's own
:class:`csrae.data.DatasetFileError`) whose first line names the key or
file at fault and says the fix, so a wrong config or a missing dataset
stops the run before anything is computed, and nothing finished is touched.
"""

from pathlib import Path

from csrae.data import registry as datasets
from csrae.data.download import DatasetFileError
from csrae.data.faces import read_index
from csrae.plan.config import ConfigError

PREPARED = "results/data/{}/data.npz"


def check_sources(study) -> None:
    """Every dataset's published files present (or prepared already), naming where they go and come from."""
    for dataset in study.prepared:
        if Path(PREPARED.format(dataset)).is_file():
            continue
        try:
            datasets.dataset(dataset).check_sources(study.dataset_settings(dataset).get("source"))
        except DatasetFileError as error:
            if dataset not in study.fid_classifier_only:
                raise
            users = [d for d in study.classifier_fid if datasets.dataset(d).fid_classifier == dataset]
            raise DatasetFileError(
                f"the FID of {', '.join(users)} (unlabelled) uses a classifier trained on {dataset}, "
                f"whose files are needed too: {error}"
            ) from None
    for dataset in study.ssl.face_datasets:
        if not Path(f"results/data/{dataset}/faces.json").is_file():
            read_index(dataset, study.ssl.source(dataset), check_frames=False)


def check_own_arrays(study) -> None:
    """One's own arrays (a config's ``.npz``, a plugin's loader), read and checked where they are not
    prepared yet or changed since: finite, in the likelihood's range, labelled as classes 0..C-1."""
    for dataset in study.prepared:
        entry = datasets.dataset(dataset)
        if not (entry.source or entry.declared):
            continue  # the package's datasets are checked as they are read
        path, prepared = (
            entry.source_path(study.dataset_settings(dataset).get("source")),
            Path(PREPARED.format(dataset)),
        )
        if prepared.is_file() and not (path and path.is_file() and path.stat().st_mtime > prepared.stat().st_mtime):
            continue
        try:
            datasets.check_splits(entry, entry.read(path, True))
        except DatasetFileError as error:
            raise ConfigError(f"datasets.{dataset}{'.source' if entry.declared else ''}: {error}") from None


def check_figure2(study) -> None:
    if not study.figure2():
        return
    dataset, model = study.figure2()
    if dataset not in study.datasets or model not in study.model_grids(dataset):
        raise ConfigError(
            f"figure2: dataset {dataset!r} with model {model!r} is not in the sweep; set figure2.dataset to "
            f"one of {study.datasets} and figure2.model to one of its models"
        )
    if dataset in study.image_datasets:
        raise ConfigError(
            f"figure2.dataset: Figure 2 plots 2-D data and latents, {dataset!r} is an image dataset; use a 2-D "
            "dataset (pinwheel) or remove the figure2 entry"
        )


def check_shared_files(usage, storage_provider: str | None, executor: str | None = None) -> None:
    """Refuse to run where the jobs share no file system: the run, evaluation and round stores are written
    and read by the jobs themselves, not declared as outputs, so a storage provider or an executor without a
    shared file system would lose them between jobs.  ``usage``: the names of Snakemake's
    ``--shared-fs-usage``; ``executor``: the name of an executor that implies none."""
    why = (
        f"--default-storage-provider {storage_provider}" if storage_provider
        else f"the {executor} executor, which shares no file system between jobs" if executor
        else "--shared-fs-usage without input-output" if "INPUT_OUTPUT" not in set(usage)
        else None
    )  # fmt: skip
    if why:
        raise ConfigError(
            f"shared file system: {why} cannot run this workflow. Its jobs write and read the runs and evaluations "
            "in results/ themselves (they are stores, not declared outputs), so every job needs the same file "
            "system: run it locally, or on Slurm (profiles/slurm) with results/ on a shared file system "
            "(docs/cluster.md, 'No shared file system')"
        )
