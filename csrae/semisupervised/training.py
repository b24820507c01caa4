"""Training and evaluating semi-supervised and supervised classifiers, resumably.

Each step draws an unlabelled batch and a labelled batch (label-balanced for
multi-label data) and minimises J (eq. 27).  With ``pretrain_epochs`` the
first epochs are the unsupervised phase of Appendix B.2: every training
point unlabelled, no classification term; the semi-supervised phase goes on
from those weights.  The best epoch is the one with the lowest validation
error (100 − mean F1 for action units); checkpoints, generators and
early stopping are :class:`csrae.trainer.RunState`'s.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from csrae import registry
from csrae.io import atomic_write_text
from csrae.metrics.classification import error_rate, f1_scores
from csrae.naming import labels_id, ssl_setting_id
from csrae.run import RunSpec, default_device, read_saved, write_run
from csrae.semisupervised.baselines import SupervisedClassifier, build_supervised
from csrae.semisupervised.data import LabelledSplit, epoch_batches, labelled_batches
from csrae.semisupervised.labels import LabelSpace
from csrae.semisupervised.m2 import SemiSupervisedTerms, build_m2
from csrae.semisupervised.phases import phase_problem
from csrae.store import (
    computed_once,
    content_key,
    continue_from,
    file_digest,
    file_digests,
    read_record,
    result_folder,
    verified,
)
from csrae.trainer import CHECKPOINT, ModelTrainer, RunState, TrainConfig
from csrae.versions import versions


@dataclass
class SemiSupervisedConfig(TrainConfig):
    """:class:`TrainConfig` plus the unsupervised phase, the weight β_y of the y-term and the relaxation's τ."""

    pretrain_epochs: int = 0
    beta_y: float = 1.0
    temperature: float = 0.67
    prior_per_class: bool = False  # D_CS to a mixture prior: p(z|y) = the prior's components of class y
    eval_batch_size: int = 500

    def __post_init__(self):
        super().__post_init__()
        if problem := phase_problem(self.epochs, self.pretrain_epochs):
            raise ValueError(f"SemiSupervisedConfig {problem}")


@dataclass
class SemiSupervisedSpec:
    """A semi-supervised (or supervised) run: the model's :class:`RunSpec` (its ``train`` a
    :class:`SemiSupervisedConfig`), the label budget (a count n of digits, or a fraction p of face frames),
    the fold (faces) and, for a model that takes them, a file of starting weights."""

    run: RunSpec
    labels: float
    fold: int = 0
    weights_path: str | None = None

    @property
    def supervised(self) -> bool:
        return registry.model(self.run.model).supervised

    def to_dict(self) -> dict:
        """The run's spec with the label budget, fold and weights (the saved form, :func:`from_dict`)."""
        return self.run.to_dict() | {"labels": self.labels, "fold": self.fold, "weights_path": self.weights_path}

    @classmethod
    def from_dict(cls, d: dict) -> "SemiSupervisedSpec":
        run = {k: v for k, v in d.items() if k not in ("labels", "fold", "weights_path")}
        run = RunSpec(**run | {"train": SemiSupervisedConfig(**d["train"])})
        return cls(run, d["labels"], d["fold"], d["weights_path"])

    def definition(self, split: LabelledSplit, device: torch.device) -> dict:
        """:meth:`RunSpec.definition` on the split's data, with the label budget, fold, the semi-supervised
        components' versions and the content of the starting weights (not their path)."""
        weights = file_digest(self.weights_path) if self.weights_path else None
        definition = self.run.definition(split.data, device) | {"labels": self.labels, "fold": self.fold}
        return definition | {"versions": versions("semisupervised"), "weights_path": weights}

    def build(self, split: LabelledSplit) -> nn.Module:
        run, t = self.run, self.run.train
        torch.manual_seed(t.seed)
        if self.supervised:
            return build_supervised(run.model, split.data, split.labels, self.weights_path)
        return build_m2(
            run.model, run.hparams, split.data, split.labels, run.latent_dim, t.beta_y, t.temperature,
            t.prior_per_class and registry.model(run.model).per_class_prior(run.hparams),
        )  # fmt: skip

    def budget(self, split: LabelledSplit) -> str:
        """The label budget's name (:func:`csrae.naming.labels_id`)."""
        return labels_id(self.labels, split.labels.multi_label, self.supervised)

    def setting(self) -> str:
        return ssl_setting_id(self.run.model, self.run.latent_dim, self.run.hparams)

    def describe(self) -> str:
        run = self.run
        return f"{run.dataset} {run.model} {run.hparams} labels {self.labels:g} fold {self.fold} seed {run.train.seed}"


def ssl_config(model: str, training: dict, seed: int) -> SemiSupervisedConfig:
    """A run's settings from the study's: a supervised baseline has no generative model to pre-train."""
    supervised = registry.model(model).supervised
    return SemiSupervisedConfig(**training | ({"pretrain_epochs": 0} if supervised else {}), seed=seed)


def classification_metrics(labels: LabelSpace, y_true: np.ndarray, logits: torch.Tensor, names=()) -> dict:
    """``error`` (classes) or mean ``f1`` and ``f1_<name>`` per output (multi-label), in %."""
    predicted = labels.predict(logits).numpy()
    if not labels.multi_label:
        return {"error": error_rate(y_true, predicted)}
    scores = f1_scores(y_true, predicted)
    names = names or [str(i) for i in range(len(scores))]
    return {"f1": float(scores.mean())} | {f"f1_{name}": float(s) for name, s in zip(names, scores)}


def validation_error(metrics: dict) -> float:
    """The selection criterion: classification error, or 100 − mean F1."""
    return metrics["error"] if "error" in metrics else 100.0 - metrics["f1"]


class SemiSupervisedTrainer(ModelTrainer):
    """Adam on J with warm-up, look-ahead on validation error and checkpoints (:class:`ModelTrainer`)."""

    def __init__(self, model: nn.Module, split: LabelledSplit, config, state_dir, device="cpu", log=print):
        settle = max(config.warmup, config.pretrain_epochs)
        super().__init__(model, RunState(config, state_dir, log, monitor="val_error", settle=settle), device)
        self.split, self.supervised = split, isinstance(model, SupervisedClassifier)

    def _batches(self) -> list[tuple[Tensor | None, Tensor | None]]:
        """The epoch's (labelled, unlabelled) batches of training indices, as tensors (a checkpoint holds them)."""
        generator, size, split = self.run.data_generator, self.config.batch_size, self.split
        if self.run.epoch < self.config.pretrain_epochs and not self.supervised:  # unsupervised phase
            batches = [(None, batch) for batch in epoch_batches(np.arange(split.size("train")), size, generator)]
        else:
            unlabelled = [] if self.supervised else epoch_batches(split.unlabelled, size, generator)
            steps = len(unlabelled) or math.ceil(len(split.labelled) / size)
            labelled = list(labelled_batches(split, steps, size, generator))
            batches = list(zip(labelled, unlabelled or [None] * steps))
        return [tuple(None if b is None else torch.from_numpy(np.asarray(b)) for b in batch) for batch in batches]

    def _inputs(self, indices):
        if indices is None:
            return None
        return self.split.inputs.augmented(indices, self.run.data_generator).to(self.device, non_blocking=True)

    def train_epoch(self, weight: float) -> dict:
        self.model.train()
        noise = self.run.noise(self.device)
        batches, steps = self.run.epoch_batches(self._batches)
        for labelled, unlabelled in batches[len(steps) :]:
            x_l, x_u = self._inputs(labelled), self._inputs(unlabelled)
            y_l = None if labelled is None else torch.from_numpy(self.split.y["train"][labelled.numpy()])
            terms = self.model.loss(x_l, None if y_l is None else y_l.to(self.device), x_u, weight, noise)
            self.optimizer.zero_grad(set_to_none=True)
            terms.loss.backward()
            self.optimizer.step()
            steps.append(terms.stacked().detach())
            self.stop_if_asked(batches, steps)
        return self.run.epoch_terms(steps, weight, SemiSupervisedTerms.NAMES)

    @torch.no_grad()
    def evaluate(self, split_name: str) -> dict:
        """Loss J (all points labelled) and classification metrics on ``val`` or ``test``."""
        self.model.eval()
        n, size = self.split.size(split_name), self.config.eval_batch_size
        logits, losses = [], []
        noise = self.run.noise(self.device)
        for start in range(0, n, size):
            rows = np.arange(start, min(n, start + size))
            x = self.split.inputs.evaluation(split_name, rows).to(self.device)
            y = torch.from_numpy(self.split.y[split_name][rows]).to(self.device)
            logits.append(self.model.classify(x).cpu())
            losses.append(self.model.loss(x, y, None, noise=noise).loss.item() * len(rows))
        logits = torch.cat(logits)
        metrics = classification_metrics(self.split.labels, self.split.y[split_name], logits, self.split.label_names)
        return {"loss": sum(losses) / n} | metrics

    def validate(self) -> dict:
        val = self.evaluate("val")
        return {f"val_{k}": v for k, v in val.items()} | {"val_error": validation_error(val)}


def ssl_run_folder(store: str | Path, spec: SemiSupervisedSpec, split: LabelledSplit, device) -> Path:
    """The run's folder in the store: ``<store>/<dataset>/<model>/<labels>/<setting>/fold<f>/seed<k>/<key>``."""
    run = spec.run
    parts = (run.dataset, run.model, spec.budget(split), spec.setting(), f"fold{spec.fold}", f"seed{run.train.seed}")
    return result_folder(store, parts, spec.definition(split, torch.device(device)))


def train_semisupervised(
    spec: SemiSupervisedSpec, split: LabelledSplit, out_dir, state_dir=None, device=None, log=print, keyed=False
) -> dict:
    """Train ``spec`` (resuming from ``state_dir``, by default ``out_dir``), then write the run
    (:func:`csrae.run.write_run`) and ``metrics.json`` (validation and test classification metrics of the
    best epoch; for a diverged run also ``diverged``, and no metrics if it has no finite epoch) to
    ``out_dir``.  A run whose ``metrics.json`` there has this definition's key is read back ("cached");
    training holds the run's lock (:func:`csrae.store.computed_once`).  ``keyed``: ``out_dir`` is a store
    folder (:func:`ssl_run_folder`)."""
    device = torch.device(device) if device else default_device()
    out_dir, state_dir = Path(out_dir), Path(state_dir or out_dir)
    definition = spec.definition(split, device)
    key = content_key(definition)
    written = (out_dir / "metrics.json").is_file()

    def finished(_) -> dict | None:
        record = read_record(out_dir / "metrics.json", key, log)
        return verified(out_dir, record, {"model.pt": read_saved}, "writing the run again from its checkpoint", log)

    def train(_) -> list[dict]:
        return [_train_semisupervised(spec, split, definition, out_dir, state_dir, device, log)]

    (record,), trained = computed_once(
        [state_dir], finished, train, definitions=[definition] if keyed else None, log=log
    )
    what = ("repaired" if written else "trained") if trained else "cached"
    log(f"{what} {key}: {spec.describe()} ({out_dir})")
    return record


def _train_semisupervised(spec: SemiSupervisedSpec, split, definition, out_dir, state_dir, device, log) -> dict:
    run, model = spec.run, spec.build(split)
    log(f"training {spec.describe()}: {len(split.labelled)} labelled, {len(split.unlabelled)} unlabelled, on {device}")
    continue_from(state_dir, definition, CHECKPOINT, log)
    trainer = SemiSupervisedTrainer(model, split, run.train, state_dir, device, log)
    best = trainer.fit()
    summary = write_run(spec, definition, model, trainer.run, best, out_dir, log)
    record = {
        "dataset": run.dataset,
        "model": run.model,
        "labels": spec.labels,
        "fold": spec.fold,
        "seed": run.train.seed,
        "hp": spec.setting(),
        "labels_id": spec.budget(split),
        "n_labelled": len(split.labelled),
        "best_epoch": best["epoch"] if best else None,
        "epochs_run": trainer.run.epoch,
        "key": summary["key"],
        "run": str(out_dir),
        "provenance": summary["provenance"],
    } | run.hparams
    if trainer.run.diverged:
        record["diverged"] = trainer.run.diverged
    if best:  # the best finite weights: validation and test metrics
        val, test = trainer.evaluate("val"), trainer.evaluate("test")
        record |= {f"val_{k}": v for k, v in val.items()} | {f"test_{k}": v for k, v in test.items()}
        record["val_error"] = validation_error(val)
        log(f"seed {run.train.seed}: best epoch {best['epoch']}, val {validation_error(val):.2f}, test {test}")
    record["files"] = file_digests(out_dir, ("history.csv", "model.pt"))
    atomic_write_text(out_dir / "metrics.json", json.dumps(record, indent=2))
    return record
