"""Training runs end to end: build, train (resumably, alone or packed), save; and load them back.

A run directory holds ``checkpoint.pt`` (the resumable state),
``model.pt`` (the run's spec and best weights; :mod:`csrae.saved` reads it back), ``history.csv`` (per-epoch
metrics) and, written last, ``summary.json`` (the best epoch, the run's
definition, key and provenance), for the runs of both studies (a
semi-supervised run adds ``metrics.json``).  In the workflow each run has
its own folder in a store keyed by its definition (:func:`run_folder`,
:mod:`csrae.store`).
A diverged run (:mod:`csrae.trainer`) has them too: its best finite weights,
or none (``state_dict`` None) when it diverged before its first finite epoch,
and where it diverged under ``diverged`` in ``model.pt`` and ``summary.json``.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from csrae import plugins, registry
from csrae.cpu_kernels import pinned_cpu_kernels
from csrae.data import Dataset
from csrae.io import atomic_write, atomic_write_text
from csrae.models import Autoencoder, build_model
from csrae.naming import describe_divergence, setting_id
from csrae.packed import PackedTrainer
from csrae.provenance import provenance
from csrae.store import (
    computed_once,
    content_key,
    continue_from,
    file_digests,
    read_record,
    result_folder,
    verified,
)
from csrae.trainer import CHECKPOINT, RunState, TrainConfig, Trainer
from csrae.versions import versions


@dataclass
class RunSpec:
    """Everything that defines a trained model: dataset, model, hyperparameters, settings.

    The semi-supervised study's spec (:class:`csrae.semisupervised.training.SemiSupervisedSpec`) holds
    one, with the label budget and fold."""

    dataset: str
    model: str
    hparams: dict
    latent_dim: int
    train: TrainConfig = field(default_factory=TrainConfig)

    def build(self, data: Dataset) -> Autoencoder:
        torch.manual_seed(self.train.seed)
        return build_model(self.model, self.hparams, data.data_dim, self.latent_dim, data.architecture, data.likelihood)

    def to_dict(self) -> dict:
        return asdict(self)

    def definition(self, data: Dataset, device: torch.device) -> dict:
        """What defines the run's result (:mod:`csrae.store`): the spec, the prepared data's fingerprint,
        architecture and likelihood, the device kind, the versions of the code it depends on (and the
        content of the plugin file that registered its model), and on a CPU the MKL kernels when
        ``MKL_CBWR`` pins them (docs/fidelity.md)."""
        device = torch.device(device)
        definition = self.to_dict() | {
            "data": data.fingerprint,
            "architecture": data.architecture,
            "likelihood": data.likelihood,
            "device": device.type,
            "versions": versions("run"),
        }
        definition |= plugins.source_digest(registry.model(self.model).source)
        kernels = pinned_cpu_kernels()
        return definition | ({"mkl_cbwr": kernels} if kernels and device.type == "cpu" else {})

    @classmethod
    def from_dict(cls, d: dict) -> "RunSpec":
        train_config = cls.__dataclass_fields__["train"].default_factory
        return cls(**{**d, "train": train_config(**d["train"])})


def default_device() -> torch.device:
    """CUDA when present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def run_folder(store: str | Path, spec: RunSpec, data: Dataset, device: torch.device) -> Path:
    """The run's folder in the store: ``<store>/<dataset>/<model>/<setting>/seed<k>/<key>``."""
    setting = setting_id(spec.model, spec.latent_dim, spec.hparams)
    parts = (spec.dataset, spec.model, setting, f"seed{spec.train.seed}")
    return result_folder(store, parts, spec.definition(data, device))


def finished_summary(out_dir: Path, key: str, log=print) -> dict | None:
    """The summary of a finished run of definition ``key`` in ``out_dir`` (written last), or None; a run
    whose ``model.pt`` or ``history.csv`` does not match its summary has that file set aside with a warning
    and is written again from its checkpoint (None)."""
    summary = read_record(out_dir / "summary.json", key, log)
    return verified(out_dir, summary, {"model.pt": read_saved}, "writing the run again from its checkpoint", log)


def train_sweep(specs: list[RunSpec], data: Dataset, store: str | Path, pack: int = 1, device=None, log=print):
    """Train the runs of one structure in the store (:func:`run_folder`): a finished run is read back
    ("cached <key>"), the others are trained (:func:`train_structure`); returns their summaries, each
    with its ``folder``."""
    device = torch.device(device) if device else default_device()
    folders = [run_folder(store, spec, data, device) for spec in specs]
    summaries = train_structure(specs, data, folders, pack=pack, device=device, log=log, keyed=True)
    return [summary | {"folder": str(folder)} for summary, folder in zip(summaries, folders)]


def train_run(
    spec: RunSpec, data: Dataset, out_dir: str | Path, state_dir: str | Path | None = None, device=None, log=print
) -> dict:
    """Train ``spec`` on ``data`` into ``out_dir``; resume from ``state_dir`` (default: ``out_dir``) if a
    checkpoint is there."""
    state_dirs = [state_dir] if state_dir else None
    return train_structure([spec], data, [out_dir], state_dirs, pack=1, device=device, log=log)[0]


def train_structure(
    specs: list[RunSpec], data: Dataset, out_dirs: list, state_dirs: list | None = None, pack: int = 1,
    device=None, log=print, keyed: bool = False,
) -> list[dict]:  # fmt: skip
    """Train the runs of one structure, at most ``pack`` at once on stacked parameters (1: one at a time);
    each resumes from its state dir (default: its out dir), or continues the checkpoint of the same run
    with a smaller epoch budget beside it (:func:`csrae.store.continue_from`).  A run whose out dir holds
    its finished summary is not trained again.  Each run is trained under its lock
    (:class:`csrae.lock.RunLock`): a second process waits for it, then reads its result.  A pack that runs
    out of GPU memory is split in two and its halves trained in turn, from their checkpoints; a model the
    registry does not declare packable is trained one run at a time."""
    if pack < 1:
        raise ValueError(f"pack must be >= 1 (runs trained at once), got {pack}")
    pack = pack if all(registry.model(spec.model).packable for spec in specs) else 1
    device = torch.device(device) if device else default_device()
    out_dirs = [Path(d) for d in out_dirs]
    state_dirs = [Path(d) for d in state_dirs] if state_dirs else out_dirs
    definitions = [spec.definition(data, device) for spec in specs]
    keys = [content_key(definition) for definition in definitions]
    written = {i for i, out_dir in enumerate(out_dirs) if (out_dir / "summary.json").is_file()}

    def train(chunk):
        for i in chunk:
            continue_from(state_dirs[i], definitions[i], CHECKPOINT, log)
        return _train_pack(*([x[i] for i in chunk] for x in (specs, out_dirs, state_dirs)), data, device, log)

    summaries, trained = computed_once(
        state_dirs, lambda i: finished_summary(out_dirs[i], keys[i], log), train, pack,
        definitions if keyed else None, log,
    )  # fmt: skip
    for i, spec in enumerate(specs):
        what = ("repaired" if i in written else "trained") if i in trained else "cached"
        log(f"{what} {keys[i]}: {spec.dataset} {spec.model} {spec.hparams} seed {spec.train.seed} ({out_dirs[i]})")
    return summaries


def _train_pack(specs, out_dirs, state_dirs, data, device, log) -> list[dict]:
    if not specs:
        return []
    if len(specs) == 1:
        return [_train_alone(specs[0], data, out_dirs[0], state_dirs[0], device, log)]
    try:
        return train_pack(specs, data, out_dirs, state_dirs, device, log)
    except torch.cuda.OutOfMemoryError:
        torch.cuda.empty_cache()
        half = len(specs) // 2
        log(f"a pack of {len(specs)} runs does not fit in GPU memory: training packs of {half} and {len(specs) - half}")
        return _train_pack(specs[:half], out_dirs[:half], state_dirs[:half], data, device, log) + _train_pack(
            specs[half:], out_dirs[half:], state_dirs[half:], data, device, log
        )


def _train_alone(spec: RunSpec, data: Dataset, out_dir: Path, state_dir: Path, device, log) -> dict:
    check_dataset(spec, data)
    model = spec.build(data)
    log(
        f"training {spec.model} {spec.hparams} on {spec.dataset} "
        f"(latent {spec.latent_dim}, seed {spec.train.seed}) on device {device}"
    )
    trainer = Trainer(model, data, spec.train, state_dir, device=device, log=log)
    best = trainer.fit()
    return write_run(spec, spec.definition(data, device), model, trainer.run, best, out_dir, log)


def train_pack(
    specs: list[RunSpec], data: Dataset, out_dirs: list, state_dirs: list, device=None, log=print
) -> list[dict]:
    """Train several runs of one structure at once (:class:`PackedTrainer`); each resumes from its state dir."""
    for spec in specs:
        check_dataset(spec, data)
    models = [spec.build(data) for spec in specs]
    device = torch.device(device) if device else default_device()
    names = ", ".join(f"{s.hparams} seed {s.train.seed}" for s in specs)
    log(f"training a pack of {len(specs)} {specs[0].model} runs on {specs[0].dataset} on device {device}: {names}")
    trainer = PackedTrainer(models, data, [s.train for s in specs], state_dirs, device=device, log=log)
    bests = trainer.fit()
    return [
        write_run(spec, spec.definition(data, device), model, run, best, Path(out_dir), log)
        for spec, model, run, best, out_dir in zip(specs, models, trainer.runs, bests, out_dirs)
    ]


def check_dataset(spec: RunSpec, data: Dataset) -> None:
    if data.name != spec.dataset:
        raise ValueError(f"the run is for dataset {spec.dataset!r} but {data.name!r} was given")


def write_run(
    spec, definition: dict, model: torch.nn.Module, run: RunState, best: dict | None, out_dir: Path, log
) -> dict:
    """The run directory's ``history.csv``, ``model.pt`` (best weights) and, last, ``summary.json``, which
    names the run's spec (a :class:`RunSpec`, or a semi-supervised spec holding one), definition, key,
    provenance (:func:`csrae.provenance.provenance`) and the digests of the files it vouches for."""
    summary = {
        "spec": spec.to_dict(),
        "key": content_key(definition),
        "definition": definition,
        "provenance": provenance(definition["device"]),
        "best_epoch": best["epoch"] if best else None,
        "epochs_run": run.epoch,
        "best": best,
        "diverged": run.diverged,
    }
    run.write_history(out_dir / "history.csv")
    save_model(model if best else None, spec, out_dir / "model.pt", run.diverged)
    summary["files"] = file_digests(out_dir, ("history.csv", "model.pt"))
    atomic_write_text(out_dir / "summary.json", json.dumps(summary, indent=2))
    outcome = f"best epoch {best['epoch']} of {run.epoch}, val loss {best['val_loss']:.4f}" if best else "no weights"
    log(f"seed {run.config.seed}: {outcome}" + (f"; {describe_divergence(run.diverged)}" if run.diverged else ""))
    return summary


def read_saved(path: str | Path) -> dict:
    """A ``model.pt`` as :func:`save_model` wrote it (read with ``weights_only=True``)."""
    return torch.load(path, map_location="cpu", weights_only=True)


def save_model(model, spec, path: Path, diverged: dict | None = None) -> None:
    """``model.pt``: the spec (``spec.to_dict()``), the weights (None without ``model``), the divergence."""

    def write(f):
        state = {k: v.cpu() for k, v in model.state_dict().items()} if model is not None else None
        torch.save({"spec": spec.to_dict(), "state_dict": state, "diverged": diverged}, f)

    atomic_write(path, write)
