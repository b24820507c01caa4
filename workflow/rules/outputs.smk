rule tables:
    input:
        generative=all_selections("generative"),
        knn=all_selections("knn"),
    output:
        table1="results/table1.csv",
        table1_html=report(
            "results/table1.html",
            caption="../report/table1.rst",
            category="Tables",
            labels={"table": "Table I (FID)"},
        ),
        table1_md="results/table1.md",
        table2="results/table2.csv",
        table2_html=report(
            "results/table2.html",
            caption="../report/table2.rst",
            category="Tables",
            labels={"table": "Table II (kNN error)"},
        ),
        table2_md="results/table2.md",
    log:
        "results/logs/tables.log",
    localrule: True
    conda:
        "../../envs/csrae.yaml"
    params:
        knn_k=config["evaluation"]["knn_k"],
    script:
        "../scripts/tables.py"


rule diverged:
    input:
        sweeps=all_sweeps(),
    output:
        csv="results/diverged.csv",
        html=report(
            "results/diverged.html",
            caption="../report/diverged.rst",
            category="Model selection",
            labels={"table": "diverged runs"},
        ),
        md="results/diverged.md",
    log:
        "results/logs/diverged.log",
    localrule: True
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/diverged.py"


rule figure1:
    output:
        report(
            "results/figures/figure1.png",
            caption="../report/figure1.rst",
            category="Figures",
            labels={"figure": "Figure 1"},
        ),
    log:
        "results/logs/figure1.log",
    conda:
        "../../envs/csrae.yaml"
    params:
        settings=config["figure1"],
    script:
        "../scripts/figure1.py"


if "figure2" in config:  # Figure 2 is optional (a 2-D dataset)

    rule figure2:
        input:
            evaluation_manifests(
                config["figure2"]["dataset"],
                config["figure2"]["model"],
                only=[
                    structure_id(
                        config["figure2"]["model"],
                        first_structure(
                            config["figure2"]["dataset"], config["figure2"]["model"]
                        )[0],
                    )
                ],
            ),
        output:
            report(
                "results/figures/figure2.png",
                caption="../report/figure2.rst",
                category="Figures",
                labels={"figure": "Figure 2"},
            ),
        log:
            "results/logs/figure2.log",
        localrule: True
        conda:
            "../../envs/csrae.yaml"
        params:
            seed=config["seeds"][0],
            model=config["figure2"]["model"],
            weight=weight_name(config["figure2"]["model"]),
        script:
            "../scripts/figure2.py"


rule sweep_figures:
    input:
        sweep="results/selection/generative/{dataset}/{model}_sweep.csv",
        selected="results/selection/generative/{dataset}/{model}.json",
        evaluations=lambda wildcards: evaluation_manifests(
            wildcards.dataset, wildcards.model, "generative"
        ),
    output:
        figure3=report(
            "results/figures/figure3_{dataset}_{model}.png",
            caption="../report/figure3.rst",
            category="Figures",
            labels={"figure": "Figure 3", "dataset": "{dataset}", "model": "{model}"},
        ),
        curves=report(
            "results/figures/curves_{dataset}_{model}.png",
            caption="../report/curves.rst",
            category="Learning curves",
            labels={"dataset": "{dataset}", "model": "{model}"},
        ),
    log:
        "results/logs/sweep_figures/{dataset}_{model}.log",
    localrule: True
    conda:
        "../../envs/csrae.yaml"
    params:
        weight=lambda wildcards: weight_name(wildcards.model),
    script:
        "../scripts/sweep_figures.py"


rule figure4:
    input:
        sweep="results/selection/generative/{dataset}/{model}_sweep.csv",
    output:
        report(
            "results/figures/figure4_{dataset}_{model}.png",
            caption="../report/figure4.rst",
            category="Figures",
            labels={"figure": "Figure 4", "dataset": "{dataset}", "model": "{model}"},
        ),
    log:
        "results/logs/figure4/{dataset}_{model}.log",
    localrule: True
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/figure4.py"


rule figure7:
    input:
        selected="results/selection/generative/{dataset}/{model}.json",
        data=rules.prepare_dataset.output.data,
    output:
        report(
            "results/figures/figure7_{dataset}_{model}.png",
            caption="../report/figure7.rst",
            category="Figures",
            labels={"figure": "Figure 7", "dataset": "{dataset}", "model": "{model}"},
        ),
    log:
        "results/logs/figure7/{dataset}_{model}.log",
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/figure7.py"


rule image_grids:
    input:
        selections=lambda wildcards: [
            f"results/selection/generative/{wildcards.dataset}/{model}.json"
            for model in model_grids(wildcards.dataset)
        ],
        meta=rules.prepare_dataset.output.meta,
    output:
        samples=report(
            "results/figures/samples_{dataset}.png",
            caption="../report/samples.rst",
            category="Figures",
            labels={"figure": "Figure 6 (samples)", "dataset": "{dataset}"},
        ),
        reconstructions=report(
            "results/figures/reconstructions_{dataset}.png",
            caption="../report/reconstructions.rst",
            category="Figures",
            labels={"figure": "Figure 5 (reconstructions)", "dataset": "{dataset}"},
        ),
    log:
        "results/logs/image_grids/{dataset}.log",
    localrule: True
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/image_grids.py"


rule paper_comparison:
    input:
        generative=all_selections("generative"),
        knn=all_selections("knn"),
        semisupervised=expand(
            "results/semisupervised/selection/{dataset}.json", dataset=SSL_DATASETS
        ),
        meta=expand(rules.prepare_dataset.output.meta, dataset=DATASETS),
    output:
        csv="results/paper_comparison.csv",
        html=report(
            "results/paper_comparison.html",
            caption="../report/paper_comparison.rst",
            category="Paper comparison",
            labels={"table": "cells"},
        ),
        rankings="results/paper_comparison_rankings.csv",
        rankings_html=report(
            "results/paper_comparison_rankings.html",
            caption="../report/paper_comparison.rst",
            category="Paper comparison",
            labels={"table": "rankings"},
        ),
        gains="results/paper_comparison_gains.csv",
        gains_html=report(
            "results/paper_comparison_gains.html",
            caption="../report/paper_comparison.rst",
            category="Paper comparison",
            labels={"table": "improvement over the reference model"},
        ),
        md="results/paper_comparison.md",
    log:
        "results/logs/paper_comparison.log",
    localrule: True
    conda:
        "../../envs/csrae.yaml"
    params:
        epochs={
            "I": {d: training_settings(d)["epochs"] for d in DATASETS},
            "II": {d: training_settings(d)["epochs"] for d in DATASETS},
            **{
                table: {d: ssl_training(d)["epochs"] for d in SSL_DATASETS}
                for table in ("III(a)", "III(b)", "III(c)", "VII", "VIII")
            },
        },
    script:
        "../scripts/paper_comparison.py"


rule ablation:
    input:
        generative=all_selections("generative"),
        knn=all_selections("knn"),
    output:
        csv="results/ablation.csv",
        html=report(
            "results/ablation.html",
            caption="../report/ablation.rst",
            category="Divergence × prior",
            labels={"table": "cells"},
        ),
        effects="results/ablation_effects.csv",
        effects_html=report(
            "results/ablation_effects.html",
            caption="../report/ablation.rst",
            category="Divergence × prior",
            labels={"table": "effects"},
        ),
        md="results/ablation.md",
    log:
        "results/logs/ablation.log",
    localrule: True
    conda:
        "../../envs/csrae.yaml"
    params:
        knn_k=config["evaluation"]["knn_k"],
    script:
        "../scripts/ablation.py"


rule in_use:
    input:
        manifests=all_manifests(),
        feature_nets=all_feature_nets(),
    output:
        "results/in_use.json",
    log:
        "results/logs/in_use.log",
    localrule: True
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/in_use.py"
