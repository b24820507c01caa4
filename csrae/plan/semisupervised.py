"""The semi-supervised study a config makes (Sec. 4.5): M2 with each model's regulariser on z, swept over
its grid and α per label budget, fold (faces) and seed; the supervised baselines on every label of the face
datasets.  One training job per setting, label budget and fold trains every seed of it."""

import os
from pathlib import Path

from csrae import registry
from csrae.data.faces import ACTION_UNITS, N_FOLDS
from csrae.naming import (
    SUPERVISED_SETTING,
    budget_alphas,
    labels_id,
    parse_labels_id,
    ssl_hyperparameters,
    sweep_settings,
)
from csrae.plan import jobs
from csrae.semisupervised.phases import phase_problem
from csrae.semisupervised.selection import AU_TABLE

DIGIT_CLASSES = 10  # classes of every digit dataset of the study (mnist5k, dynamic and Fashion-MNIST)
SSL_STORE = "results/semisupervised/runs"


class SemiSupervisedStudy:
    """The semi-supervised part of a :class:`csrae.plan.Study` (empty without a ``semisupervised`` block)."""

    def __init__(self, study):
        self.study = study
        self.config = study.config.get("semisupervised", {"datasets": {}})
        self.datasets = list(self.config["datasets"])
        self.face_datasets = [d for d in self.datasets if d in ACTION_UNITS]
        self.digit_datasets = [d for d in self.datasets if d not in ACTION_UNITS]

    def training(self, dataset: str) -> dict:
        """A dataset's training settings, or a ValueError naming the keys that make them impossible."""
        settings = self.config["training"] | self.config["datasets"][dataset].get("training", {})
        if dataset in self.face_datasets and settings.get("prior_per_class"):
            raise ValueError(
                f"semisupervised.datasets.{dataset}.training.prior_per_class: it needs one label per point; "
                f"{dataset}'s action units are multi-label: set it to false"
            )
        if problem := phase_problem(settings["epochs"], settings.get("pretrain_epochs", 0)):
            raise ValueError(
                f"semisupervised.training (or semisupervised.datasets.{dataset}.training): {dataset} {problem}"
            )
        return settings

    def source(self, dataset: str) -> str:
        """The folder of a face dataset: its ``source``, by default $CSRAE_DATA/<dataset> (README)."""
        return self.config["datasets"][dataset].get("source") or str(
            Path(os.environ.get("CSRAE_DATA", "data")) / dataset
        )

    def models(self, dataset: str) -> list[str]:
        supervised = self.config.get("supervised", []) if dataset in self.face_datasets else []
        return list(self.config["models"]) + supervised

    def settings(self, dataset: str, model: str, budget: str) -> list[str]:
        """The settings of ``model``'s grid for one label budget: α follows the budget when the config gives
        it per label (:func:`csrae.naming.budget_alphas`)."""
        if registry.model(model).supervised:
            return [SUPERVISED_SETTING]
        latent_dim = self.config["datasets"][dataset].get("latent_dim", self.config["latent_dim"])
        grid, entry = self.config["models"][model], registry.model(model)
        per_class = any(entry.per_class_prior({"prior": p}) for p in grid.get("prior", [entry.prior]))
        if self.training(dataset).get("prior_per_class") and per_class and min(grid["K"]) < DIGIT_CLASSES:
            raise ValueError(
                f"semisupervised.models.{model}.K: prior_per_class gives each of the {DIGIT_CLASSES} digit classes "
                f"its own prior components: K must be >= {DIGIT_CLASSES}, got {grid['K']}"
            )
        alpha = self.config["datasets"][dataset].get("alpha", grid["alpha"])
        alphas = budget_alphas(alpha, parse_labels_id(budget), fraction=dataset in self.face_datasets)
        return sweep_settings(model, grid | {"alpha": alphas}, [latent_dim], ssl_hyperparameters(model))

    def budgets(self, dataset: str, model: str) -> list[str]:
        faces = dataset in self.face_datasets
        if registry.model(model).supervised:
            return [labels_id(1.0, faces, supervised=True)]
        return [labels_id(v, faces) for v in self.config["datasets"][dataset]["labels"]]

    def data(self, dataset: str):
        """What a job says of its data: the face dataset's folder, or the digits' preparation."""
        return self.source(dataset) if dataset in self.face_datasets else self.study.preparation(dataset)

    def job(self, dataset: str, model: str, labels: str, hp: str, fold: int) -> dict:
        seeds, training, weights = (
            self.study.config["seeds"],
            self.training(dataset),
            self.config.get("resnet18_weights"),
        )
        return jobs.semisupervised_job(
            self.data(dataset), model, labels, hp, fold, seeds, training, weights, self.study.cpu_kernels()
        )

    def manifest(self, dataset: str, model: str, labels: str, hp: str, fold: int) -> str:
        """The training job of one setting, label budget and fold: every seed of it."""
        definition = self.job(dataset, model, labels, hp, fold)
        return jobs.manifest("semisupervised", (dataset, model, labels, hp, f"fold{fold}"), definition)

    def dataset_manifests(self, dataset: str) -> list[str]:
        """The training manifests of ``dataset``'s semi-supervised sweep."""
        folds = range(N_FOLDS) if dataset in self.face_datasets else [0]
        return [
            self.manifest(dataset, m, b, h, f)
            for m in self.models(dataset)
            for b in self.budgets(dataset, m)
            for h in self.settings(dataset, m, b)
            for f in folds
        ]

    def manifests(self) -> list[str]:
        return [m for dataset in self.datasets for m in self.dataset_manifests(dataset)]

    def sweeps(self) -> list[str]:
        return [f"results/semisupervised/selection/{d}_sweep.csv" for d in self.datasets]

    def selections(self) -> list[str]:
        return [f"results/semisupervised/selection/{d}.json" for d in self.datasets]

    def targets(self) -> list[str]:
        if not self.datasets:
            return []
        return ["results/table3.csv", "results/table3.md", *(f"results/{AU_TABLE[d]}.csv" for d in self.face_datasets)]
