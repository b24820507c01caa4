"""``csrae``: download and prepare data, train and evaluate one configuration without Snakemake."""

import argparse
import json
from pathlib import Path

from csrae.data import DATASETS, Dataset, download_dataset
from csrae.data.faces import ACTION_UNITS, read_index
from csrae.evaluation import EvalConfig
from csrae.export import to_tensorboard, tracked_runs
from csrae.naming import parse_value
from csrae.prune import prune
from csrae.registry import MODELS, semisupervised_models
from csrae.run import RunSpec, train_run
from csrae.semisupervised.data import class_split, face_split
from csrae.semisupervised.training import SemiSupervisedConfig, SemiSupervisedSpec, train_semisupervised
from csrae.steps import evaluate_runs, fit_feature_net, prepare
from csrae.trainer import TrainConfig
from csrae.versions import versions


def split_hparam(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE (e.g. lambda=1.0), got {text!r}")
    return name, value


def typed_hparams(parser: argparse.ArgumentParser, args) -> dict:
    """``--hp NAME=VALUE`` typed by the model's hyperparameters (:mod:`csrae.registry`)."""
    try:
        return {name: parse_value(args.model, name, value) for name, value in args.hp}
    except (KeyError, ValueError) as error:
        parser.error(f"--hp for {args.model}: {error}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="csrae", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("prepare", help="generate or load a dataset into DIR (data.npz, meta.json)")
    p.add_argument("--dataset", required=True, choices=sorted(DATASETS))
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--source", type=Path, help="source file or directory for datasets read from disk")

    d = sub.add_parser("download", help="download a dataset's published files (checksums verified) into DIR")
    d.add_argument("--dataset", required=True, choices=sorted(DATASETS))
    d.add_argument("--out", required=True, type=Path)

    t = sub.add_parser("train", help="train one configuration; rerun the same command to resume")
    t.add_argument("--data", required=True, type=Path, help="prepared dataset directory")
    t.add_argument("--model", required=True, choices=sorted(MODELS))
    t.add_argument(
        "--hp",
        action="append",
        type=split_hparam,
        default=[],
        help="NAME=VALUE, repeated: e.g. --hp lambda=1 --hp K=10 --hp prior=mog",
    )
    t.add_argument("--latent-dim", type=int, default=40)
    defaults = TrainConfig()
    for name in ("epochs", "warmup", "patience", "batch_size", "seed"):
        t.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    t.add_argument("--lr", type=float, default=defaults.lr)
    t.add_argument("--out", required=True, type=Path, help="run directory (model.pt, history.csv, summary.json)")
    t.add_argument("--state-dir", type=Path, help="where the resumable checkpoint lives (default: OUT/state)")

    e = sub.add_parser("evaluate", help="evaluate a trained run")
    e.add_argument("--data", required=True, type=Path)
    e.add_argument("--run", required=True, type=Path, help="run directory holding model.pt")
    e.add_argument("--feature-net", type=Path, help="domain classifier for FID (see `csrae feature-net`)")
    e.add_argument("--ll-samples", type=int, default=EvalConfig.ll_samples)
    e.add_argument("--fid-samples", type=int, default=EvalConfig.fid_samples)
    e.add_argument("--inception", choices=("auto", "yes", "no"), default="auto")

    s = sub.add_parser(
        "train-semisupervised", help="train one semi-supervised (or supervised) classifier; rerun to resume"
    )
    s.add_argument("--data", required=True, type=Path, help="prepared digit dataset, or a face dataset's root")
    s.add_argument("--faces", choices=sorted(ACTION_UNITS), help="--data is this face dataset in csrae's layout")
    s.add_argument("--model", required=True, choices=semisupervised_models())
    s.add_argument("--hp", action="append", type=split_hparam, default=[], help="e.g. --hp lambda=1 --hp alpha=20")
    s.add_argument("--labels", required=True, type=float, help="labelled count (digits) or fraction (faces)")
    s.add_argument("--fold", type=int, default=0, help="test fold of the faces' subject-independent split (0-2)")
    s.add_argument("--latent-dim", type=int, default=40)
    ssl_defaults = SemiSupervisedConfig()
    for name in ("epochs", "warmup", "patience", "batch_size", "seed", "pretrain_epochs"):
        s.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(ssl_defaults, name))
    s.add_argument("--lr", type=float, default=ssl_defaults.lr)
    s.add_argument("--resnet18-weights", type=Path, help="torchvision ResNet18 state dict to start from")
    s.add_argument("--out", required=True, type=Path, help="run directory (model.pt, history.csv, metrics.json)")
    s.add_argument("--state-dir", type=Path, help="where the resumable checkpoint lives (default: OUT/state)")

    f = sub.add_parser("feature-net", help="train the domain classifier used for FID")
    f.add_argument("--data", required=True, type=Path)
    f.add_argument("--out", required=True, type=Path)
    f.add_argument("--epochs", type=int, default=10)

    r = sub.add_parser(
        "prune",
        help="list (or with --apply delete) the runs, evaluations and job manifests no config in use names; a "
        "run being trained is kept, and a results/in_use.json older than the last run's plan is refused",
    )
    r.add_argument("--results", type=Path, default=Path("results"), help="the workflow's results folder")
    r.add_argument(
        "--keep",
        type=Path,
        action="append",
        default=[],
        help="an in_use.json of another config to keep too (copy results/in_use.json after running it); "
        "results/in_use.json, the config the workflow last ran, is always kept",
    )
    r.add_argument(
        "--apply", action="store_true", help="list what it deletes and its size, then delete it (default: only list)"
    )

    x = sub.add_parser(
        "export",
        help="write every run's learning curves, hyperparameters and final metrics as TensorBoard event files "
        "into OUT (tensorboard --logdir OUT; needs csrae[tracker])",
    )
    x.add_argument("out", type=Path)
    x.add_argument("--results", type=Path, default=Path("results"), help="the workflow's results folder")
    x.add_argument(
        "--match", default="*", help="only runs whose folder under RESULTS matches, e.g. 'runs/mnist5k/CSRAE/*'"
    )

    args = parser.parse_args(argv)
    if args.command == "prepare":
        data = prepare(args.dataset, args.out, args.source)
        print(json.dumps(data.meta(), indent=2))
    elif args.command == "download":
        print(f"{args.dataset}: files in {download_dataset(args.dataset, args.out)}")
    elif args.command == "train":
        config = TrainConfig(args.epochs, args.warmup, args.patience, args.batch_size, args.lr, args.seed)
        data = Dataset.load(args.data)
        spec = RunSpec(data.name, args.model, typed_hparams(parser, args), args.latent_dim, config)
        train_run(spec, data, args.out, args.state_dir or args.out / "state")
    elif args.command == "evaluate":
        config = EvalConfig(ll_samples=args.ll_samples, fid_samples=args.fid_samples)
        (record,) = evaluate_runs(args.data, [(args.run, config)], None, args.feature_net, args.inception)
        print(json.dumps(record, indent=2))
    elif args.command == "train-semisupervised":
        names = ("epochs", "warmup", "patience", "batch_size", "lr", "seed", "pretrain_epochs")
        config = SemiSupervisedConfig(**{name: getattr(args, name) for name in names})
        if args.faces:
            split = face_split(read_index(args.faces, args.data), args.fold, args.labels, args.seed)
        else:
            split = class_split(Dataset.load(args.data), int(args.labels), args.seed)
        weights = str(args.resnet18_weights) if args.resnet18_weights else None
        dataset = args.faces or split.data.name
        run = RunSpec(dataset, args.model, typed_hparams(parser, args), args.latent_dim, config)
        spec = SemiSupervisedSpec(run, args.labels, args.fold, weights)
        record = train_semisupervised(spec, split, args.out, args.state_dir or args.out / "state")
        print(json.dumps(record, indent=2))
    elif args.command == "prune":
        prune(args.results, args.keep, args.apply)
    elif args.command == "export":
        count = to_tensorboard(tracked_runs(args.results, args.match), args.out)
        print(f"{count} runs in {args.out}: tensorboard --logdir {args.out}")
    elif args.command == "feature-net":
        definition = {"epochs": args.epochs, "versions": versions("feature_net")}
        print(f"test accuracy {fit_feature_net(args.data, args.out, definition):.4f}")


if __name__ == "__main__":
    main()
