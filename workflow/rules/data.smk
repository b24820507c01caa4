rule prepare_dataset:
    input:
        own_arrays,
    output:
        data="results/data/{dataset}/data.npz",
        meta="results/data/{dataset}/meta.json",
    log:
        "results/logs/prepare/{dataset}.log",
    conda:
        "../envs/csrae.yaml"
    params:
        source=lambda wildcards: STUDY.dataset_settings(wildcards.dataset).get("source"),
        verify=lambda wildcards: STUDY.preparation(wildcards.dataset)["verify"],
        version=lambda wildcards: STUDY.preparation(wildcards.dataset)["version"],
        own=lambda wildcards: STUDY.own_dataset(wildcards.dataset),
    script:
        "../scripts/prepare.py"


rule feature_net:
    input:
        data=rules.prepare_dataset.output.data,
    output:
        "results/feature_net/{dataset}/{job}.pt",
    log:
        "results/logs/feature_net/{dataset}/{job}.log",
    conda:
        "../envs/csrae.yaml"
    threads: 1
    params:
        epochs=config["feature_net"]["epochs"],
    script:
        "../scripts/feature_net.py"


rule prepare_faces:
    output:
        "results/data/{dataset}/faces.json",
    log:
        "results/logs/prepare/{dataset}_faces.log",
    conda:
        "../envs/csrae.yaml"
    params:
        source=lambda wildcards: SSL.source(wildcards.dataset),
    script:
        "../scripts/prepare_faces.py"
