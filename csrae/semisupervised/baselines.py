"""The supervised baselines of Table III: a classifier network trained on the labels alone (no latent).

Each is a model of the registry with a ``network`` (:mod:`csrae.registry`):
``cnn``, the CNN of Table VI (h_x, then q(y|x)), and ``resnet18``,
torchvision's ResNet18, from random weights or a torchvision state dict.
"""

import torch
from torch import Tensor, nn

from csrae import registry
from csrae.networks import OnImages, feature_network, mlp
from csrae.semisupervised.labels import LabelSpace
from csrae.semisupervised.m2 import SemiSupervisedTerms


class SupervisedClassifier(nn.Module):
    """A supervised baseline: ``net`` maps x to label logits, trained on −log q(y|x) alone."""

    weight = 0.0

    def __init__(self, net: nn.Module, labels: LabelSpace):
        super().__init__()
        self.net, self.labels = net, labels

    def classify(self, x: Tensor) -> Tensor:
        return self.net(x)

    def loss(self, x_l, y_l, x_u=None, weight=None, noise=None) -> SemiSupervisedTerms:
        ce = self.labels.classification_loss(self.net(x_l), y_l).mean()
        zero = ce.new_zeros(())
        return SemiSupervisedTerms(loss=ce, reconstruction=zero, regulariser=zero, classification=ce)

    def forward(self, x_l, y_l, x_u=None, weight=None, noise=None) -> SemiSupervisedTerms:
        return self.loss(x_l, y_l, x_u, weight, noise)


def cnn(data, labels: LabelSpace, weights_path=None) -> nn.Module:
    """h_x and q(y|x) of Table VI (the M2 model's classifier, alone)."""
    h_x, h_x_dim = feature_network(data.architecture, data.data_dim, data.image_shape)
    return nn.Sequential(h_x, mlp([h_x_dim, 300, labels.size], nn.ReLU))


def resnet18(data, labels: LabelSpace, weights_path=None) -> nn.Module:
    """torchvision's ResNet18 on RGB images, from random weights or a torchvision state dict at
    ``weights_path`` (its ``fc`` layer replaced for the labels)."""
    if data.image_shape is None or data.image_shape[0] != 3:
        raise ValueError(f"ResNet18 needs RGB images; {data.name} has shape {data.image_shape}")
    from torchvision.models import resnet18 as torchvision_resnet18

    net = torchvision_resnet18(weights=None)
    if weights_path:
        state = torch.load(weights_path, map_location="cpu", weights_only=True)
        state = {k: v for k, v in state.items() if not k.startswith("fc.")}
        missing = set(net.load_state_dict(state, strict=False).missing_keys) - {"fc.weight", "fc.bias"}
        if missing:
            raise ValueError(f"{weights_path} is not a torchvision ResNet18 state dict: it lacks {sorted(missing)}")
    net.fc = nn.Linear(net.fc.in_features, labels.size)
    return OnImages(net, tuple(data.image_shape))


NETWORKS = {"cnn": cnn, "resnet18": resnet18}  # a supervised model's ``network`` (csrae.registry)


def build_supervised(model: str, data, labels: LabelSpace, weights_path=None) -> SupervisedClassifier:
    """The supervised baseline ``model`` of the registry for ``data``'s inputs and ``labels``."""
    entry = registry.model(model)
    if not entry.supervised:
        raise ValueError(f"{model} is not a supervised baseline; choose one of {registry.supervised_models()}")
    return SupervisedClassifier(NETWORKS[entry.network](data, labels, weights_path), labels)
