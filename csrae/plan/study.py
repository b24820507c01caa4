"""The unsupervised study a config makes: its datasets, sweeps, jobs and the outputs that gather them.

A *setting* is a latent dimension and one value of each of a model's
hyperparameters; settings that differ only in the regulariser's weight form
a *structure*, the unit of a training job (every weight × seed) and of an
evaluation job.  :class:`Study` answers, from a validated config alone (no
Snakemake, no torch), which jobs there are and what each one's identity is
(:mod:`csrae.plan.jobs`), and which files are the study's targets.
"""

from csrae import plugins
from csrae.data import registry as datasets
from csrae.naming import structure_id, sweep_settings
from csrae.plan import jobs
from csrae.plan.resources import Resources
from csrae.plan.rounds import Rounds
from csrae.plan.semisupervised import SemiSupervisedStudy
from csrae.versions import COMPONENTS

RUN_STORE, EVALUATION_STORE = "results/runs", "results/evaluation"
TABLES = ("table1.csv", "table1.md", "table2.csv", "table2.md", "paper_comparison.csv", "paper_comparison.md")
TABLES += ("ablation.csv", "ablation.md", "diverged.csv", "diverged.md", "findings.md", "report.rst")
SSL_TABLES = ("III(a)", "III(b)", "III(c)", "VII", "VIII")


class Study:
    """The plan of a validated config (:func:`csrae.plan.start` checks it first)."""

    def __init__(self, config: dict):
        self.config = config
        self.datasets = list(config["datasets"])
        self.image_datasets = [d for d in self.datasets if datasets.dataset(d).is_image]
        # Datasets whose FID uses a domain classifier's features (the others: the raw data).
        self.classifier_fid = [d for d in self.datasets if datasets.dataset(d).fid_classifier]
        self.ssl = SemiSupervisedStudy(self)
        # Datasets prepared only to train another's FID classifier (static MNIST's is dynamic MNIST's).
        donors = {datasets.dataset(d).fid_classifier for d in self.classifier_fid}
        self.fid_classifier_only = sorted(donors - set(self.datasets + self.ssl.datasets))
        self.prepared = sorted(set(self.datasets + self.ssl.digit_datasets + self.fid_classifier_only))
        self.resources = Resources(self)
        self.rounds = Rounds(self)

    # -- the sweep ------------------------------------------------------------------------------
    def dataset_settings(self, dataset: str) -> dict:
        """A dataset's entry in ``datasets`` or, for one only in the semi-supervised study, there."""
        return self.config["datasets"].get(dataset) or self.ssl.config["datasets"].get(dataset) or {}

    def model_grids(self, dataset: str) -> dict:
        """The global model grids, with this dataset's per-model overrides."""
        return self.config["models"] | self.config["datasets"][dataset].get("models", {})

    def studies(self, dataset: str) -> list[str]:
        """The generative study (Table I, Figures 3-7) and, on labelled data, the kNN study (Table II)."""
        return ["generative"] + (["knn"] if datasets.dataset(dataset).labelled else [])

    def latent_dims(self, dataset: str, study: str) -> list[int]:
        """A study's latent dimensions: ``latent_dim``, or for kNN ``knn_latent_dim`` when set (Sec. 4.4)."""
        settings = self.config["datasets"][dataset]
        dims = settings["latent_dim"] if isinstance(settings["latent_dim"], list) else [settings["latent_dim"]]
        return settings.get("knn_latent_dim", dims) if study == "knn" else dims

    def settings(self, dataset: str, model: str, study: str | None = None) -> list[str]:
        """The settings of the sweep (latent dimension × grid), of one study or of all of them."""
        chosen = [study] if study else self.studies(dataset)
        dims = sorted({z for s in chosen for z in self.latent_dims(dataset, s)})
        return sweep_settings(model, self.model_grids(dataset)[model], dims)

    def structures(self, dataset: str, model: str, study: str | None = None) -> list[str]:
        """The structures of the sweep (of one study, or of all), in sweep order."""
        return list(dict.fromkeys(structure_id(model, hp) for hp in self.settings(dataset, model, study)))

    def structure_settings(self, dataset: str, model: str, structure: str) -> list[str]:
        return [hp for hp in self.settings(dataset, model) if structure_id(model, hp) == structure]

    def structures_of(self, study: str | None = None):
        """(dataset, model, structure) of every structure of a study (or of all)."""
        return [
            (dataset, model, structure)
            for dataset in self.datasets
            if study is None or study in self.studies(dataset)
            for model in self.model_grids(dataset)
            for structure in self.structures(dataset, model, study)
        ]

    def training(self, dataset: str) -> dict:
        return self.config["training"] | self.config["datasets"][dataset].get("training", {})

    def prior_models(self, dataset: str) -> list[str]:
        """The dataset's models whose grid chooses among mixture priors (Figures 4 and 7)."""
        return [m for m, grid in self.model_grids(dataset).items() if "prior" in grid]

    # -- what defines the jobs ----------------------------------------------------------------------
    def cpu_kernels(self) -> dict:
        """The MKL kernels of the jobs, where they are not the CPU's own (part of the jobs' keys)."""
        kernels = self.config["cpu_kernels"]
        return {"cpu_kernels": kernels} if kernels != "default" else {}

    def own_dataset(self, dataset: str) -> dict:
        """How the config declares one's own arrays, and the digest of the plugin file that registered a
        dataset (nothing for the package's datasets)."""
        declared = {k: v for k, v in self.dataset_settings(dataset).items() if k in datasets.DECLARED}
        entry = datasets.DATASETS.get(dataset)
        return ({"declared": declared} if declared else {}) | plugins.source_digest(entry and entry.source)

    def preparation(self, dataset: str) -> dict:
        """What the config says of a prepared dataset (its arrays' fingerprint enters each run's own key):
        its source and checks, how one's own arrays are declared, the plugin file that registered it."""
        settings = self.dataset_settings(dataset)
        return {
            "dataset": dataset,
            "source": settings.get("source"),
            **self.own_dataset(dataset),
            "verify": settings.get("verify", "checksum"),
            "version": COMPONENTS["data"],
        }

    def train_job(self, dataset: str, model: str, structure: str) -> dict:
        settings = self.structure_settings(dataset, model, structure)
        training, kernels = self.training(dataset), self.cpu_kernels()
        return jobs.train_job(self.preparation(dataset), model, settings, self.config["seeds"], training, kernels)

    def train_manifest(self, dataset: str, model: str, structure: str) -> str:
        return jobs.manifest("train", (dataset, model, structure), self.train_job(dataset, model, structure))

    def evaluation_job(self, dataset: str, model: str, structure: str) -> dict:
        runs = self.train_manifest(dataset, model, structure)
        return jobs.evaluation_job(runs, self.config["evaluation"], self.feature_net(dataset))

    def evaluation_manifest(self, dataset: str, model: str, structure: str) -> str:
        definition = self.evaluation_job(dataset, model, structure)
        return jobs.manifest("evaluate", (dataset, model, structure), definition)

    def evaluation_manifests(self, dataset: str, model: str, study: str | None = None, only=None) -> list[str]:
        """The evaluation manifests of a study's structures (or ``only`` these)."""
        structures = only or self.structures(dataset, model, study)
        return [self.evaluation_manifest(dataset, model, structure) for structure in structures]

    def feature_net(self, dataset: str) -> str | None:
        """The domain classifier of a dataset's FID, named by what defines it; None for FID on raw data."""
        donor = datasets.dataset(dataset).fid_classifier
        if not donor:
            return None
        definition = jobs.feature_net_job(self.preparation(donor), self.config["feature_net"]["epochs"])
        return f"results/feature_net/{donor}/{jobs.content_key(definition)}.pt"

    # -- the study's outputs ------------------------------------------------------------------------------
    def selections(self, study: str) -> list[str]:
        return [
            f"results/selection/{study}/{dataset}/{model}.json"
            for dataset in self.datasets
            if study in self.studies(dataset)
            for model in self.model_grids(dataset)
        ]

    def sweeps(self) -> list[str]:
        """Every sweep table: per study, dataset and model, and per semi-supervised dataset."""
        tables = [
            f"results/selection/{study}/{dataset}/{model}_sweep.csv"
            for dataset in self.datasets
            for study in self.studies(dataset)
            for model in self.model_grids(dataset)
        ]
        return tables + self.ssl.sweeps()

    def manifests(self) -> list[str]:
        """Every job manifest: training and evaluation of each structure, the semi-supervised runs."""
        structures = self.structures_of()
        return (
            [self.train_manifest(*s) for s in structures]
            + [self.evaluation_manifest(*s) for s in structures]
            + self.ssl.manifests()
        )

    def feature_nets(self) -> list[str]:
        return sorted({self.feature_net(dataset) for dataset in self.classifier_fid})

    def figure2_evaluations(self) -> list[str]:
        """Figure 2's evaluations: its model's first structure of the generative sweep (every weight)."""
        dataset, model = self.figure2()
        structure = structure_id(model, self.settings(dataset, model, "generative")[0])
        return self.evaluation_manifests(dataset, model, only=[structure])

    def epochs_per_table(self) -> dict:
        """Our training epochs per paper table and dataset (the comparison notes where they differ)."""
        generative = {d: self.training(d)["epochs"] for d in self.datasets}
        ssl = {d: self.ssl.training(d)["epochs"] for d in self.ssl.datasets}
        return {"I": generative, "II": generative} | {table: ssl for table in SSL_TABLES}

    def figure2(self) -> tuple[str, str] | None:
        """Figure 2's dataset and model, if the config draws it."""
        return (
            (self.config["figure2"]["dataset"], self.config["figure2"]["model"]) if "figure2" in self.config else None
        )

    def targets(self) -> list[str]:
        """Every output of the study: what ``snakemake all`` builds."""
        outputs = ["results/in_use.json", *(f"results/{name}" for name in TABLES), "results/figures/figure1.png"]
        outputs += ["results/figures/figure2.png"] if self.figure2() else []
        outputs += self.sweeps()
        for dataset in self.datasets:
            outputs += [
                f"results/figures/{figure}_{dataset}_{model}.png"
                for model in self.model_grids(dataset)
                for figure in ("figure3", "curves")
            ]
            for model in self.prior_models(dataset):
                outputs.append(f"results/figures/figure4_{dataset}_{model}.png")
                priors = set(self.model_grids(dataset)[model]["prior"])
                if dataset in self.image_datasets and {"mog", "mog-direct"} & priors:
                    outputs.append(f"results/figures/figure7_{dataset}_{model}.png")
        outputs += [
            f"results/figures/{kind}_{d}.png" for kind in ("samples", "reconstructions") for d in self.image_datasets
        ]
        return outputs + self.ssl.targets()
