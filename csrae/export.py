"""Every run of a results folder in an experiment tracker's local store: TensorBoard event files.

Each run with a ``history.csv`` (the unsupervised study's ``results/runs``
and the semi-supervised ``results/semisupervised/runs``) becomes a
TensorBoard run named by its folder (``runs/<dataset>/<model>/<setting>/
seed<k>/<key>``): its history as scalars per epoch (``train/loss``,
``val/reconstruction``, …), and its hyperparameters with its final metrics
(the best epoch's, and the newest evaluation's) in the HParams dashboard,
where a sweep can be filtered and sorted by any hyperparameter.  One
experiment, written at the top of the export, declares the hyperparameters
and metrics of every run (the β of a VAE beside the λ of a CSRAE); each run
carries its own values.  Exporting again replaces a run's events only once
its new ones are written.
"""

import fnmatch
import json
import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from csrae.curves import read_history

# study → (its runs under results/, the record a finished run writes last)
STUDIES = {"generative": ("runs", "summary.json"), "semisupervised": ("semisupervised/runs", "metrics.json")}


@dataclass
class TrackedRun:
    name: str  # the run folder under results/
    hparams: dict  # flat: study, dataset, model, latent_dim, seed, the model's and the training's settings
    history: pd.DataFrame
    metrics: dict  # name → final value


def newest_evaluations(results: Path) -> dict[str, dict]:
    """run key → its newest evaluation record (``results/evaluation/**/metrics.json``)."""
    found = sorted((results / "evaluation").rglob("metrics.json"), key=lambda p: p.stat().st_mtime)
    return {record["run_key"]: record for record in (json.loads(p.read_text()) for p in found)}


def numbers(record: dict, prefix: str = "") -> dict:
    """The finite numbers of a record (booleans left out), names prefixed."""
    return {
        prefix + name: float(value)
        for name, value in record.items()
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    }


def tracked_runs(results: str | Path, match: str = "*") -> Iterator[TrackedRun]:
    """The finished runs under ``results`` whose folder name (relative to it) matches ``match``."""
    results = Path(results)
    evaluations = newest_evaluations(results)
    for study, (runs, record_name) in STUDIES.items():
        for record_path in sorted((results / runs).rglob(record_name)):
            folder = record_path.parent
            name = folder.relative_to(results).as_posix()
            if not fnmatch.fnmatch(name, match) or not (folder / "history.csv").is_file():
                continue
            record = json.loads(record_path.read_text())
            spec = json.loads((folder / "summary.json").read_text())["spec"]
            hparams = {"study": study, "dataset": spec["dataset"], "model": spec["model"]}
            hparams |= {"latent_dim": spec["latent_dim"]} | spec["hparams"]
            hparams |= {name: value for name, value in spec["train"].items() if value is not None}
            hparams |= {key: spec[key] for key in ("labels", "fold") if key in spec}
            if study == "generative":
                metrics = numbers(record.get("best") or {}, "best/") | numbers(evaluations.get(record["key"], {}))
                metrics = {name: v for name, v in metrics.items() if name not in ("seed", *spec["hparams"])}
            else:
                metrics = {name: v for name, v in numbers(record).items() if name.startswith(("val_", "test_"))}
            yield TrackedRun(name, hparams, read_history(folder), metrics)


def summary_writer(folder: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as error:
        raise ImportError("csrae export writes TensorBoard files: pip install 'csrae[tracker]'") from error
    return SummaryWriter(str(folder))


def experiment(runs: list[TrackedRun], out: Path) -> None:
    """The HParams experiment of every run: each hyperparameter and metric any run has, once, at ``out``
    (replacing an earlier export's)."""
    from torch.utils.tensorboard.summary import hparams

    examples = {name: value for run in runs for name, value in run.hparams.items()}
    metrics = {f"final/{name}": 0.0 for run in runs for name in run.metrics}
    for old in out.glob("events.out.tfevents.*"):
        old.unlink()
    exp, _, _ = hparams(examples, metrics)
    with summary_writer(out) as writer:
        writer.file_writer.add_summary(exp)


def to_tensorboard(runs, out: str | Path, log=print) -> int:
    """Write ``runs`` (:func:`tracked_runs`) under ``out``, with their experiment; the number written."""
    from torch.utils.tensorboard.summary import hparams

    out, count, runs = Path(out), 0, list(runs)
    for run in runs:
        target = out / run.name
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        with summary_writer(partial) as writer:
            for row in run.history.to_dict("records"):
                epoch = int(row.pop("epoch"))
                for column, value in row.items():
                    if not math.isnan(value):
                        split, _, term = column.partition("_")
                        writer.add_scalar(f"{split}/{term}" if term else split, value, epoch)
            metrics = {f"final/{name}": v for name, v in run.metrics.items()}
            _, start, end = hparams(run.hparams, metrics)  # the run's values; the experiment is the export's
            for summary in (start, end):
                writer.file_writer.add_summary(summary)
            for name, value in metrics.items():
                writer.add_scalar(name, value)
        if target.exists():
            shutil.rmtree(target)
        partial.rename(target)
        count += 1
        log(f"exported {run.name}")
    experiment(runs, out)
    return count
