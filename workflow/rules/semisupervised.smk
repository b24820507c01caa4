# The semi-supervised study (Sec. 4.5): M2 with each model's regulariser on z,
# swept over its grid and α, per label budget, fold (faces) and seed; the
# supervised CNN and ResNet18 on every label of the face datasets.

SSL_JOB = "{dataset}/{model}/{labels}/{hp}/fold{fold}"


rule train_semisupervised:
    input:
        data=ssl_prepared,
    output:
        manifest=f"results/manifests/semisupervised/{SSL_JOB}/{{job}}.json",
    log:
        f"results/logs/semisupervised/{SSL_JOB}/{{job}}.log",
    benchmark:
        f"results/benchmarks/semisupervised/{SSL_JOB}/{{job}}.tsv"
    wildcard_constraints:
        model="|".join([*semisupervised_models(), *supervised_models()]),
        labels=r"all|n=\d+|p=[0-9.]+",
        fold=r"\d+",
    conda:
        "../envs/csrae.yaml"
    threads: 1
    resources:
        **gpu_job("train_semisupervised", lambda wildcards: len(config["seeds"])),
    params:
        seeds=config["seeds"],
        store=SSL_STORE,
        training=lambda wildcards: SSL.training(wildcards.dataset),
        resnet18_weights=SSL.config.get("resnet18_weights"),
    script:
        "../scripts/train_semisupervised.py"


rule select_semisupervised:
    input:
        lambda wildcards: SSL.dataset_manifests(wildcards.dataset),
    output:
        sweep="results/semisupervised/selection/{dataset}_sweep.csv",
        sweep_html=report(
            "results/semisupervised/selection/{dataset}_sweep.html",
            caption="../report/ssl_sweep.rst",
            category="Semi-supervised",
            labels={"table": "sweep", "dataset": "{dataset}"},
        ),
        selected="results/semisupervised/selection/{dataset}.json",
    log:
        "results/logs/semisupervised/select/{dataset}.log",
    localrule: True
    conda:
        "../envs/csrae.yaml"
    script:
        "../scripts/select_semisupervised.py"


rule table3:
    input:
        SSL.selections(),
    output:
        csv="results/table3.csv",
        html=report(
            "results/table3.html",
            caption="../report/table3.rst",
            category="Tables",
            labels={"table": "Table III (semi-supervised)"},
        ),
        md="results/table3.md",
    log:
        "results/logs/table3.log",
    localrule: True
    conda:
        "../envs/csrae.yaml"
    script:
        "../scripts/table3.py"


rule au_table:
    input:
        au_table_input,
    output:
        csv="results/{au_table}.csv",
        html=report(
            "results/{au_table}.html",
            caption="../report/au_table.rst",
            category="Tables",
            labels={"table": "{au_table} (F1 per action unit)"},
        ),
    log:
        "results/logs/{au_table}.log",
    wildcard_constraints:
        au_table="table7|table8",
    localrule: True
    conda:
        "../envs/csrae.yaml"
    script:
        "../scripts/au_table.py"
