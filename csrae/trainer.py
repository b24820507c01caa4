"""Resumable training: Adam, linear warm-up, early stopping, best checkpoint.

The whole training state — weights, optimiser, epoch, early-stopping
bookkeeping, the best weights so far and every random number generator — is
written atomically to ``state_dir/checkpoint.pt`` after each epoch.  A run
killed at any point and started again with the same arguments continues from
that file and ends exactly where an uninterrupted run would.
"""

import csv
import io
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from csrae.data import Dataset
from csrae.data.dataset import atomic_write, atomic_write_text
from csrae.models import Autoencoder

CHECKPOINT = "checkpoint.pt"


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


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


def warmup_weight(target: float, epoch: int, warmup: int) -> float:
    """The regulariser weight grows linearly from 0 to ``target`` over ``warmup`` epochs."""
    return target if warmup == 0 else target * min(1.0, epoch / warmup)


class Trainer:
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
        self.model, self.data, self.config, self.log = model.to(self.device), data, config, log
        self.state_dir = Path(state_dir)
        self.optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, betas=(0.9, 0.999), eps=1e-8)
        self.generator = torch.Generator().manual_seed(config.seed)  # shuffling and binarisation
        self.x_train = torch.from_numpy(data.x["train"])
        self.x_val = data.inputs("val").to(self.device)
        self.epoch = 0
        self.best = {"loss": math.inf, "epoch": -1, "state": None}
        self.bad_epochs = 0
        self.history: list[dict] = []

    # -- checkpointing -------------------------------------------------------------
    def _state(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "epoch": self.epoch,
            "best": self.best,
            "bad_epochs": self.bad_epochs,
            "history": self.history,
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else [],
            "generator": self.generator.get_state(),
            "config": asdict(self.config),
        }

    def save_checkpoint(self) -> None:
        buffer = io.BytesIO()
        torch.save(self._state(), buffer)
        atomic_write(self.state_dir / CHECKPOINT, lambda f: f.write(buffer.getvalue()))

    def resume(self) -> bool:
        """Load ``state_dir/checkpoint.pt`` if there is one; return whether it was."""
        path = self.state_dir / CHECKPOINT
        if not path.is_file():
            return False
        state = torch.load(path, map_location="cpu", weights_only=True)
        if state["config"] != asdict(self.config):
            raise ValueError(
                f"checkpoint {path} was written with settings {state['config']}, not {asdict(self.config)}; "
                "delete it to start afresh or restore the original settings"
            )
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch, self.best, self.bad_epochs = state["epoch"], state["best"], state["bad_epochs"]
        self.history = state["history"]
        torch.set_rng_state(state["torch_rng"])
        if self.device.type == "cuda" and state["cuda_rng"]:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        self.generator.set_state(state["generator"])
        self.log(f"resumed from {path} at epoch {self.epoch}")
        return True

    # -- training ------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.epoch >= self.config.epochs or self.bad_epochs >= self.config.patience

    def train_epoch(self, weight: float) -> dict:
        self.model.train()
        order = torch.randperm(len(self.x_train), generator=self.generator)
        sums = {"loss": 0.0, "reconstruction": 0.0, "regulariser": 0.0}
        for step, start in enumerate(range(0, len(order), self.config.batch_size)):
            x = self.x_train[order[start : start + self.config.batch_size]]
            if self.data.binarize:
                x = torch.bernoulli(x, generator=self.generator)
            terms = self.model.loss(x.to(self.device), weight)
            if not torch.isfinite(terms.loss):
                raise TrainingDiverged(
                    f"non-finite loss at epoch {self.epoch}, step {step}: loss={terms.loss.item()}, "
                    f"reconstruction={terms.reconstruction.item()}, regulariser={terms.regulariser.item()}, "
                    f"weight={weight}"
                )
            self.optimizer.zero_grad(set_to_none=True)
            terms.loss.backward()
            self.optimizer.step()
            for key in sums:
                sums[key] += getattr(terms, key).item() * len(x)
        return {f"train_{k}": v / len(order) for k, v in sums.items()}

    @torch.no_grad()
    def validate(self) -> dict:
        self.model.eval()
        terms = self.model.loss(self.x_val)
        return {f"val_{k}": getattr(terms, k).item() for k in ("loss", "reconstruction", "regulariser")}

    def fit(self) -> dict:
        """Train until the epoch budget or the look-ahead runs out; return the best epoch's row."""
        self.resume()
        progress = tqdm(total=self.config.epochs, initial=self.epoch, desc="train", mininterval=2.0)
        while not self.finished:
            weight = warmup_weight(self.model.weight, self.epoch, self.config.warmup)
            row = {"epoch": self.epoch, "weight": weight} | self.train_epoch(weight) | self.validate()
            if row["val_loss"] < self.best["loss"]:
                state = {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}
                self.best = {"loss": row["val_loss"], "epoch": self.epoch, "state": state}
                self.bad_epochs = 0
            elif self.epoch >= self.config.warmup:  # the look-ahead counts after warm-up only
                self.bad_epochs += 1
            self.history.append(row)
            self.epoch += 1
            self.save_checkpoint()
            progress.update(1)
            progress.set_postfix(val_loss=f"{row['val_loss']:.3f}", best_epoch=self.best["epoch"])
        progress.close()
        self.model.load_state_dict(self.best["state"])
        return self.history[self.best["epoch"]]

    def write_history(self, path: str | Path) -> None:
        """Per-epoch metrics as CSV."""
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(self.history[0]))
        writer.writeheader()
        writer.writerows(self.history)
        atomic_write_text(Path(path), text.getvalue())
