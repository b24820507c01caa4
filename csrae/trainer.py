"""Resumable training: Adam, linear warm-up, early stopping, best checkpoint.

A run's whole state — weights, optimiser, epoch, early-stopping bookkeeping,
the best weights so far and its random number generators — is written
atomically to ``state_dir/checkpoint.pt`` after each epoch.  A run killed at
any point and started again with the same arguments continues from that file
and ends exactly where an uninterrupted run would.

A run whose loss becomes NaN or infinite (in a training step, or on the
validation set) *diverges*: that is an outcome, not an error.  It stops,
records where (epoch, step, loss terms) in :attr:`RunState.diverged`, and
keeps its best finite weights, if it has any.  Being deterministic, a
diverged run diverges again when rerun, so its checkpoint says it is done.

Every random draw of training comes from two generators seeded with the run's
seed (one shuffles and binarises the data, one draws the reparameterisation
noise), so a run gives the same result trained alone (:class:`Trainer`), in a
pack (:class:`csrae.packed.PackedTrainer`), or resumed.
"""

import csv
import io
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import Tensor

from csrae.data import Dataset
from csrae.gaussian import Noise
from csrae.io import atomic_write, atomic_write_text
from csrae.models import Autoencoder, LossTerms
from csrae.naming import describe_divergence

CHECKPOINT = "checkpoint.pt"
NOISE_SEED_OFFSET = 1 << 32  # the noise generator's seed is the run's seed plus this
TERMS = LossTerms.NAMES
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8  # paper Table IV(a); the packed trainer applies the same update


@dataclass
class TrainConfig:
    """Optimisation settings (paper Table IV(a)); ``patience`` is the look-ahead in epochs."""

    epochs: int = 400
    warmup: int = 100
    patience: int = 100
    batch_size: int = 100
    lr: float = 5e-4
    seed: int = 0

    def __post_init__(self):
        for name in ("epochs", "batch_size", "patience"):
            if getattr(self, name) < 1:
                raise ValueError(f"TrainConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.warmup < 0 or self.lr <= 0:
            raise ValueError(f"TrainConfig needs warmup >= 0 and lr > 0, got {self.warmup} and {self.lr}")


def warmup_weight(target: float, epoch: int, warmup: int) -> float:
    """The regulariser weight grows linearly from 0 to ``target`` over ``warmup`` epochs."""
    return target if warmup == 0 else target * min(1.0, epoch / warmup)


def latent_dim(model: Autoencoder, data: Dataset) -> int:
    with torch.no_grad():
        device = next(model.parameters()).device
        return model.encode(torch.from_numpy(data.x["val"][:1]).to(device))[0].shape[-1]


def first_non_finite(step_terms: Tensor, epoch: int, weight: float, names=TERMS) -> dict | None:
    """Where the loss terms (rows of ``[steps, len(names)]``) first stop being finite, or None."""
    bad = (~torch.isfinite(step_terms)).any(dim=1).nonzero()
    if not len(bad):
        return None
    step = int(bad[0])
    terms = dict(zip(names, step_terms[step].tolist()))
    return {"epoch": epoch, "phase": "train", "step": step, "weight": weight, "terms": terms}


class RunState:
    """One run's progress: epoch, look-ahead, best weights, history and random number generators."""

    def __init__(self, config: TrainConfig, state_dir: str | Path, log=print, monitor="val_loss", settle=None):
        """``monitor``: the validation metric whose minimum is kept; the look-ahead counts from epoch ``settle``
        (default: the end of the warm-up)."""
        self.config, self.state_dir, self.log = config, Path(state_dir), log
        self.monitor, self.settle = monitor, config.warmup if settle is None else settle
        self.data_generator = torch.Generator().manual_seed(config.seed)  # shuffling and binarisation
        self.noise_generator = torch.Generator().manual_seed(config.seed + NOISE_SEED_OFFSET)
        self.epoch = 0
        self.best = {"loss": math.inf, "epoch": -1, "state": None}
        self.bad_epochs = 0
        self.history: list[dict] = []
        self.diverged: dict | None = None

    @property
    def finished(self) -> bool:
        epochs_done = self.epoch >= self.config.epochs or self.bad_epochs >= self.config.patience
        return epochs_done or self.diverged is not None

    @property
    def best_row(self) -> dict | None:
        """The best epoch's history row; None when no epoch ended with a finite validation loss."""
        return self.history[self.best["epoch"]] if self.best["epoch"] >= 0 else None

    def check_steps(self, step_terms: Tensor, weight: float, names=TERMS) -> bool:
        """Record a divergence if this epoch's step terms are not all finite; True when they are."""
        diverged = first_non_finite(step_terms, self.epoch, weight, names)
        if diverged:
            self.diverge(diverged)
        return diverged is None

    def diverge(self, diverged: dict) -> None:
        self.diverged = diverged
        best = f"keeping epoch {self.best['epoch']}" if self.best["epoch"] >= 0 else "no finite epoch to keep"
        self.log(f"seed {self.config.seed}: {describe_divergence(diverged)}; {best}")

    def weight(self, target: float) -> float:
        return warmup_weight(target, self.epoch, self.config.warmup)

    def batches(self, data: Dataset, device: torch.device) -> Iterator[Tensor]:
        """This epoch's training batches: a fresh shuffle, binarised dynamically where the data say so."""
        order = torch.randperm(len(data.x["train"]), generator=self.data_generator).numpy()
        for start in range(0, len(order), self.config.batch_size):
            x = data.training_batch(order[start : start + self.config.batch_size], self.data_generator)
            yield x.to(device, non_blocking=True)

    def noise(self, device: torch.device) -> Noise:
        """The run's reparameterisation and relaxation draws, moved to ``device``."""
        return Noise(self.noise_generator, device)

    def epoch_terms(self, steps: list[Tensor], weight: float, names=TERMS) -> dict:
        """``train_<name>``: the means over the epoch's steps of each step's terms (records a divergence)."""
        step_terms = torch.stack(steps).cpu()
        self.check_steps(step_terms, weight, names)
        return {f"train_{name}": float(value) for name, value in zip(names, step_terms.mean(0))}

    def end_epoch(self, row: dict, weights: Callable[[], dict]) -> None:
        """Record an epoch; keep ``weights()`` when validation improved; count the look-ahead after warm-up.

        A non-finite validation metric is a divergence."""
        values = {k: v for k, v in row.items() if k.startswith("val_")}
        if not all(math.isfinite(v) for v in values.values()):
            self.diverge({"epoch": self.epoch, "phase": "validation", "weight": row["weight"], "terms": values})
        elif row[self.monitor] < self.best["loss"]:
            self.best = {"loss": row[self.monitor], "epoch": self.epoch, "state": weights()}
            self.bad_epochs = 0
        elif self.epoch >= self.settle:
            self.bad_epochs += 1
        self.history.append(row)
        self.epoch += 1

    def save(self, model_state: dict, optimizer_state: dict) -> None:
        state = {
            "model": model_state,
            "optimizer": optimizer_state,
            "epoch": self.epoch,
            "best": self.best,
            "bad_epochs": self.bad_epochs,
            "history": self.history,
            "diverged": self.diverged,
            "data_generator": self.data_generator.get_state(),
            "noise_generator": self.noise_generator.get_state(),
            "config": asdict(self.config),
        }
        buffer = io.BytesIO()
        torch.save(state, buffer)
        atomic_write(self.state_dir / CHECKPOINT, lambda f: f.write(buffer.getvalue()))

    def load(self) -> tuple[dict, dict] | None:
        """Restore from ``state_dir/checkpoint.pt`` if present; return its model and optimiser states."""
        path = self.state_dir / CHECKPOINT
        if not path.is_file():
            return None
        state = torch.load(path, map_location="cpu", weights_only=True)
        if state["config"] != asdict(self.config):
            raise ValueError(
                f"checkpoint {path} was written with settings {state['config']}, not {asdict(self.config)}; "
                "delete it to start afresh or restore the original settings"
            )
        self.epoch, self.best, self.bad_epochs = state["epoch"], state["best"], state["bad_epochs"]
        self.history, self.diverged = state["history"], state.get("diverged")
        self.data_generator.set_state(state["data_generator"])
        self.noise_generator.set_state(state["noise_generator"])
        self.log(f"resumed from {path} at epoch {self.epoch}")
        return state["model"], state["optimizer"]

    def write_history(self, path: str | Path) -> None:
        """Per-epoch metrics as CSV."""
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(self.history[0]) if self.history else ["epoch"])
        writer.writeheader()
        writer.writerows(self.history)
        atomic_write_text(Path(path), text.getvalue())


class Progress:
    """Log lines for a training job: epoch, budget, the monitored loss, seconds per epoch and an ETA
    (an upper bound: the look-ahead may stop sooner), at most one every ``interval`` seconds."""

    def __init__(self, log, total: int, first: int = 0, label: str = "", interval: float = 10.0):
        self.log, self.total, self.label, self.interval = log, total, label, interval
        self.first, self.start, self.last = first, time.monotonic(), -math.inf

    def epoch_done(self, epoch: int, runs: list[RunState]) -> None:
        """``epoch`` (0-based) has ended for ``runs``."""
        now = time.monotonic()
        if now - self.last < self.interval and epoch + 1 < self.total:
            return
        self.last = now
        per_epoch = (now - self.start) / max(1, epoch + 1 - self.first)
        rows = [run.history[-1] for run in runs if run.history]
        losses = " ".join(f"{row[run.monitor]:.3f}" for run, row in zip(runs, rows))
        self.log(
            f"{self.label}epoch {epoch + 1}/{self.total}: {runs[0].monitor} {losses}; "
            f"{per_epoch:.2f} s/epoch, ETA {per_epoch * (self.total - epoch - 1) / 60:.1f} min"
        )


def cpu_copy(state: dict) -> dict:
    return {k: v.detach().to("cpu", copy=True) for k, v in state.items()}


def adam(model: torch.nn.Module, config: TrainConfig) -> torch.optim.Adam:
    return torch.optim.Adam(model.parameters(), lr=config.lr, betas=ADAM_BETAS, eps=ADAM_EPS)


class Trainer:
    """Trains one model with ``torch.optim.Adam`` (β = (0.9, 0.999), ε = 1e-8)."""

    def __init__(
        self,
        model: Autoencoder,
        data: Dataset,
        config: TrainConfig,
        state_dir: str | Path,
        device: str | torch.device = "cpu",
        log=print,
    ):
        self.device = torch.device(device)
        self.model, self.data, self.config = model.to(self.device), data, config
        self.run = RunState(config, state_dir, log)
        self.optimizer = adam(model, config)
        self.x_val = data.inputs("val").to(self.device)
        self.latent_dim = latent_dim(model, data)

    def train_epoch(self, weight: float) -> dict:
        self.model.train()
        noise, steps = self.run.noise(self.device), []
        for x in self.run.batches(self.data, self.device):
            terms = self.model.loss(x, weight, noise.normal(self.model.noise_draws, len(x), self.latent_dim))
            self.optimizer.zero_grad(set_to_none=True)
            terms.loss.backward()
            self.optimizer.step()
            steps.append(terms.stacked().detach())
        return self.run.epoch_terms(steps, weight)

    @torch.no_grad()
    def validate(self) -> dict:
        self.model.eval()
        noise = self.run.noise(self.device).normal(self.model.noise_draws, len(self.x_val), self.latent_dim)
        terms = self.model.loss(self.x_val, noise=noise)
        return {f"val_{name}": getattr(terms, name).item() for name in TERMS}

    def fit(self) -> dict | None:
        """Train until the epoch budget or the look-ahead runs out; return the best epoch's row."""
        return fit(self.model, self.optimizer, self.run, self.train_epoch, self.validate)


def fit(
    model, optimizer, run: RunState, train_epoch: Callable[[float], dict], validate: Callable[[], dict]
) -> dict | None:
    """The epoch loop of a single model: resume, train and validate each epoch, checkpoint, keep the best.

    ``train_epoch(weight)`` and ``validate()`` return the epoch's metrics
    (``train_epoch`` records a divergence in ``run``); the model ends with the
    best epoch's weights, whose row is returned (None if the run diverged
    before any finite epoch).
    """
    restored = run.load()
    if restored:
        model.load_state_dict(restored[0])
        optimizer.load_state_dict(restored[1])
    progress = Progress(run.log, run.config.epochs, first=run.epoch, label=f"seed {run.config.seed}: ")
    while not run.finished:
        epoch, weight = run.epoch, run.weight(model.weight)
        row = {"epoch": run.epoch, "weight": weight} | train_epoch(weight)
        if run.diverged is None:
            run.end_epoch(row | validate(), lambda: cpu_copy(model.state_dict()))
        run.save(model.state_dict(), optimizer.state_dict())
        progress.epoch_done(epoch, [run])
    if run.best["state"] is not None:
        model.load_state_dict(run.best["state"])
    return run.best_row
