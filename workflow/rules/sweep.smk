rule train:
    input:
        data=rules.prepare_dataset.output.data,
    output:
        model=RUN + "/model.pt",
        history=RUN + "/history.csv",
        summary=RUN + "/summary.json",
    log:
        RESULTS + "/logs/train/{dataset}/{model}/{hp}/seed{seed}.log",
    benchmark:
        RESULTS + "/benchmarks/train/{dataset}/{model}/{hp}/seed{seed}.tsv"
    params:
        # The resumable checkpoint is not a declared output, so Snakemake keeps
        # it when a failed or killed job is retried.
        state_dir=RESULTS + "/state/{dataset}/{model}/{hp}/seed{seed}",
        latent_dim=lambda wildcards: config["datasets"][wildcards.dataset]["latent_dim"],
        training=lambda wildcards: training_settings(wildcards.dataset),
    threads: 1
    resources:
        gpu=config["resources"]["gpus_per_training_job"],
        mem_mb=4000,
        runtime=lambda wildcards, attempt: 120 * attempt,
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/train.py"


def feature_net_input(wildcards):
    if wildcards.dataset in IMAGE_DATASETS:
        return rules.feature_net.output[0].format(dataset=wildcards.dataset)
    return []


rule evaluate:
    input:
        data=rules.prepare_dataset.output.data,
        model=rules.train.output.model,
        feature_net=feature_net_input,
    output:
        metrics=RUN + "/metrics.json",
        artefacts=RUN + "/artefacts.npz",
    log:
        RESULTS + "/logs/evaluate/{dataset}/{model}/{hp}/seed{seed}.log",
    benchmark:
        RESULTS + "/benchmarks/evaluate/{dataset}/{model}/{hp}/seed{seed}.tsv"
    params:
        evaluation=config["evaluation"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=lambda wildcards, attempt: 60 * attempt,
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/evaluate.py"
