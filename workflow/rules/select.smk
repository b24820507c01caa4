rule select_model:
    input:
        evaluations=evaluation_manifests,
    output:
        sweep="results/selection/{study}/{dataset}/{model}_sweep.csv",
        sweep_html=report(
            "results/selection/{study}/{dataset}/{model}_sweep.html",
            caption="../report/sweep.rst",
            category="Model selection",
            subcategory="{study}: {dataset}",
            labels={"study": "{study}", "dataset": "{dataset}", "model": "{model}"},
        ),
        selected="results/selection/{study}/{dataset}/{model}.json",
    log:
        "results/logs/select/{study}/{dataset}/{model}.log",
    localrule: True
    conda:
        "../envs/csrae.yaml"
    params:
        criterion=lambda wildcards: CRITERIA[wildcards.study],
    script:
        "../scripts/select_model.py"
