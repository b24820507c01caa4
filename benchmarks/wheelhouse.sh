#!/usr/bin/env bash
# Make the folder that benchmarks/gpu.sh installs from on a GPU node without network:
#   benchmarks/wheelhouse.sh DIR
# run on a machine with network.  DIR gets csrae's Python dependencies that a PyTorch node
# lacks (Snakemake with its Slurm plugin, jsonschema, pytorch-fid: wheels for the node's Python,
# PYTHON_VERSION, default 3.12, x86-64 Linux) and Fashion-MNIST's four idx files (Debian's
# dataset-fashion-mnist copy, else the published files, checksums verified).  The node must have
# torch, torchvision, numpy, pandas, matplotlib, scikit-learn, scipy, pyyaml and tqdm.
set -euo pipefail
dir=${1:?usage: benchmarks/wheelhouse.sh DIR}
python=${PYTHON:-python3}
version=${PYTHON_VERSION:-3.12}
cd "$(dirname "$0")/.."
mkdir -p "$dir"
platforms=(--platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 --platform any)
target=(--only-binary=:all: --python-version "$version" --implementation cp "${platforms[@]}")
# connection_pool (a Snakemake dependency) is published as source only: build its pure-Python wheel.
"$python" -m pip wheel -q --no-deps -w "$dir" connection_pool==0.0.3
"$python" -m pip download -q "${target[@]}" --find-links "$dir" -d "$dir" \
  snakemake==9.27.1 snakemake-executor-plugin-slurm==2.8.0 "jsonschema>=4.0" "pytest>=8.0"
"$python" -m pip download -q "${target[@]}" --no-deps -d "$dir" pytorch-fid==0.3.0
# What the node already has (and the largest wheels) stays out.
rm -f "$dir"/numpy-*.whl "$dir"/pandas-*.whl "$dir"/pyyaml-*.whl "$dir"/PyYAML-*.whl
mkdir -p "$dir/fashion-mnist"
if [ -d /usr/share/datasets/fashion-mnist ]; then
  cp /usr/share/datasets/fashion-mnist/*-ubyte.gz "$dir/fashion-mnist/"
else
  "$python" -m csrae.cli download --dataset fashion_mnist --out "$dir/fashion-mnist"
fi
du -sh "$dir"
