"""Encoder and decoder architectures of the paper's Table VI."""

import math

import torch
from torch import Tensor, nn

from csrae.likelihoods import DiscretizedLogistic


def mlp(sizes: list[int], activation: type[nn.Module], activate_last_hidden: bool = True) -> nn.Sequential:
    """Fully connected layers ``sizes[0] → … → sizes[-1]`` with activations between.

    With ``activate_last_hidden=False`` the layer before the output has no
    activation (the pinwheel decoder of Table VI: FC 10, Softplus, FC 5, FC 4).
    """
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        is_output = i == len(sizes) - 2
        is_last_hidden = i == len(sizes) - 3
        if not is_output and (activate_last_hidden or not is_last_hidden):
            layers.append(activation())
    return nn.Sequential(*layers)


class Centred(nn.Module):
    """Pixels on the grid k/255 in [0, 1] moved to [−0.5, 0.5], the discretised logistic's scale
    (Table V), so that encoders see the data as the likelihood models it."""

    def forward(self, x: Tensor) -> Tensor:
        return x - DiscretizedLogistic.offset


class GatedDense(nn.Module):
    """h = (W x + b) ⊙ σ(V x + c), the gated dense layer of Table VI's CIFAR10 prior network."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.linear, self.gate = nn.Linear(n_in, n_out), nn.Linear(n_in, n_out)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x) * torch.sigmoid(self.gate(x))


def prior_network(architecture: str, n_components: int, latent_dim: int) -> nn.Sequential:
    """Table VI's p(z) network, from the K one-hot codes to K means and log-variances: FC 784, ReLU,
    FC 256, ReLU, FC 2 × latent dim; for CIFAR10 (``conv_residual``) GatedDense 256, ReLU,
    GatedDense 256, ReLU, FC 2 × latent dim."""
    if architecture == "conv_residual":
        hidden = [GatedDense(n_components, 256), nn.ReLU(), GatedDense(256, 256), nn.ReLU()]
    else:
        hidden = [nn.Linear(n_components, 784), nn.ReLU(), nn.Linear(784, 256), nn.ReLU()]
    return nn.Sequential(*hidden, nn.Linear(256, 2 * latent_dim))


def mlp300(data_dim: int, latent_dim: int, out_dim: int) -> tuple[nn.Module, nn.Module]:
    """MNIST-like images: FC 300, ReLU, FC 300, ReLU on both sides (Table VI)."""
    encoder = mlp([data_dim, 300, 300, 2 * latent_dim], nn.ReLU)
    decoder = mlp([latent_dim, 300, 300, out_dim], nn.ReLU)
    return encoder, decoder


def pinwheel(data_dim: int, latent_dim: int, out_dim: int) -> tuple[nn.Module, nn.Module]:
    """Pinwheel: FC 5, Softplus, FC 10, Softplus / FC 10, Softplus, FC 5 (Table VI)."""
    encoder = mlp([data_dim, 5, 10, 2 * latent_dim], nn.Softplus)
    decoder = mlp([latent_dim, 10, 5, out_dim], nn.Softplus, activate_last_hidden=False)
    return encoder, decoder


class ResidualBlock(nn.Module):
    """x + Conv 1×1(ReLU(Conv 3×3(ReLU(x)))) (Table VI, CIFAR10)."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(), nn.Conv2d(channels, channels, 1)
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class OnImages(nn.Module):
    """Runs ``net`` on flat vectors ``[..., D]`` reshaped to images ``[n, *shape]``; returns flat outputs."""

    def __init__(self, net: nn.Module, shape: tuple[int, ...]):
        super().__init__()
        self.net, self.shape = net, shape

    def forward(self, x: Tensor) -> Tensor:
        batch = x.shape[:-1]
        out = self.net(x.reshape(-1, *self.shape))
        return out.reshape(*batch, -1)


def conv_residual(data_dim: int, latent_dim: int, out_dim: int, width: int = 256) -> tuple[nn.Module, nn.Module]:
    """CIFAR10 (Table VI): strided convolutions and two residual blocks each way, 32×32 ↔ 8×8.

    The encoder sees the pixels centred (:class:`Centred`), on the likelihood's scale.
    The encoder's third convolution has ``width`` channels (the table's "254"
    is a typo: the residual blocks that follow take 256).  The decoder's last
    transposed convolution emits every likelihood parameter per pixel.
    """
    channels, side = data_dim // 1024, math.isqrt(1024)
    if channels * side * side != data_dim:
        raise ValueError(f"conv_residual needs 32×32 images with C channels (C·1024 values), got {data_dim}")
    encoder = nn.Sequential(
        Centred(),
        nn.Conv2d(channels, width // 2, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(width // 2, width, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(width, width, 3, padding=1),
        ResidualBlock(width),
        ResidualBlock(width),
        nn.ReLU(),
        nn.Conv2d(width, width, 1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(width * 8 * 8, 2 * latent_dim),
    )
    decoder = nn.Sequential(
        nn.Linear(latent_dim, (width // 2) * 8 * 8),
        nn.Unflatten(1, (width // 2, 8, 8)),
        nn.ReLU(),
        nn.ConvTranspose2d(width // 2, width, 3, padding=1),
        ResidualBlock(width),
        ResidualBlock(width),
        nn.ReLU(),
        nn.ConvTranspose2d(width, width // 2, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(width // 2, out_dim // 1024, 4, stride=2, padding=1),
    )
    return OnImages(encoder, (channels, side, side)), OnImages(decoder, (latent_dim,))


def face_encoder(channels: int = 3) -> nn.Module:
    """DISFA/FERA2015 ``h_x`` (Table VI): five strided convolutions with batch norm, 256×256 → 512×1×1.

    The paddings (3, 3, 1, 1, 0) are not in the table; they are the ones for
    which its kernels and strides take a 256×256 frame exactly to 1×1.  A
    224×224 crop (the paper's input) ends at 3×3 before the last convolution,
    which is zero-padded on its bottom and right to the kernel's 4×4.  The
    frames are seen centred (:class:`Centred`), on the likelihood's scale.
    """
    layers: list[nn.Module] = []
    for n_in, n_out, kernel, stride, pad in FACE_LAYERS:
        layers += [nn.Conv2d(n_in or channels, n_out, kernel, stride, pad), nn.BatchNorm2d(n_out), nn.ReLU()]
    return nn.Sequential(Centred(), *layers[:-3], PadTo(4), *layers[-3:], nn.Flatten())


class PadTo(nn.Module):
    """Zero-pads ``[n, C, H, W]`` maps on the bottom and right to at least ``side``×``side``."""

    def __init__(self, side: int):
        super().__init__()
        self.side = side

    def forward(self, x: Tensor) -> Tensor:
        return nn.functional.pad(x, (0, max(0, self.side - x.shape[-1]), 0, max(0, self.side - x.shape[-2])))


FACE_LAYERS = ((None, 32, 7, 4, 3), (32, 32, 7, 4, 3), (32, 64, 4, 2, 1), (64, 64, 4, 2, 1), (64, 512, 4, 1, 0))
FACE_ENCODER_DIM = 512


class CentreCrop(nn.Module):
    """The central ``side``×``side`` window of ``[n, C, H, W]`` maps."""

    def __init__(self, side: int):
        super().__init__()
        self.side = side

    def forward(self, x: Tensor) -> Tensor:
        top, left = (x.shape[-2] - self.side) // 2, (x.shape[-1] - self.side) // 2
        return x[..., top : top + self.side, left : left + self.side]


def face_decoder(in_dim: int, out_channels: int, side: int) -> nn.Module:
    """DISFA/FERA2015 ``p(x|z, h_y)`` (Table VI): transposed convolutions 1×1 → 256×256, centre ``side``.

    Paddings (0, 0, 1, 1, 1, 1, 0) make the table's kernels and strides end
    at the 256×256 frame; the likelihood is evaluated on its central crop.
    """
    sizes = ((in_dim, 512, 1, 1, 0), (512, 64, 4, 1, 0), (64, 64, 4, 2, 1), (64, 32, 4, 2, 1))
    sizes += ((32, 32, 6, 4, 1), (32, 16, 6, 4, 1))
    layers: list[nn.Module] = [nn.Unflatten(1, (in_dim, 1, 1))]
    for n_in, n_out, kernel, stride, pad in sizes:
        layers += [nn.ConvTranspose2d(n_in, n_out, kernel, stride, pad), nn.BatchNorm2d(n_out), nn.ReLU()]
    return nn.Sequential(*layers, nn.ConvTranspose2d(16, out_channels, 1), CentreCrop(side))


ARCHITECTURES = {"mlp300": mlp300, "pinwheel": pinwheel, "conv_residual": conv_residual}


def feature_network(architecture: str, data_dim: int, image_shape) -> tuple[nn.Module, int]:
    """``h_x`` of Table VI and its output size: MLP-300 (MNIST) or the face convolutions (DISFA, FERA)."""
    if architecture == "mlp300":
        return nn.Sequential(mlp([data_dim, 300, 300], nn.ReLU), nn.ReLU()), 300
    if architecture == "face_conv":
        return OnImages(face_encoder(image_shape[0]), tuple(image_shape)), FACE_ENCODER_DIM
    raise ValueError(f"no semi-supervised networks for architecture {architecture!r}; use mlp300 or face_conv")


def decoder_network(architecture: str, in_dim: int, out_dim: int, image_shape) -> nn.Module:
    """p(x|z, h_y) of Table VI."""
    if architecture == "mlp300":
        return mlp([in_dim, 300, 300, out_dim], nn.ReLU)
    side = image_shape[-1]
    return OnImages(face_decoder(in_dim, out_dim // (side * side), side), (in_dim,))
