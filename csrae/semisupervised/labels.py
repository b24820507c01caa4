"""The labels of the semi-supervised study: classes (one per point) or binary outputs (action units)."""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class LabelSpace:
    """``size`` classes (one label per point) or ``size`` binary outputs (``multi_label``)."""

    size: int
    multi_label: bool

    def log_prior(self) -> float:
        """log p(y) of any label under the uniform prior."""
        return -self.size * math.log(2.0) if self.multi_label else -math.log(self.size)

    def classification_loss(self, logits: Tensor, y: Tensor) -> Tensor:
        """−log q(y|x) per point; ``y`` is a class index or a 0/1 vector."""
        if self.multi_label:
            return F.binary_cross_entropy_with_logits(logits, y.float(), reduction="none").sum(-1)
        return F.cross_entropy(logits, y, reduction="none")

    def kl_to_prior(self, logits: Tensor) -> Tensor:
        """KL(q(y|x) ‖ p(y)) per point, p uniform."""
        if self.multi_label:
            log_q1, log_q0 = F.logsigmoid(logits), F.logsigmoid(-logits)
            kl = torch.exp(log_q1) * (log_q1 + math.log(2.0)) + torch.exp(log_q0) * (log_q0 + math.log(2.0))
            return kl.sum(-1)
        log_q = torch.log_softmax(logits, -1)
        return (torch.exp(log_q) * log_q).sum(-1) + math.log(self.size)

    def predict(self, logits: Tensor) -> Tensor:
        return (logits > 0).long() if self.multi_label else logits.argmax(-1)

    def encode(self, y: Tensor) -> Tensor:
        """Labels as the float vectors that ``h_y`` reads."""
        return y.float() if self.multi_label else F.one_hot(y, self.size).float()
