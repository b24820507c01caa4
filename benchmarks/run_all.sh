#!/usr/bin/env bash
# Every benchmark, one after another; on a GPU machine the training and
# evaluation benchmarks run on CUDA. Output: Markdown tables on stdout.
set -euo pipefail
cd "$(dirname "$0")"
python train_throughput.py
python packed.py
python evaluation.py
python semisupervised.py
python dry_run.py
python startup.py
