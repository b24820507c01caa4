rule select_model:
    input:
        lambda wildcards: run_paths("metrics.json", wildcards.dataset, wildcards.model),
    output:
        sweep=report(
            RESULTS + "/selection/{dataset}/{model}_sweep.csv",
            caption="../report/sweep.rst",
            category="Model selection",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "model": "{model}"},
        ),
        selected=RESULTS + "/selection/{dataset}/{model}.json",
    log:
        RESULTS + "/logs/select/{dataset}/{model}.log",
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/select_model.py"
