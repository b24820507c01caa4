# The tables drawn from the selections: Tables I and II, the diverged runs, the paper comparison, the
# divergence × prior ablation; and what the config uses (csrae prune).


rule tables:
    input:
        generative=STUDY.selections("generative"),
        knn=STUDY.selections("knn"),
        rounds=rounds_done,
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
        "../envs/csrae.yaml"
    params:
        knn_k=config["evaluation"]["knn_k"],
    script:
        "../scripts/tables.py"


rule diverged:
    input:
        sweeps=STUDY.sweeps(),
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
        "../envs/csrae.yaml"
    script:
        "../scripts/diverged.py"


rule paper_comparison:
    input:
        generative=STUDY.selections("generative"),
        knn=STUDY.selections("knn"),
        semisupervised=SSL.selections(),
        meta=expand(rules.prepare_dataset.output.meta, dataset=STUDY.datasets),
        rounds=rounds_done,
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
        "../envs/csrae.yaml"
    params:
        epochs=STUDY.epochs_per_table(),
        schedule=ROUNDS.schedule.to_dict(),
    script:
        "../scripts/paper_comparison.py"


rule ablation:
    input:
        generative=STUDY.selections("generative"),
        knn=STUDY.selections("knn"),
        rounds=rounds_done,
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
        "../envs/csrae.yaml"
    params:
        knn_k=config["evaluation"]["knn_k"],
        schedule=ROUNDS.schedule.to_dict(),
    script:
        "../scripts/ablation.py"


rule findings:
    input:
        ablation="results/ablation_effects.csv",
        gains="results/paper_comparison_gains.csv",
        description=workflow.source_path("../report/workflow.rst"),
    output:
        md="results/findings.md",
        csv="results/findings.csv",
        html=report(
            "results/findings.html",
            caption="../report/findings.rst",
            category="Findings",
            labels={"table": "findings"},
        ),
        report="results/report.rst",
    log:
        "results/logs/findings.log",
    localrule: True
    conda:
        "../envs/csrae.yaml"
    params:
        schedule=ROUNDS.schedule.to_dict(),
    script:
        "../scripts/findings.py"


rule in_use:
    input:
        manifests=STUDY.manifests(),
        rounds=round_manifests,
        feature_nets=STUDY.feature_nets(),
    output:
        "results/in_use.json",
    log:
        "results/logs/in_use.log",
    localrule: True
    conda:
        "../envs/csrae.yaml"
    params:
        plan=plan_key(STUDY.manifests(), STUDY.feature_nets()),
    script:
        "../scripts/in_use.py"
