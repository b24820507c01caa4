"""One look of the rounds of seeds (csrae.rounds): the effects on every seed so far, decided where they can be,
and the cells the next round trains."""

import sys

from csrae.decisions import Schedule
from csrae.io import write_json
from csrae.rounds import decide, effects, extend, run_records
from csrae.store import read_json

sys.stderr = sys.stdout = open(snakemake.log[0], "w", buffering=1)
inputs, params, round_ = snakemake.input, snakemake.params, int(snakemake.wildcards.round)
previous = read_json(inputs.previous) if round_ > 1 else None
records = dict(previous["records"]) if previous else {}
for cell, found in run_records(inputs.evaluations if round_ > 1 else []).items():
    records[cell] = records.get(cell, []) + found
generative = extend([read_json(p) for p in inputs.generative], records)
knn = extend([read_json(p) for p in inputs.knn], records)
semisupervised = [runs for p in inputs.semisupervised for runs in read_json(p)["selected"]]
meta = {m["name"]: m for m in map(read_json, inputs.meta)}
found = effects(generative, knn, semisupervised, meta, params.epochs, params.knn_k, params.kinds)
looked = decide(round_, Schedule.from_dict(params.schedule), found, previous, records)
write_json(snakemake.output[0], looked)
decided = sum(bool(d["decided"]) for d in looked["decisions"])
print(f"round {round_} ({looked['seeds']} seeds): {decided} of {len(looked['decisions'])} effects decided")
print("done" if looked["done"] else f"the next round trains {len(looked['needed'])} cells: {looked['needed']}")
