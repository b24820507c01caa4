"""Resumable training: Adam, linear warm-up, early stopping, best checkpoint.

A run's whole state — weights, optimiser, epoch, early-stopping bookkeeping,
the best weights so far and its random number generators — is written
atomically to ``state_dir/checkpoint.pt`` after each epoch.  A run killed at
any point and started again with the same arguments continues from that file
and ends exactly where an uninterrupted run would.  On SIGTERM (a cluster's
time limit or preemption, :mod:`csrae.preemption`) the trainer also writes
its state at the current step — the epoch's batches, the steps done, the
weights, optimiser and generators — to ``state_dir/partial.pt`` and stops;
the next start continues that epoch from that step, to the same result.

A run whose loss becomes NaN or infinite (in a training step, or on the
validation set) *diverges*: that is an outcome, not an error.  It stops,
records where (epoch, step, loss terms) in :attr:`RunState.diverged`, and
keeps its best finite weights, if it has any.  Being deterministic, a
diverged run diverges again when rerun, so its checkpoint says it is done.

Every random draw of training comes from two generators seeded with the run's
seed (one shuffles and binarises the data, one draws the reparameterisation
noise), so a run gives the same result trained alone (:class:`Trainer`), in a
pack (:class:`csrae.packed.PackedTrainer`), or resumed.  The generators and
the training split live on the training device, so a GPU step needs nothing
from the host; a CUDA generator's draws differ from the CPU's, so a run
resumes on the kind of device it started on.
"""

import csv
import io
import math
import pickle
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor

from csrae.data import Dataset
from csrae.gaussian import Noise
from csrae.io import atomic_write, atomic_write_text
from csrae.models import Autoencoder, LossTerms
from csrae.naming import describe_divergence
from csrae.optim import adam
from csrae.preemption import Preempted, requested, stoppable
from csrae.store import set_aside

CHECKPOINT, PARTIAL = "checkpoint.pt", "partial.pt"
NOISE_SEED_OFFSET = 1 << 32  # the noise generator's seed is the run's seed plus this
TERMS = LossTerms.NAMES


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

    def __init__(
        self, config: TrainConfig, state_dir: str | Path, log=print, monitor="val_loss", settle=None, device="cpu"
    ):
        """``monitor``: the validation metric whose minimum is kept; the look-ahead counts from epoch ``settle``
        (default: the end of the warm-up).  The generators live on ``device``: on a GPU, shuffling,
        binarisation and noise are drawn there (so a run's draws depend on the kind of device)."""
        self.config, self.state_dir, self.log = config, Path(state_dir), log
        self.monitor, self.settle = monitor, config.warmup if settle is None else settle
        self.device = torch.device(device)
        self.data_generator = torch.Generator(self.device).manual_seed(config.seed)  # shuffling and binarisation
        self.noise_generator = torch.Generator(self.device).manual_seed(config.seed + NOISE_SEED_OFFSET)
        self.epoch = 0
        self.best = {"loss": math.inf, "epoch": -1, "state": None}
        self.bad_epochs = 0
        self.history: list[dict] = []
        self.diverged: dict | None = None
        self.partial: dict | None = None  # an interrupted epoch's state, read by :meth:`load`
        self.continued: tuple[list, list] | None = None  # its batches and steps, once :meth:`resume` took it

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

    def shuffled(self, n: int) -> list[Tensor]:
        """A fresh order of ``n`` training points in batches of indices (on the run's device)."""
        order = torch.randperm(n, generator=self.data_generator, device=self.device)
        return list(order.split(self.config.batch_size))

    def epoch_batches(self, draw) -> tuple[list, list[Tensor]]:
        """This epoch's batches — ``draw()``'s, or those of the epoch an interrupted run continues — and the
        step terms of the steps already done."""
        if self.continued is not None:
            (batches, steps), self.continued = self.continued, None
            return batches, steps
        return draw(), []

    def noise(self, device: torch.device) -> Noise:
        """The run's reparameterisation and relaxation draws, moved to ``device``."""
        return Noise(self.noise_generator, device)

    def epoch_terms(self, steps: list[Tensor], weight: float, names=TERMS) -> dict:
        """``train_<name>``: the means over the epoch's steps of each step's terms (records a divergence)."""
        step_terms = torch.stack(steps).cpu()
        self.check_steps(step_terms, weight, names)
        return {f"train_{name}": float(value) for name, value in zip(names, step_terms.mean(0))}

    def end_epoch(self, row: dict, state: dict) -> None:
        """Record an epoch; keep ``state`` (the weights) when validation improved; count the look-ahead after
        warm-up.

        A non-finite validation metric is a divergence."""
        values = {k: v for k, v in row.items() if k.startswith("val_")}
        if not all(math.isfinite(v) for v in values.values()):
            self.diverge({"epoch": self.epoch, "phase": "validation", "weight": row["weight"], "terms": values})
        elif row[self.monitor] < self.best["loss"]:
            self.best = {"loss": row[self.monitor], "epoch": self.epoch, "state": state}
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
            "generator_device": self.device.type,
            "config": asdict(self.config),
        }
        buffer = io.BytesIO()
        torch.save(state, buffer)
        atomic_write(self.state_dir / CHECKPOINT, lambda f: f.write(buffer.getvalue()))
        (self.state_dir / PARTIAL).unlink(missing_ok=True)  # its epoch is over

    def save_partial(self, batches: list, steps: list[Tensor], model_state: dict, optimizer_state: dict) -> None:
        """The state of the epoch in progress after ``len(steps)`` of its ``batches`` (:data:`PARTIAL`)."""
        state = {
            "epoch": self.epoch,
            "batches": batches,
            "steps": torch.stack(steps).cpu(),
            "model": model_state,
            "optimizer": optimizer_state,
            "data_generator": self.data_generator.get_state(),
            "noise_generator": self.noise_generator.get_state(),
            "config": asdict(self.config),
        }
        buffer = io.BytesIO()
        torch.save(state, buffer)
        atomic_write(self.state_dir / PARTIAL, lambda f: f.write(buffer.getvalue()))

    def resume(self) -> tuple[dict, dict]:
        """Continue the interrupted epoch :meth:`load` found: its generators, batches and steps done; returns
        its model and optimiser states."""
        partial, self.partial = self.partial, None
        self.data_generator.set_state(partial["data_generator"])
        self.noise_generator.set_state(partial["noise_generator"])
        self.continued = (partial["batches"], list(partial["steps"].to(self.device)))
        self.log(f"continuing epoch {self.epoch} at step {len(self.continued[1])} of {len(partial['batches'])}")
        return partial["model"], partial["optimizer"]

    def _read_partial(self) -> None:
        """The interrupted epoch's state, if :data:`PARTIAL` is of this run's epoch in progress (else it is
        left: the epoch restarts from the last checkpoint, to the same result, only later)."""
        path = self.state_dir / PARTIAL
        if not path.is_file():
            return
        try:
            partial = torch.load(path, map_location="cpu", weights_only=True)
        except (RuntimeError, EOFError, pickle.UnpicklingError, KeyError) as error:
            set_aside(path, str(error).splitlines()[0], self.log, "continuing from the last epoch's checkpoint")
            return
        if partial["epoch"] == self.epoch and partial["config"] == asdict(self.config) and not self.finished:
            self.partial = partial

    def load(self) -> tuple[dict, dict] | None:
        """Restore from ``state_dir/checkpoint.pt`` if present; return its model and optimiser states.

        A checkpoint written with a smaller epoch budget is continued (nothing but the stopping point
        depends on the budget); an unreadable one (truncated, say) is set aside with a warning and the
        run starts anew."""
        path = self.state_dir / CHECKPOINT
        if not path.is_file():
            self._read_partial()
            return None
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except (RuntimeError, EOFError, pickle.UnpicklingError, KeyError) as error:
            set_aside(path, str(error).splitlines()[0], self.log)
            return None
        ours = asdict(self.config)
        if state["config"] | {"epochs": ours["epochs"]} != ours or state["config"]["epochs"] > ours["epochs"]:
            raise ValueError(
                f"checkpoint {path} was written with settings {state['config']}, not {ours} (a checkpoint "
                "may only be continued with a larger epoch budget); delete it to start afresh or restore "
                "the original settings"
            )
        written_on = state.get("generator_device", "cpu")
        if written_on != self.device.type:
            raise ValueError(
                f"checkpoint {path} was written on a {written_on} device, whose random streams a "
                f"{self.device.type} device cannot continue; resume it on {written_on} or delete it to start afresh"
            )
        self.epoch, self.best, self.bad_epochs = state["epoch"], state["best"], state["bad_epochs"]
        self.history, self.diverged = state["history"], state.get("diverged")
        self.data_generator.set_state(state["data_generator"])
        self.noise_generator.set_state(state["noise_generator"])
        self.log(f"resumed from {path} at epoch {self.epoch}")
        self._read_partial()
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


@runtime_checkable
class Trainable(Protocol):
    """What :class:`ModelTrainer` trains: a module whose ``loss(*batch, weight, noise)`` returns
    :class:`csrae.models.LossTerms` (batch means; ``loss`` is minimised), drawing every random number from
    ``noise`` (:class:`csrae.gaussian.Noise`), with ``weight`` its regulariser's target weight (0: none),
    reached through the warm-up."""

    weight: float

    def loss(self, *batch, weight=None, noise=None) -> LossTerms: ...

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict): ...


@runtime_checkable
class Pack(Protocol):
    """What :func:`fit` trains: one or more runs (``runs``, their ``models`` and target ``weights``), of
    which those at ``active`` go on.  Each epoch ``train_members(weights)`` and ``validate_members()`` return
    one row of metrics per active member (training records a divergence in the member's run);
    ``member_state`` / ``member_optimizer_state`` give an active member's weights and optimiser state to
    checkpoint; ``keep(positions)`` drops the other members from the active ones."""

    runs: list[RunState]
    models: list
    targets: list[float]
    active: list[int]
    label: str

    def train_members(self, weights: list[float]) -> list[dict]: ...

    def validate_members(self) -> list[dict]: ...

    def member_state(self, position: int) -> dict: ...

    def member_optimizer_state(self, position: int) -> dict: ...

    def keep(self, positions: list[int]) -> None: ...


class ModelTrainer:
    """One model trained by Adam (β = (0.9, 0.999), ε = 1e-8), resumed from its checkpoint: the part that
    :class:`Trainer` and the semi-supervised trainer share.  Subclasses give ``train_epoch(weight)`` and
    ``validate()``; to :func:`fit` it is a pack of one."""

    def __init__(self, model: torch.nn.Module, run: RunState, device: str | torch.device):
        self.device = torch.device(device)
        self.model, self.run, self.config = model.to(self.device), run, run.config
        self.optimizer = adam(model.parameters(), run.config.lr)
        restored = run.load()
        if run.partial is not None:  # an epoch stopped mid-way: continue it at its step
            restored = run.resume()
        if restored:
            self.model.load_state_dict(restored[0])
            self.optimizer.load_state_dict(restored[1])
        self.models, self.runs, self.targets = [model], [run], [model.weight]
        self.active = [] if run.finished else [0]
        self.label = f"seed {run.config.seed}: "

    def train_epoch(self, weight: float) -> dict:
        raise NotImplementedError

    def validate(self) -> dict:
        raise NotImplementedError

    def stop_if_asked(self, batches: list, steps: list[Tensor]) -> None:
        """After a step: on SIGTERM, write the state at this step and stop (:class:`csrae.preemption.Preempted`)."""
        if requested():
            self.run.save_partial(batches, steps, cpu_copy(self.model.state_dict()), self.optimizer.state_dict())
            raise Preempted(stopped(self.run, steps, batches))

    # -- the pack interface of :func:`fit` ------------------------------------------------
    def train_members(self, weights: list[float]) -> list[dict]:
        return [self.train_epoch(weights[0])]

    def validate_members(self) -> list[dict]:
        return [self.validate()]

    def member_state(self, position: int) -> dict:
        return cpu_copy(self.model.state_dict())

    def member_optimizer_state(self, position: int) -> dict:
        return self.optimizer.state_dict()

    def keep(self, positions: list[int]) -> None:
        self.active = [self.active[p] for p in positions]

    def fit(self) -> dict | None:
        """Train until the epoch budget, the look-ahead or a divergence; return the best epoch's row."""
        return fit(self)[0]


class Trainer(ModelTrainer):
    """Trains one autoencoder on a dataset's training split, validating on its validation split."""

    def __init__(
        self,
        model: Autoencoder,
        data: Dataset,
        config: TrainConfig,
        state_dir: str | Path,
        device: str | torch.device = "cpu",
        log=print,
    ):
        super().__init__(model, RunState(config, state_dir, log, device=device), device)
        self.data = data
        self.x_val = data.inputs("val").to(self.device)

    def train_epoch(self, weight: float) -> dict:
        self.model.train()
        noise = self.run.noise(self.device)
        batches, steps = self.run.epoch_batches(lambda: self.run.shuffled(len(self.data.x["train"])))
        for indices in batches[len(steps) :]:
            terms = self.model.loss(self.data.training_batch(indices, self.run.data_generator), weight, noise)
            self.optimizer.zero_grad(set_to_none=True)
            terms.loss.backward()
            self.optimizer.step()
            steps.append(terms.stacked().detach())
            self.stop_if_asked(batches, steps)
        return self.run.epoch_terms(steps, weight)

    @torch.no_grad()
    def validate(self) -> dict:
        self.model.eval()
        terms = self.model.loss(self.x_val, noise=self.run.noise(self.device))
        return {f"val_{name}": getattr(terms, name).item() for name in TERMS}


def stopped(run: RunState, steps: list, batches: list) -> str:
    return (
        f"stopped by SIGTERM at epoch {run.epoch}, step {len(steps)} of {len(batches)}: its state is in "
        f"{run.state_dir / PARTIAL}, and the next attempt continues from there"
    )


def fit(pack: Pack) -> list[dict | None]:
    """The one epoch loop of every trainer: a :class:`ModelTrainer` (a pack of one) or a
    :class:`csrae.packed.PackedTrainer`.

    Each epoch trains and validates the pack's active members (``train_members(weights)``,
    ``validate_members()``: one row of metrics per member; training records a
    divergence in the member's run), records the epoch and checkpoints every
    member, then keeps only the members whose runs go on.  Each model ends
    with its best epoch's weights; returns each run's best row (None if it
    diverged before any finite epoch).  On SIGTERM the members' states are
    written at the current step and :class:`csrae.preemption.Preempted` is
    raised (:mod:`csrae.preemption`).
    """
    with stoppable():
        return _fit(pack)


def _fit(pack: Pack) -> list[dict | None]:
    runs = pack.runs
    first = min((runs[i].epoch for i in pack.active), default=0)
    progress = Progress(runs[0].log, runs[0].config.epochs, first=first, label=pack.label)
    while pack.active:
        if requested():  # between epochs: every member's checkpoint is current
            raise Preempted(f"stopped by SIGTERM before epoch {min(runs[i].epoch for i in pack.active)}")
        members = [runs[i] for i in pack.active]
        epoch = max(run.epoch for run in members)
        weights = [run.weight(pack.targets[i]) for run, i in zip(members, pack.active)]
        train = pack.train_members(weights)
        finite = any(run.diverged is None for run in members)
        val = pack.validate_members() if finite else [{}] * len(members)
        for position, run in enumerate(members):
            state = pack.member_state(position)
            if run.diverged is None:
                row = {"epoch": run.epoch, "weight": weights[position]} | train[position] | val[position]
                run.end_epoch(row, state)
            run.save(state, pack.member_optimizer_state(position))
        progress.epoch_done(epoch, members)
        pack.keep([p for p, run in enumerate(members) if not run.finished])
    for model, run in zip(pack.models, runs):
        if run.best["state"] is not None:
            model.load_state_dict(run.best["state"])
    return [run.best_row for run in runs]
