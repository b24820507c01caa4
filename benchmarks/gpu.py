"""The GPU figures: packed vs one-at-a-time training, step candidates, log-likelihood, projected GPU-hours.

    python benchmarks/gpu.py --fashion DIR [--device cuda] [--sizes 1 5 45 135] [--json OUT]

Prints Markdown tables (``benchmarks/gpu.sh`` runs it on a GPU node):

1. samples/s of one-at-a-time (:class:`csrae.trainer.Trainer`) and packed
   (:class:`csrae.packed.PackedTrainer`) training at G members: MLP-300 CSRAE
   and MixtureCSRAE (K = 100) on real Fashion-MNIST images, binarised
   dynamically; the convolutional CIFAR10 network (Table VI) on random
   32×32 colour images at G = 1 and 9;
2. the packed step's candidates at G = 45 — eager ``vmap`` over
   ``functional_call``, ``torch.compile``, and ``torch.compile`` with CUDA
   graphs (``mode="reduce-overhead"``) — with samples/s and how far each one's
   weights end from the eager step's after the same epoch;
3. importance-sampled log-likelihood (eq. 28, S = 5000) images/s on the
   device and on the CPU with 2 threads;
4. the projected GPU-hours of config/paper.yaml's unsupervised grid (2,172
   settings × 5 seeds, 400 epochs, no early stopping: an upper bound), packed
   (one job per structure) vs one run at a time, from measured step times of
   every model at its largest K / n_iw (packs halved until they fit in
   memory, as training does), plus its evaluation at S = 5000.

Timings are the best of two epochs after a warm-up epoch, with the device
synchronised; an epoch here is ``--steps`` steps of batch 100 (default 20).
"""

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from timing import best_time, machine, print_table

from csrae import plan, registry
from csrae.data import Dataset, dataset, prepare_dataset
from csrae.naming import weight_name
from csrae.packed import PackedTrainer
from csrae.run import RunSpec
from csrae.trainer import TrainConfig, Trainer

ROOT = Path(__file__).resolve().parents[1]
PAPER = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
BATCH = 100
WEIGHTS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0, 10.0)  # Table IV's λ/β grid
CS, MIXTURE_CS = registry.applying("CS", registry.STANDARD).name, registry.applying("CS", None).name
MLP_RATE, CONV_RATE = f"{MIXTURE_CS} K=100, MLP-300", f"{CS}, CIFAR10 conv"  # the log-likelihood rates measured


PAPER_STUDY = plan.replan(PAPER)


def heaviest(model: str) -> dict:
    """A model at its heaviest structure of the paper grid (the projection's upper bound): the largest K and
    n_iw of any dataset's grid, the VampPrior where the grid chooses among priors, weight 1."""
    grids = [PAPER_STUDY.model_grids(d)[model] for d in PAPER_STUDY.datasets if model in PAPER_STUDY.model_grids(d)]
    names = {name for grid in grids for name in grid if name not in ("prior", weight_name(model))}
    values = {name: max(v for grid in grids for v in grid[name]) for name in names}
    priors = {p for grid in grids for p in grid.get("prior", [])}
    return (
        {weight_name(model): 1.0} | values | ({"prior": "vamp" if "vamp" in priors else min(priors)} if priors else {})
    )


def quiet(*_):
    pass


def subset(data: Dataset, n_train: int) -> Dataset:
    """``data`` with its first ``n_train`` training points (an epoch of ``n_train / BATCH`` steps)."""
    x = dict(data.x, train=data.x["train"][:n_train])
    return Dataset(data.name, x, data.y, data.likelihood, data.architecture, data.image_shape, data.binarize)


def steps(data: Dataset) -> int:
    return math.ceil(len(data.x["train"]) / BATCH)


def cifar_like(n: int) -> Dataset:
    """Random 8-bit colour images in CIFAR10's layout (throughput only: the network's cost, not the data's)."""
    rng = np.random.default_rng(0)
    x = {s: rng.integers(0, 256, (n, 3072)).astype(np.float32) / 255 for s in ("train", "val", "test")}
    y = {s: rng.integers(0, 10, n) for s in x}
    return Dataset("cifar10", x, y, "logistic", "conv_residual", (3, 32, 32))


def specs(model: str, hparams: dict, g: int, data: Dataset, latent_dim: int = 40) -> list[RunSpec]:
    """``g`` runs of one structure: the weights of Table IV in turn, seeds 0, 1, …"""
    weight = weight_name(model)
    config = dict(epochs=400, warmup=100, patience=100, batch_size=BATCH, lr=5e-4)
    return [
        RunSpec(data.name, model, hparams | {weight: w}, latent_dim, TrainConfig(**config, seed=i))
        for i, w in enumerate(WEIGHTS[i % len(WEIGHTS)] for i in range(g))
    ]


def packed_trainer(runs: list[RunSpec], data: Dataset, device, state: str) -> PackedTrainer:
    models = [spec.build(data) for spec in runs]
    dirs = [f"{state}/{i}" for i in range(len(runs))]
    return PackedTrainer(models, data, [s.train for s in runs], dirs, device=device, log=quiet)


def epoch_seconds(train_epoch, device) -> float:
    train_epoch()  # warm-up: allocations, kernel selection, compilation
    return best_time(train_epoch, repeats=2, device=device)


def packed_step(model, hparams, g, data, device, compile_mode=None) -> tuple[float, PackedTrainer]:
    """Seconds per step of a pack of ``g``, and the trainer (its weights after the timed epochs)."""
    with tempfile.TemporaryDirectory() as state:
        trainer = packed_trainer(specs(model, hparams, g, data), data, device, state)
        if compile_mode:
            trainer._gradients = torch.compile(trainer._gradients, mode=compile_mode)
        weights = [trainer.targets[i] for i in trainer.active]
        return epoch_seconds(lambda: trainer.train_members(weights), device) / steps(data), trainer


def solo_step(model, hparams, data, device) -> float:
    with tempfile.TemporaryDirectory() as state:
        spec = specs(model, hparams, 1, data)[0]
        trainer = Trainer(spec.build(data), data, spec.train, state, device=device, log=quiet)
        return epoch_seconds(lambda: trainer.train_epoch(trainer.model.weight), device) / steps(data)


def throughput(fashion: Dataset, device, sizes) -> dict:
    rows, steps = [], {}
    mixture = {"lambda": 1.0, "K": 100, "prior": "mog"}
    conv = cifar_like(len(fashion.x["train"]))
    cases = [
        (CS, {"lambda": 1.0}, fashion, sizes),
        (MIXTURE_CS, mixture, fashion, sizes),
        (CS, {"lambda": 1.0}, conv, [1, 9]),
    ]
    for model, hparams, data, gs in cases:
        alone = solo_step(model, hparams, data, device)
        label = f"{model} {data.architecture}" + (f" K={hparams['K']}" if "K" in hparams else "")
        for g in gs:
            step, _ = packed_step(model, hparams, g, data, device)
            rows.append([label, g, BATCH / alone, g * BATCH / step, alone * g / step])
            steps[f"{label} G={g}"] = step
    print_table(
        f"Packed vs one-at-a-time training ({device.type})",
        ["model, network", "G", "one at a time (samples/s)", "packed (samples/s)", "speed-up"],
        rows,
    )
    return steps


def candidates(fashion: Dataset, device, g: int = 45) -> None:
    rows = []
    eager_step, eager = packed_step(CS, {"lambda": 1.0}, g, fashion, device)
    reference = {name: p.detach().clone() for name, p in eager.params.items()}
    rows.append(["vmap(grad(functional_call)), eager", g * BATCH / eager_step, 0.0])
    for mode in ("default", "reduce-overhead"):
        name = f"torch.compile(mode={mode!r})" + (" (CUDA graphs)" if mode == "reduce-overhead" else "")
        try:
            start = time.perf_counter()
            step, trainer = packed_step(CS, {"lambda": 1.0}, g, fashion, device, compile_mode=mode)
            gap = max(float((trainer.params[k] - reference[k]).abs().max()) for k in reference)
            rows.append([f"{name}, {time.perf_counter() - start:.0f} s with compilation", g * BATCH / step, gap])
        except Exception as error:  # a candidate that fails to compile is a result too
            rows.append([f"{name}: failed ({type(error).__name__}: {str(error).splitlines()[0][:80]})", "", ""])
    print_table(
        f"Packed step candidates, {CS} MLP-300, G = {g} ({device.type})",
        ["step", "samples/s", "max |weight − eager weight| after 3 epochs"],
        rows,
    )


@torch.no_grad()
def log_likelihood_rate(model, x: torch.Tensor, samples: int, device) -> float:
    model = model.to(device).eval()
    x = x.to(device)
    model.log_likelihood(x[:2], samples)  # warm-up
    return len(x) / best_time(lambda: model.log_likelihood(x, samples), repeats=1, device=device)


def log_likelihood(fashion: Dataset, device, samples: int = 5000) -> dict:
    rates = {}
    torch.manual_seed(0)
    mlp = specs(MIXTURE_CS, {"lambda": 1.0, "K": 100, "prior": "mog"}, 1, fashion)[0].build(fashion)
    conv_data = cifar_like(200)
    conv = specs(CS, {"lambda": 1.0}, 1, conv_data)[0].build(conv_data)
    rows = []
    for label, model, data, n_device in ((MLP_RATE, mlp, fashion, 1000), (CONV_RATE, conv, conv_data, 200)):
        x = data.inputs("test")
        on_device = log_likelihood_rate(model, x[:n_device], samples, device)
        threads = torch.get_num_threads()
        torch.set_num_threads(2)
        on_cpu = log_likelihood_rate(model, x[:4], samples, torch.device("cpu"))
        torch.set_num_threads(threads)
        rows.append([label, samples, on_device, on_cpu, on_device / on_cpu])
        rates[label] = on_device
    print_table(
        f"Importance-sampled log-likelihood, S = {samples}",
        ["model", "S", f"{device.type} (images/s)", "CPU, 2 threads (images/s)", "speed-up"],
        rows,
    )
    return rates


def paper_structures() -> list[tuple[str, str, int]]:
    """(dataset, model, runs) for every structure of config/paper.yaml's unsupervised grid (csrae.plan)."""
    study = plan.replan(PAPER)
    return [(d, m, len(study.structure_settings(d, m, s)) * len(PAPER["seeds"])) for d, m, s in study.structures_of()]


def fitting_packed_step(model, hparams, g, data, device) -> tuple[float, int]:
    """Seconds per step of the largest pack of at most ``g`` that fits in memory (halving, as training does)."""
    while True:
        try:
            return packed_step(model, hparams, g, data, device)[0], g
        except torch.cuda.OutOfMemoryError:
            torch.cuda.empty_cache()
            if g == 1:
                raise
            g //= 2


def projection(fashion: Dataset, device, ll_rates: dict, samples: int, pack_size: int, conv_pack: int) -> None:
    step, fitted = {}, {}
    conv_data = cifar_like(len(fashion.x["train"]))
    for model in {m for _, m, _ in paper_structures()}:
        hparams = heaviest(model)
        for arch, data, g in (("mlp", fashion, pack_size), ("conv", conv_data, conv_pack)):
            step[model, arch, "packed"], fitted[model, arch] = fitting_packed_step(model, hparams, g, data, device)
            step[model, arch, "alone"] = solo_step(model, hparams, data, device)
    hours: dict[str, list[float]] = {}
    for name, model, runs in paper_structures():
        arch = "conv" if dataset(name).architecture == "conv_residual" else "mlp"
        n_train, _, n_test = dataset(name).splits
        total_steps = 400 * math.ceil(n_train / BATCH)
        packs = math.ceil(runs / fitted[model, arch])
        ll_rate = ll_rates[CONV_RATE if arch == "conv" else MLP_RATE]
        row = hours.setdefault(name, [0, 0, 0.0, 0.0, 0.0])
        row[0] += 1
        row[1] += runs
        row[2] += total_steps * packs * step[model, arch, "packed"] / 3600
        row[3] += total_steps * runs * step[model, arch, "alone"] / 3600
        row[4] += runs * n_test / ll_rate / 3600
    rows = [[d, *v, v[2] + v[4]] for d, v in hours.items()]
    totals = [sum(r[i] for r in rows) for i in range(1, 7)]
    rows.append(["**all**", *totals])
    print_table(
        f"Projected GPU-hours of the paper grid (400 epochs, S = {samples}; {device.type})",
        ["dataset", "structures", "runs", "training, packed", "training, one at a time", "evaluation (LL)",
         "total, packed"],
        rows,
    )  # fmt: skip
    times = [
        f"{m} {a}: {step[m, a, 'packed'] * 1e3:.2f} ms packed (G = {g}), {step[m, a, 'alone'] * 1e3:.2f} ms alone"
        for (m, a), g in fitted.items()
    ]
    print("\nStep times at each model's heaviest structure: " + "; ".join(times) + ".")
    print(f"Packed training + evaluation: **{totals[2] + totals[4]:.1f} GPU-hours** ({machine()}).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fashion", type=Path, help="Fashion-MNIST's idx files (default: Debian's copy)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 45, 135])
    parser.add_argument("--steps", type=int, default=20, help="training steps (batches of 100) per timed epoch")
    parser.add_argument("--pack-size", type=int, default=45, help="members of an MLP pack in the projection")
    parser.add_argument("--conv-pack", type=int, default=9, help="members of a convolutional pack (halved on OOM)")
    parser.add_argument("--ll-samples", type=int, default=5000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["throughput", "candidates", "loglik", "projection"])
    parser.add_argument("--json", type=Path, help="write the measured step times and rates here")
    args = parser.parse_args()
    device = torch.device(args.device)
    fashion = prepare_dataset("fashion_mnist", args.fashion) if args.fashion else prepare_dataset("fashion_mnist")
    fashion = subset(fashion, args.steps * BATCH)
    results = {"machine": machine()}
    if "throughput" not in args.skip:
        results["packed_step_seconds"] = throughput(fashion, device, args.sizes)
    if "candidates" not in args.skip:
        candidates(fashion, device, args.pack_size)
    if "loglik" not in args.skip or "projection" not in args.skip:  # the projection needs the rates
        results["log_likelihood_images_per_second"] = log_likelihood(fashion, device, args.ll_samples)
    if "projection" not in args.skip:
        rates = results["log_likelihood_images_per_second"]
        projection(fashion, device, rates, args.ll_samples, args.pack_size, args.conv_pack)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
