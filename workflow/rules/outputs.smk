def all_selections():
    return [
        f"{RESULTS}/selection/{dataset}/{model}.json"
        for dataset in DATASETS
        for model in model_grids(dataset)
    ]


rule tables:
    input:
        all_selections(),
    output:
        table1=report(
            RESULTS + "/table1.csv",
            caption="../report/table1.rst",
            category="Tables",
            labels={"table": "Table I (FID)"},
        ),
        table1_md=RESULTS + "/table1.md",
        table2=report(
            RESULTS + "/table2.csv",
            caption="../report/table2.rst",
            category="Tables",
            labels={"table": "Table II (kNN error)"},
        ),
        table2_md=RESULTS + "/table2.md",
    log:
        RESULTS + "/logs/tables.log",
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/tables.py"


rule figure1:
    output:
        report(
            RESULTS + "/figures/figure1.png",
            caption="../report/figure1.rst",
            category="Figures",
            labels={"figure": "Figure 1"},
        ),
    log:
        RESULTS + "/logs/figure1.log",
    params:
        settings=config["figure1"],
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/figure1.py"


rule figure2:
    input:
        lambda wildcards: run_paths(
            "artefacts.npz",
            config["figure2"]["dataset"],
            config["figure2"]["model"],
            seeds=config["seeds"][:1],
        ),
    output:
        report(
            RESULTS + "/figures/figure2.png",
            caption="../report/figure2.rst",
            category="Figures",
            labels={"figure": "Figure 2"},
        ),
    log:
        RESULTS + "/logs/figure2.log",
    params:
        weight=WEIGHT_NAME[config["figure2"]["model"]],
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/figure2.py"


rule figure3:
    input:
        sweep=rules.select_model.output.sweep,
    output:
        report(
            RESULTS + "/figures/figure3_{dataset}_{model}.png",
            caption="../report/figure3.rst",
            category="Figures",
            labels={"figure": "Figure 3", "dataset": "{dataset}", "model": "{model}"},
        ),
    log:
        RESULTS + "/logs/figure3/{dataset}_{model}.log",
    params:
        weight=lambda wildcards: WEIGHT_NAME[wildcards.model],
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/figure3.py"


rule image_grids:
    input:
        selections=lambda wildcards: [
            f"{RESULTS}/selection/{wildcards.dataset}/{model}.json"
            for model in model_grids(wildcards.dataset)
        ],
        artefacts=lambda wildcards: [
            path
            for model in model_grids(wildcards.dataset)
            for path in run_paths(
                "artefacts.npz", wildcards.dataset, model, seeds=config["seeds"][:1]
            )
        ],
        meta=rules.prepare_dataset.output.meta,
    output:
        samples=report(
            RESULTS + "/figures/samples_{dataset}.png",
            caption="../report/samples.rst",
            category="Figures",
            labels={"figure": "Figure 6 (samples)", "dataset": "{dataset}"},
        ),
        reconstructions=report(
            RESULTS + "/figures/reconstructions_{dataset}.png",
            caption="../report/reconstructions.rst",
            category="Figures",
            labels={"figure": "Figure 5 (reconstructions)", "dataset": "{dataset}"},
        ),
    log:
        RESULTS + "/logs/image_grids/{dataset}.log",
    params:
        seed=config["seeds"][0],
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/image_grids.py"
