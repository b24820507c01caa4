"""Encoder and decoder architectures of the paper's Table VI."""

import math

from torch import Tensor, nn


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

    The encoder's third convolution has ``width`` channels (the table's "254"
    is a typo: the residual blocks that follow take 256).  The decoder's last
    transposed convolution emits every likelihood parameter per pixel.
    """
    channels, side = data_dim // 1024, math.isqrt(1024)
    if channels * side * side != data_dim:
        raise ValueError(f"conv_residual needs 32×32 images with C channels (C·1024 values), got {data_dim}")
    encoder = nn.Sequential(
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


ARCHITECTURES = {"mlp300": mlp300, "pinwheel": pinwheel, "conv_residual": conv_residual}
