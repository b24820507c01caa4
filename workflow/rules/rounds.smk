# Seeds added in rounds until the study's effects are decided (a config's `decide` block, csrae.rounds):
# after each round a checkpoint looks at the effects, and the next round trains and evaluates the new seeds
# of the cells an undecided effect needs, on their selected setting alone.

ROUND = "{dataset}/{model}/{hp}/round{round}"
if ROUNDS.active:
    print(ROUNDS.status(), file=sys.stderr)


rule train_round:
    input:
        data=rules.prepare_dataset.output.data,
    output:
        manifest=f"results/manifests/train-rounds/{ROUND}/{{job}}.json",
    log:
        f"results/logs/train-rounds/{ROUND}/{{job}}.log",
    benchmark:
        f"results/benchmarks/train-rounds/{ROUND}/{{job}}.tsv"
    conda:
        "../envs/csrae.yaml"
    threads: 1
    resources:
        **gpu_job(
            "train", lambda wildcards: len(ROUNDS.new_seeds(int(wildcards.round)))
        ),
    params:
        settings=lambda wildcards: [wildcards.hp],
        seeds=lambda wildcards: ROUNDS.new_seeds(int(wildcards.round)),
        pack=config["resources"]["pack"],
        store=RUN_STORE,
        training=lambda wildcards: STUDY.training(wildcards.dataset),
    script:
        "../scripts/train.py"


rule evaluate_round:
    input:
        data=rules.prepare_dataset.output.data,
        runs=lambda wildcards: ROUNDS.train_manifest(
            cell_id(wildcards.dataset, wildcards.model, wildcards.hp),
            int(wildcards.round),
        ),
        feature_net=feature_net_input,
    output:
        manifest=f"results/manifests/evaluate-rounds/{ROUND}/{{job}}.json",
    log:
        f"results/logs/evaluate-rounds/{ROUND}/{{job}}.log",
    benchmark:
        f"results/benchmarks/evaluate-rounds/{ROUND}/{{job}}.tsv"
    conda:
        "../envs/csrae.yaml"
    threads: 1
    resources:
        **gpu_job(
            "evaluate", lambda wildcards: len(ROUNDS.new_seeds(int(wildcards.round)))
        ),
    params:
        evaluation=config["evaluation"],
        store=EVALUATION_STORE,
        feature_net_label=feature_net_label,
    script:
        "../scripts/evaluate.py"


checkpoint decide_round:
    input:
        unpack(round_inputs),
    output:
        "results/decide/round{round}.json",
    log:
        "results/logs/decide/round{round}.log",
    wildcard_constraints:
        round=r"\d+",
    localrule: True
    conda:
        "../envs/csrae.yaml"
    params:
        schedule=STUDY.rounds.schedule.to_dict(),
        kinds=STUDY.rounds.kinds() if STUDY.rounds.active else [],
        knn_k=config["evaluation"]["knn_k"],
        epochs=STUDY.epochs_per_table(),
    script:
        "../scripts/decide_round.py"
