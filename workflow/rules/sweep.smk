# One job per setting of the sweep trains (then evaluates) every seed of it,
# one after another: per-seed outputs, checkpoints and selection are as if
# each seed were its own job, at a fifth of the paper DAG's job count.


rule train:
    input:
        data=rules.prepare_dataset.output.data,
    output:
        model=expand(
            "results/runs/{{dataset}}/{{model}}/{{hp}}/seed{seed}/model.pt",
            seed=config["seeds"],
        ),
        history=expand(
            "results/runs/{{dataset}}/{{model}}/{{hp}}/seed{seed}/history.csv",
            seed=config["seeds"],
        ),
        summary=expand(
            "results/runs/{{dataset}}/{{model}}/{{hp}}/seed{seed}/summary.json",
            seed=config["seeds"],
        ),
    log:
        "results/logs/train/{dataset}/{model}/{hp}.log",
    benchmark:
        "results/benchmarks/train/{dataset}/{model}/{hp}.tsv"
    conda:
        "../../envs/csrae.yaml"
    threads: 1
    resources:
        **gpu_job("train"),
    params:
        seeds=config["seeds"],
        pack=config["resources"]["pack_seeds"],
        # The resumable checkpoints are not declared outputs, so Snakemake
        # keeps them when a failed or killed job is retried.
        state_dirs=lambda wildcards: expand(
            "results/state/{dataset}/{model}/{hp}/seed{seed}",
            seed=config["seeds"],
            **wildcards,
        ),
        training=lambda wildcards: training_settings(wildcards.dataset),
    script:
        "../scripts/train.py"


rule evaluate:
    input:
        data=rules.prepare_dataset.output.data,
        models=rules.train.output.model,
        feature_net=feature_net_input,
    output:
        metrics=expand(
            "results/runs/{{dataset}}/{{model}}/{{hp}}/seed{seed}/metrics.json",
            seed=config["seeds"],
        ),
        artefacts=expand(
            "results/runs/{{dataset}}/{{model}}/{{hp}}/seed{seed}/artefacts.npz",
            seed=config["seeds"],
        ),
    log:
        "results/logs/evaluate/{dataset}/{model}/{hp}.log",
    benchmark:
        "results/benchmarks/evaluate/{dataset}/{model}/{hp}.tsv"
    conda:
        "../../envs/csrae.yaml"
    threads: 1
    resources:
        **gpu_job("evaluate"),
    params:
        seeds=config["seeds"],
        evaluation=config["evaluation"],
        feature_net_label=feature_net_label,
    script:
        "../scripts/evaluate.py"
