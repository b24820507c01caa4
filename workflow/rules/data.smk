rule prepare_dataset:
    output:
        data=RESULTS + "/data/{dataset}/data.npz",
        meta=RESULTS + "/data/{dataset}/meta.json",
    log:
        RESULTS + "/logs/prepare/{dataset}.log",
    params:
        source=lambda wildcards: config["datasets"][wildcards.dataset].get("source"),
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/prepare.py"


rule feature_net:
    input:
        data=rules.prepare_dataset.output.data,
    output:
        RESULTS + "/data/{dataset}/feature_net.pt",
    log:
        RESULTS + "/logs/feature_net/{dataset}.log",
    params:
        epochs=config["feature_net"]["epochs"],
    threads: 1
    conda:
        "../../envs/csrae.yaml"
    script:
        "../scripts/feature_net.py"
