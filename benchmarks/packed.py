"""Packed vs one-at-a-time training: samples/s for G = 1, 3, 9, 27 runs of one MLP structure.

    python benchmarks/packed.py [--epochs 1] [--device cuda]

Each configuration trains G CSRAE runs (MLP-300, latent 40, different λ
and seeds) on the 4,000 mnist5k training digits, once packed
(:class:`csrae.packed.PackedTrainer`) and once one after another
(:class:`csrae.trainer.Trainer`); samples/s counts every member's samples.
"""

import argparse
import tempfile

import torch
from timing import best_time, print_table

from csrae.data import prepare_dataset
from csrae.packed import PackedTrainer
from csrae.registry import STANDARD, applying
from csrae.run import RunSpec
from csrae.trainer import TrainConfig, Trainer

CS = applying("CS", STANDARD).name


def runs(g: int, epochs: int) -> list[RunSpec]:
    config = dict(epochs=epochs, warmup=0, patience=epochs, batch_size=100, lr=5e-4)
    return [RunSpec("mnist5k", CS, {"lambda": 0.25 + 0.25 * i}, 40, TrainConfig(**config, seed=i)) for i in range(g)]


def quiet(*_):
    pass


def one_at_a_time(specs, data, device):
    for spec in specs:
        with tempfile.TemporaryDirectory() as state:
            Trainer(spec.build(data), data, spec.train, state, device=device, log=quiet).fit()


def packed(specs, data, device):
    with tempfile.TemporaryDirectory() as state:
        dirs = [f"{state}/{i}" for i in range(len(specs))]
        models = [spec.build(data) for spec in specs]
        PackedTrainer(models, data, [s.train for s in specs], dirs, device=device, log=quiet).fit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 3, 9, 27])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    data = prepare_dataset("mnist5k")
    rows = []
    for g in args.sizes:
        specs = runs(g, args.epochs)
        samples = g * args.epochs * len(data.x["train"])
        alone = best_time(lambda specs=specs: one_at_a_time(specs, data, device), repeats=2, device=device)
        pack = best_time(lambda specs=specs: packed(specs, data, device), repeats=2, device=device)
        rows.append([g, samples / alone, samples / pack, alone / pack])
    print_table(
        f"Packed training, {CS} MLP-300 on mnist5k, {device.type}",
        ["G", "one at a time (samples/s)", "packed (samples/s)", "speed-up"],
        rows,
    )


if __name__ == "__main__":
    main()
