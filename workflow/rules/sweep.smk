# One job per structure of the sweep (the settings that differ only in the
# regulariser weight) trains every setting × seed of it, packed on stacked
# parameters (``resources.pack``) or one after another, then one job
# evaluates them: per-run outputs, checkpoints and selection are as if each
# run were its own job, at a ninth of the paper DAG's job count.


rule train:
    input:
        data=rules.prepare_dataset.output.data,
    output:
        runs=directory(f"results/runs/{STRUCTURE}"),
    log:
        f"results/logs/train/{STRUCTURE}.log",
    benchmark:
        f"results/benchmarks/train/{STRUCTURE}.tsv"
    conda:
        "../../envs/csrae.yaml"
    threads: 1
    resources:
        **gpu_job("train", structure_runs),
    params:
        settings=structure_settings,
        seeds=config["seeds"],
        pack=config["resources"]["pack"],
        # The resumable checkpoints are not declared outputs, so Snakemake
        # keeps them when a failed or killed job is retried.
        state=lambda wildcards: f"results/state/{wildcards.dataset}/{wildcards.model}",
        training=lambda wildcards: training_settings(wildcards.dataset),
    script:
        "../scripts/train.py"


rule evaluate:
    input:
        data=rules.prepare_dataset.output.data,
        runs=rules.train.output.runs,
        feature_net=feature_net_input,
    output:
        evaluation=directory(f"results/evaluation/{STRUCTURE}"),
    log:
        f"results/logs/evaluate/{STRUCTURE}.log",
    benchmark:
        f"results/benchmarks/evaluate/{STRUCTURE}.tsv"
    conda:
        "../../envs/csrae.yaml"
    threads: 1
    resources:
        **gpu_job("evaluate", structure_runs),
    params:
        settings=structure_settings,
        seeds=config["seeds"],
        evaluation=config["evaluation"],
        feature_net_label=feature_net_label,
    script:
        "../scripts/evaluate.py"
