"""Encoder and decoder architectures of the paper's Table VI."""

from torch import nn


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


ARCHITECTURES = {"mlp300": mlp300, "pinwheel": pinwheel}
