# The figures: Figure 1 (its own fit), Figure 2 (a 2-D sweep), Figures 3 and 4 and the learning curves of
# each sweep, Figure 7 (a mixture prior's components) and Figures 5 and 6 (image grids).


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
        "../envs/csrae.yaml"
    params:
        settings=config["figure1"],
    script:
        "../scripts/figure1.py"


if "figure2" in config:  # Figure 2 is optional (a 2-D dataset)

    rule figure2:
        input:
            STUDY.figure2_evaluations(),
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
            "../envs/csrae.yaml"
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
        evaluations=evaluation_manifests,
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
        "../envs/csrae.yaml"
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
        "../envs/csrae.yaml"
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
        "../envs/csrae.yaml"
    script:
        "../scripts/figure7.py"


rule image_grids:
    input:
        selections=selections,
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
        "../envs/csrae.yaml"
    script:
        "../scripts/image_grids.py"
