#!/usr/bin/env bash
# The GPU figures of benchmarks/README.md, on one GPU node, in about 8 minutes (one H100/H200):
#   benchmarks/gpu.sh WHEELHOUSE
# WHEELHOUSE is the folder benchmarks/wheelhouse.sh made on a machine with network: the node needs
# a Python with a recent PyTorch (>= 2.2) and torchvision, numpy, pandas, matplotlib,
# scikit-learn, scipy, pyyaml, tqdm; it needs no network.  Prints Markdown tables:
#   1. the CUDA-only tests (tests/test_cuda.py);
#   2-3, 5. benchmarks/gpu.py: packed vs one-at-a-time samples/s, the step candidates,
#      log-likelihood at S = 5000 on GPU vs CPU, the paper grid's projected GPU-hours;
#   4. Fashion-MNIST through the pipeline (config/fashion_mnist_gpu.yaml), ending in Table I/II rows.
# CSRAE_GPU_EPOCHS (default 30) sets that study's epochs; everything lands in CSRAE_GPU_OUT
# (default results/gpu).
set -euo pipefail
wheels=$(realpath "${1:?usage: benchmarks/gpu.sh WHEELHOUSE (made by benchmarks/wheelhouse.sh)}")
cd "$(dirname "$0")/.."
out=${CSRAE_GPU_OUT:-results/gpu}
epochs=${CSRAE_GPU_EPOCHS:-30}
mkdir -p "$out"
start=$SECONDS

if [ -z "${CSRAE_GPU_ALLOW_CPU:-}" ]; then  # CSRAE_GPU_ALLOW_CPU=1: rehearse the script on a CPU
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || {
    echo "benchmarks/gpu.sh: nvidia-smi failed: this is no GPU node" >&2
    exit 1
  }
fi
python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.cuda.is_available())'

# The project's other dependencies, from the wheelhouse (the node's own packages stay as they are).
site=$(mktemp -d)
python3 -m pip install -q --no-index --no-deps --no-compile --disable-pip-version-check --target "$site" \
  "$wheels"/*.whl
export PYTHONPATH="$site:$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
fashion="$wheels/fashion-mnist"

echo "## 1. CUDA-only tests"
python3 -m pytest -q -p no:cacheprovider -m cuda tests/test_cuda.py --junitxml "$out/cuda-tests.xml" \
  >"$out/cuda-tests.log" 2>&1 || true
python3 - "$out/cuda-tests.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

print("\n| test | outcome | seconds |\n|---|---|---|")
for case in ET.parse(sys.argv[1]).iter("testcase"):
    outcome = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
    print(f"| {case.get('name')} | {outcome} | {float(case.get('time')):.1f} |")
PY
echo "($((SECONDS - start)) s so far)"

echo "## 2, 3, 5. Training throughput, step candidates, log-likelihood, projected GPU-hours"
python3 benchmarks/gpu.py --fashion "$fashion" --json "$out/gpu.json" ${CSRAE_GPU_BENCHMARK_ARGS:-} \
  | tee "$out/gpu.md"
echo "($((SECONDS - start)) s so far)"

echo "## 4. Fashion-MNIST through the pipeline: 3 models × 3 weights × 3 seeds, $epochs epochs"
mkdir -p "$out/fashion_mnist"
study=$(realpath "$out/fashion_mnist")
# The study's config: config/fashion_mnist_gpu.yaml with these epochs and the wheelhouse's Fashion-MNIST,
# then CSRAE_GPU_STUDY_CONFIG's top-level keys (YAML, e.g. a shorter evaluation on a CPU).
python3 - "$study/config.yaml" "$epochs" "$fashion" <<'PY'
import os
import sys

import yaml

path, epochs, fashion = sys.argv[1], int(sys.argv[2]), sys.argv[3]
config = yaml.safe_load(open("config/fashion_mnist_gpu.yaml"))
config["training"] |= {"epochs": epochs, "warmup": epochs // 3, "patience": max(1, epochs // 3)}
config["datasets"]["fashion_mnist"] |= {"source": fashion, "verify": "checksum"}
config |= yaml.safe_load(os.environ.get("CSRAE_GPU_STUDY_CONFIG") or "{}")
open(path, "w").write(yaml.safe_dump(config))
PY
python3 -m snakemake -s "$PWD/workflow/Snakefile" -d "$study" --cores "$(nproc)" --quiet rules \
  --configfile "$study/config.yaml" --replace-workflow-config \
  -- results/table1.md results/table2.md
echo "### Table I (Fashion-MNIST, $epochs epochs)"
cat "$study/results/table1.md"
echo "### Table II (Fashion-MNIST, $epochs epochs)"
cat "$study/results/table2.md"
grep -h "s/epoch" "$study"/results/logs/train/fashion_mnist/*/*/*.log | tail -n 3
echo "(whole script: $((SECONDS - start)) s)"
