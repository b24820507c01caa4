# Paths and settings of the semi-supervised study (rules in semisupervised.smk).


SSL_RUN = (
    "results/semisupervised/runs/{dataset}/{model}/{labels}/{hp}/fold{fold}/seed{seed}"
)


def ssl_training(dataset):
    return SSL["training"] | SSL["datasets"][dataset].get("training", {})


def ssl_models(dataset):
    supervised = SSL.get("supervised", []) if dataset in FACE_DATASETS else []
    return list(SSL["models"]) + supervised


def ssl_settings(dataset, model, budget):
    """The settings of ``model``'s grid for one label budget: α follows the budget
    when the config gives it per label (csrae.naming.budget_alphas)."""
    if model in SUPERVISED_MODELS:
        return [SUPERVISED_SETTING]
    latent_dim = SSL["datasets"][dataset].get("latent_dim", SSL["latent_dim"])
    alpha = SSL["datasets"][dataset].get("alpha", SSL["models"][model]["alpha"])
    alphas = budget_alphas(
        alpha, parse_labels_id(budget), fraction=dataset in FACE_DATASETS
    )
    grid = SSL["models"][model] | {"alpha": alphas}
    return sweep_settings(model, grid, [latent_dim], SSL_HYPERPARAMETERS[model])


def ssl_budgets(dataset, model):
    faces = dataset in FACE_DATASETS
    if model in SUPERVISED_MODELS:
        return [labels_id(1.0, faces, supervised=True)]
    return [labels_id(v, faces) for v in SSL["datasets"][dataset]["labels"]]


def ssl_run_paths(name, dataset):
    """``name`` in every run directory of ``dataset``'s semi-supervised sweep."""
    folds = range(N_FOLDS) if dataset in FACE_DATASETS else [0]
    return [
        f"{SSL_RUN}/{name}".format(
            dataset=dataset, model=m, labels=b, hp=h, fold=f, seed=s
        )
        for m in ssl_models(dataset)
        for b in ssl_budgets(dataset, m)
        for h in ssl_settings(dataset, m, b)
        for f in folds
        for s in config["seeds"]
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
