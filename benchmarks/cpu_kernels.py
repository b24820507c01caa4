"""What MKL's per-CPU kernels do to a training run, and what pinning them costs.

Trains the embedded default's mnist5k VAE (β = 1, latent 40) for a few epochs on one thread, once per
setting of ``MKL_CBWR`` (MKL's conditional numerical reproducibility: unset = the kernels of this CPU;
AVX2 = those of an AVX2-only CPU, as another machine would run; COMPATIBLE = kernels that give the same
numbers on every x86 CPU), each in a fresh process since MKL reads the variable when it loads.  Prints
seconds per epoch, the ratio to the default, and how far each history is from the default's.

    python benchmarks/cpu_kernels.py [--epochs 3] [--repeats 2]
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

SETTINGS = ("default", "AVX2", "COMPATIBLE")

CHILD = """
import json, sys, tempfile, time, torch
torch.set_num_threads(1)
from csrae.data import prepare_dataset
from csrae.registry import REFERENCE_MODEL
from csrae.run import RunSpec, train_run
from csrae.trainer import TrainConfig
data = prepare_dataset("mnist5k")
config = TrainConfig(epochs=int(sys.argv[1]), warmup=1, patience=10)
spec = RunSpec("mnist5k", REFERENCE_MODEL, {"beta": 1.0}, 40, config)
folder = tempfile.mkdtemp()
start = time.perf_counter()
train_run(spec, data, folder, log=lambda *_: None)
seconds = time.perf_counter() - start
history = [line.split(",") for line in open(folder + "/history.csv").read().splitlines()]
print(json.dumps({"seconds": seconds, "columns": history[0], "rows": [list(map(float, r)) for r in history[1:]]}))
"""


def run(setting: str, epochs: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "MKL_CBWR"}
    if setting != "default":
        env["MKL_CBWR"] = setting
    out = subprocess.run([sys.executable, "-c", CHILD, str(epochs)], env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2, help="runs per setting, interleaved; the fastest counts")
    args = parser.parse_args()
    results = {s: [] for s in SETTINGS}
    for _ in range(args.repeats):
        for setting in SETTINGS:
            results[setting].append(run(setting, args.epochs))
    base = results["default"][0]
    column = base["columns"].index("val_loss")
    print("| MKL_CBWR | s/epoch | vs default | final val loss | largest relative change of the history |")
    print("|---|---|---|---|---|")
    fastest = {s: min(r["seconds"] for r in runs) / args.epochs for s, runs in results.items()}
    for setting, runs in results.items():
        history, reference = np.array(runs[0]["rows"]), np.array(base["rows"])
        change = np.max(np.abs(history - reference) / np.maximum(np.abs(reference), 1e-12))
        same = all(r["rows"] == runs[0]["rows"] for r in runs)
        print(
            f"| {setting} | {fastest[setting]:.2f} | {fastest[setting] / fastest['default']:.2f}× | "
            f"{history[-1, column]:.6f} | {change:.1e}{'' if same else ' (repeats differ)'} |"
        )


if __name__ == "__main__":
    main()
