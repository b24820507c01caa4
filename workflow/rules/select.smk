rule select_model:
    input:
        lambda wildcards: run_paths("metrics.json", wildcards.dataset, wildcards.model),
    output:
        sweep=report(
            "results/selection/{dataset}/{model}_sweep.csv",
            caption="../report/sweep.rst",
            category="Model selection",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "model": "{model}"},
        ),
        selected="results/selection/{dataset}/{model}.json",
    log:
        "results/logs/select/{dataset}/{model}.log",
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/select_model.py"
