# Paths and settings of the semi-supervised study (rules in semisupervised.smk).

# Classes of every digit dataset of the study (mnist5k, dynamic and Fashion-MNIST).
DIGIT_CLASSES = 10


# Semi-supervised runs live in a store, a folder per definition (csrae.store);
# each training job's output is a manifest named by what defines the job.
SSL_STORE = "results/semisupervised/runs"
SSL_JOB = "{dataset}/{model}/{labels}/{hp}/fold{fold}"


def ssl_training(dataset):
    settings = SSL["training"] | SSL["datasets"][dataset].get("training", {})
    if dataset in FACE_DATASETS and settings.get("prior_per_class"):
        raise ValueError(
            f"semisupervised: prior_per_class needs one label per point; {dataset}'s action units are "
            f"multi-label: set semisupervised.datasets.{dataset}.training.prior_per_class to false"
        )
    if problem := phase_problem(settings["epochs"], settings.get("pretrain_epochs", 0)):
        raise ValueError(
            f"semisupervised: {dataset} {problem} "
            f"(semisupervised.training or semisupervised.datasets.{dataset}.training)"
        )
    return settings


def ssl_models(dataset):
    supervised = SSL.get("supervised", []) if dataset in FACE_DATASETS else []
    return list(SSL["models"]) + supervised


def ssl_settings(dataset, model, budget):
    """The settings of ``model``'s grid for one label budget: α follows the budget
    when the config gives it per label (csrae.naming.budget_alphas)."""
    if model in SUPERVISED_MODELS:
        return [SUPERVISED_SETTING]
    latent_dim = SSL["datasets"][dataset].get("latent_dim", SSL["latent_dim"])
    grid = SSL["models"][model]
    entry = registry.model(model)
    per_class = any(
        entry.per_class_prior({"prior": p}) for p in grid.get("prior", [entry.prior])
    )
    if ssl_training(dataset).get("prior_per_class") and per_class:
        if min(grid["K"]) < DIGIT_CLASSES:
            raise ValueError(
                f"semisupervised: prior_per_class gives each of the {DIGIT_CLASSES} digit classes its "
                f"own prior components: {model}'s K must be >= {DIGIT_CLASSES}, got {grid['K']}"
            )
    alpha = SSL["datasets"][dataset].get("alpha", grid["alpha"])
    alphas = budget_alphas(
        alpha, parse_labels_id(budget), fraction=dataset in FACE_DATASETS
    )
    grid = grid | {"alpha": alphas}
    return sweep_settings(model, grid, [latent_dim], ssl_hyperparameters(model))


def ssl_budgets(dataset, model):
    faces = dataset in FACE_DATASETS
    if model in SUPERVISED_MODELS:
        return [labels_id(1.0, faces, supervised=True)]
    return [labels_id(v, faces) for v in SSL["datasets"][dataset]["labels"]]


def ssl_manifest(dataset, model, labels, hp, fold):
    """The training job of one setting, label budget and fold: every seed of it."""
    definition = {
        "data": (
            preparation(dataset)
            if dataset not in FACE_DATASETS
            else face_source(dataset)
        ),
        "model": model,
        "labels": labels,
        "hp": hp,
        "fold": fold,
        "seeds": config["seeds"],
        "training": ssl_training(dataset),
        "resnet18_weights": (
            SSL.get("resnet18_weights") if model == "ResNet18" else None
        ),
        "versions": versions("semisupervised"),
    } | cpu_kernels()
    return manifest(
        "semisupervised", (dataset, model, labels, hp, f"fold{fold}"), definition
    )


def ssl_manifests(dataset):
    """The training manifests of ``dataset``'s semi-supervised sweep."""
    folds = range(N_FOLDS) if dataset in FACE_DATASETS else [0]
    return [
        ssl_manifest(dataset, m, b, h, f)
        for m in ssl_models(dataset)
        for b in ssl_budgets(dataset, m)
        for h in ssl_settings(dataset, m, b)
        for f in folds
    ]


def ssl_prepared(wildcards):
    if wildcards.dataset in FACE_DATASETS:
        return rules.prepare_faces.output[0].format(dataset=wildcards.dataset)
    return rules.prepare_dataset.output.data.format(dataset=wildcards.dataset)


def ssl_outputs():
    if not SSL_DATASETS:
        return []
    return [
        "results/table3.csv",
        "results/table3.md",
        *(f"results/{AU_TABLE[d]}.csv" for d in FACE_DATASETS),
    ]
