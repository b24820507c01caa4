# One job per structure of the sweep (the settings that differ only in the
# regulariser weight) trains every setting × seed of it, packed on stacked
# parameters (``resources.pack``) or one after another, then one job
# evaluates them.  Runs and evaluations live in stores keyed by what defines
# them (results/runs/…/<key>/, results/evaluation/…/<key>/, csrae.store);
# a job's output is only its manifest, named by the hash of the job's
# definition (csrae.plan.jobs), so a changed setting is a new job beside the
# old one, a finished run is reused rather than retrained, and no rerun
# deletes a run.


rule train:
    input:
        data=rules.prepare_dataset.output.data,
    output:
        manifest=f"results/manifests/train/{STRUCTURE}/{{job}}.json",
    log:
        f"results/logs/train/{STRUCTURE}/{{job}}.log",
    benchmark:
        f"results/benchmarks/train/{STRUCTURE}/{{job}}.tsv"
    conda:
        "../envs/csrae.yaml"
    threads: 1
    resources:
        **gpu_job("train", structure_runs),
    params:
        settings=structure_settings,
        seeds=config["seeds"],
        pack=config["resources"]["pack"],
        store=RUN_STORE,
        training=lambda wildcards: STUDY.training(wildcards.dataset),
    script:
        "../scripts/train.py"


rule evaluate:
    input:
        data=rules.prepare_dataset.output.data,
        runs=train_manifest,
        feature_net=feature_net_input,
    output:
        manifest=f"results/manifests/evaluate/{STRUCTURE}/{{job}}.json",
    log:
        f"results/logs/evaluate/{STRUCTURE}/{{job}}.log",
    benchmark:
        f"results/benchmarks/evaluate/{STRUCTURE}/{{job}}.tsv"
    conda:
        "../envs/csrae.yaml"
    threads: 1
    resources:
        **gpu_job("evaluate", structure_runs),
    params:
        evaluation=config["evaluation"],
        store=EVALUATION_STORE,
        feature_net_label=feature_net_label,
    script:
        "../scripts/evaluate.py"
