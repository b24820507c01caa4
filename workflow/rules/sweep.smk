rule train:
    input:
        data=rules.prepare_dataset.output.data,
    output:
        model="results/runs/{dataset}/{model}/{hp}/seed{seed}/model.pt",
        history="results/runs/{dataset}/{model}/{hp}/seed{seed}/history.csv",
        summary="results/runs/{dataset}/{model}/{hp}/seed{seed}/summary.json",
    log:
        "results/logs/train/{dataset}/{model}/{hp}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{dataset}/{model}/{hp}/seed{seed}.tsv"
    conda:
        "../../envs/csrae.yaml"
    threads: 1
    resources:
        gpu=config["resources"]["gpus_per_job"],
        mem_mb=4000,
        runtime=lambda wildcards, attempt: 120 * attempt,
    params:
        # The resumable checkpoint is not a declared output, so Snakemake keeps
        # it when a failed or killed job is retried.
        state_dir="results/state/{dataset}/{model}/{hp}/seed{seed}",
        latent_dim=lambda wildcards: config["datasets"][wildcards.dataset]["latent_dim"],
        training=lambda wildcards: training_settings(wildcards.dataset),
    script:
        "../scripts/train.py"


rule evaluate:
    input:
        data=rules.prepare_dataset.output.data,
        model=rules.train.output.model,
        feature_net=feature_net_input,
    output:
        metrics="results/runs/{dataset}/{model}/{hp}/seed{seed}/metrics.json",
        artefacts="results/runs/{dataset}/{model}/{hp}/seed{seed}/artefacts.npz",
    log:
        "results/logs/evaluate/{dataset}/{model}/{hp}/seed{seed}.log",
    benchmark:
        "results/benchmarks/evaluate/{dataset}/{model}/{hp}/seed{seed}.tsv"
    conda:
        "../../envs/csrae.yaml"
    threads: 1
    resources:
        gpu=config["resources"]["gpus_per_job"],
        mem_mb=4000,
        runtime=lambda wildcards, attempt: 60 * attempt,
    params:
        evaluation=config["evaluation"],
    script:
        "../scripts/evaluate.py"
