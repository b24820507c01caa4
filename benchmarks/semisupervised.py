"""Throughput of the semi-supervised study: face frame loading and M2 training steps.

    python benchmarks/semisupervised.py [--device cuda]

- Loading and augmenting 256×256 PNG frames (random 224 crop, flip,
  rotation) with 1 and 8 decoding threads, on the synthetic face set.
- M2 training steps (MixtureCSRAE, K = 10): MLP-300 on 100 + 100 digits
  (the unlabelled half summed over 10 classes) and the face networks on
  16 + 16 frames (one Gumbel-Softmax draw), in samples per second.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import torch
from timing import best_time, print_table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from csrae.data import prepare_dataset  # noqa: E402
from csrae.data.face_frames import FaceFrames  # noqa: E402
from csrae.data.faces import read_index  # noqa: E402
from csrae.gaussian import Noise  # noqa: E402
from csrae.registry import applying  # noqa: E402
from csrae.semisupervised.labels import LabelSpace  # noqa: E402
from csrae.semisupervised.m2 import build_m2  # noqa: E402
from tests.fixtures import write_faces  # noqa: E402

MIXTURE_CS, HPARAMS = applying("CS", None).name, {"lambda": 1.0, "K": 10, "prior": "mog", "alpha": 10.0}


def step_rate(model, x_l, y_l, x_u, device) -> float:
    """Training samples (labelled + unlabelled) per second of one Adam step."""
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-4)
    noise = Noise(torch.Generator().manual_seed(0), device)

    def step():
        optimizer.zero_grad()
        model.loss(x_l, y_l, x_u, noise=noise).loss.backward()
        optimizer.step()

    step()  # warm-up
    return (len(x_l) + len(x_u)) / best_time(step, 3, device)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(parser.parse_args().device)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        write_faces(Path(tmp), "disfa", subjects=4, frames=50)
        frames = FaceFrames(read_index("disfa", tmp))
        for threads in (1, 8):
            frames.threads = threads
            seconds = best_time(lambda: frames.augmented(range(100), torch.Generator().manual_seed(0)))
            rows.append([f"load + augment 100 frames, {threads} threads", 100 / seconds])
        faces = frames.augmented(range(32), torch.Generator().manual_seed(0)).to(device)
        labels = LabelSpace(8, multi_label=True)
        model = build_m2(MIXTURE_CS, HPARAMS, frames, labels, 40, 1.0, 0.67).to(device)
        y = torch.randint(0, 2, (16, 8), device=device)
        rows.append(["M2 step, face networks, 16 + 16 frames", step_rate(model, faces[:16], y, faces[16:], device)])
    digits = prepare_dataset("mnist5k")
    x = torch.bernoulli(torch.from_numpy(digits.x["train"][:200])).to(device)
    model = build_m2(MIXTURE_CS, HPARAMS, digits, LabelSpace(10, False), 40, 1.0, 0.67).to(device)
    y = torch.from_numpy(digits.y["train"][:100]).to(device)
    rows.append(["M2 step, MLP-300, 100 + 100 digits", step_rate(model, x[:100], y, x[100:], device)])
    print_table(f"Semi-supervised throughput ({device})", ["what", "samples/s"], rows)


if __name__ == "__main__":
    main()
