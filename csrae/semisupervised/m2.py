"""Semi-supervised M2 (Kingma et al. 2014) with the paper's regularisers on z (Sec. 3.3, eqs. 24-27).

The generative model is p(x|z, y) p(z) p(y); inference is q(y|x) q(z|x, y)
through the networks of Table VI: ``h_x`` (features of x), ``h_y`` (an
embedding of y), q(y|x) on ``h_x``, q(z|h_x, h_y) and p(x|z, h_y).

With a labelled point (eq. 25, written as a loss to minimise)

    L(x, y) = −E_q(z|x,y)[log p(x|z,y)] + w · R(q(z|x,y) ‖ p(z)) − β_y · log p(y),

R being the model's divergence on z (:mod:`csrae.registry`: KL for the VAE
and the VampPriorVAE, D_CS for CSRAE and MixtureCSRAE, weighted by β or λ); for an observed y,
q(y|x) is the point mass at y and KL(q(y|x) ‖ p(y)) = −log p(y).  Without a
label (eq. 26) y is marginalised under q(y|x), which makes the y-term the
KL divergence itself:

    U(x) = Σ_y q(y|x) L'(x, y) + β_y · KL(q(y|x) ‖ p(y)),   L' = L without its y-term;

for multi-label y ∈ {0,1}^L the sum over 2^L label vectors is replaced by
one relaxed Bernoulli (binary Gumbel-Softmax) draw ỹ ~ q(y|x).  The whole
objective (eq. 27) adds α times the classification loss −log q(y|x) on the
labelled points: J = mean_l L + mean_u U + α · mean_l (−log q(y|x)).
The prior on y is uniform (p(y_i = 1) = ½ for each output), which is what
label-balanced batches make of the training distribution.

With ``prior_per_class`` (D_CS to a mixture prior, single-label data) the regulariser
is D_CS(q(z|x, y) ‖ p(z|y)), p(z|y) the prior's components k ≡ y (mod the
number of classes): the labels condition the prior (Sec. 3.3), so the
prior-matching term, not only the decoder, tells the classes apart
(docs/fidelity.md).
"""

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from csrae import registry, regularisers
from csrae.gaussian import Noise
from csrae.likelihoods import Likelihood, make_likelihood
from csrae.models import LossTerms, build_prior
from csrae.naming import ssl_hyperparameters
from csrae.networks import decoder_network, feature_network, mlp
from csrae.regularisers import cauchy_schwarz_to_class_prior
from csrae.semisupervised.labels import LabelSpace

LABEL_EMBEDDING = 256  # h_y: FC 256, ReLU, FC 256, ReLU (Table VI)


@dataclass
class SemiSupervisedTerms(LossTerms):
    """Batch means: the objective J (eq. 27) and its parts."""

    classification: Tensor

    NAMES = (*LossTerms.NAMES, "classification")


def relaxed_bernoulli(logits: Tensor, uniform: Tensor, temperature: float) -> Tensor:
    """Binary Gumbel-Softmax (Concrete) draw: σ((logit + log u − log(1 − u)) / τ) (Jang et al. 2017)."""
    u = uniform.clamp(1e-6, 1 - 1e-6)
    return torch.sigmoid((logits + torch.log(u) - torch.log1p(-u)) / temperature)


class M2(nn.Module):
    """Kingma et al.'s M2 with a regulariser on z chosen by ``model`` (eqs. 24-27)."""

    def __init__(
        self,
        model: str,
        h_x: nn.Module,
        h_x_dim: int,
        decoder: nn.Module,
        likelihood: Likelihood,
        labels: LabelSpace,
        latent_dim: int,
        weight: float,
        alpha: float,
        beta_y: float = 1.0,
        temperature: float = 0.67,
        prior_per_class: bool = False,
    ):
        super().__init__()
        if weight < 0 or alpha < 0 or beta_y < 0 or temperature <= 0:
            raise ValueError(
                "M2 needs weight, alpha, beta_y >= 0 and temperature > 0; "
                f"got {weight}, {alpha}, {beta_y}, {temperature}"
            )
        self.h_x, self.decoder, self.likelihood, self.labels = h_x, decoder, likelihood, labels
        self.h_y = nn.Sequential(mlp([labels.size, LABEL_EMBEDDING, LABEL_EMBEDDING], nn.ReLU), nn.ReLU())
        self.q_y = mlp([h_x_dim, 300, labels.size], nn.ReLU)
        self.q_z = mlp([h_x_dim + LABEL_EMBEDDING, 300, 2 * latent_dim], nn.ReLU)
        self.divergence = regularisers.divergence(registry.model(model).divergence)
        self.weight, self.alpha, self.beta_y, self.temperature = weight, alpha, beta_y, temperature
        if prior_per_class and labels.multi_label:
            raise ValueError(
                "prior_per_class takes a mixture prior's components per class: single-label data only, "
                f"got {model} on multi-label data"
            )
        self.prior_per_class = prior_per_class
        self.latent_dim = latent_dim
        self.prior = None  # set by build_m2 (the VampPrior needs the finished encoder)

    def classify(self, x: Tensor) -> Tensor:
        """Logits of q(y|x)."""
        return self.q_y(self.h_x(x))

    def posterior(self, features: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        """Location and log-variance of q(z|h_x, h_y) for float labels ``y``."""
        h_y = self.h_y(y)
        features = features.expand(*h_y.shape[:-1], features.shape[-1])
        return self.q_z(torch.cat([features, h_y], -1)).chunk(2, dim=-1)

    def marginal_posterior(self, x: Tensor) -> Tensor:
        """q(z|x, ŷ) with ŷ = q(y|x)'s probabilities: the VampPrior's encoder of pseudo-inputs."""
        features = self.h_x(x)
        logits = self.q_y(features)
        y = torch.sigmoid(logits) if self.labels.multi_label else torch.softmax(logits, -1)
        return torch.cat(self.posterior(features, y), -1)

    def labelled_terms(self, x: Tensor, features: Tensor, y: Tensor, noise: Noise) -> tuple[Tensor, Tensor]:
        """Per point: RE = −log p(x|z, y) at one z ~ q(z|x, y), and R(q(z|x, y) ‖ p(z)) (eq. 25)."""
        loc, logvar = self.posterior(features, y)
        eps = noise.normal(2, *loc.shape)
        z = loc + torch.exp(0.5 * logvar) * eps[0]
        params = self.decoder(torch.cat([z, self.h_y(y)], -1))
        if self.prior_per_class:
            regulariser = cauchy_schwarz_to_class_prior(self.prior, loc, logvar, y)
        else:
            regulariser = self.divergence.function(self.prior, loc, logvar, eps)
        return -self.likelihood.log_prob(x, params), regulariser

    def loss(self, x_l: Tensor | None, y_l: Tensor | None, x_u: Tensor | None, weight=None, noise=None):
        """The negative objective J (eq. 27) on a labelled and an unlabelled batch (either may be None)."""
        weight = self.weight if weight is None else weight
        noise = noise or Noise(None, next(self.parameters()).device)
        zero = next(self.parameters()).new_zeros(())
        parts = {"loss": zero, "reconstruction": zero, "regulariser": zero, "classification": zero}
        if x_l is not None and len(x_l):
            features = self.h_x(x_l)
            re, reg = self.labelled_terms(x_l, features, self.labels.encode(y_l), noise)
            ce = self.labels.classification_loss(self.q_y(features), y_l).mean()
            labelled = (re + weight * reg).mean() - self.beta_y * self.labels.log_prior()  # eq. (25)
            parts = {
                "loss": labelled + self.alpha * ce,
                "reconstruction": re.mean(),
                "regulariser": reg.mean(),
                "classification": ce,
            }
        if x_u is not None and len(x_u):
            re, reg, unlabelled = self.unlabelled_terms(x_u, weight, noise)
            parts["loss"] = parts["loss"] + unlabelled
            both = x_l is not None and len(x_l)
            parts["reconstruction"] = (parts["reconstruction"] + re) / (2 if both else 1)
            parts["regulariser"] = (parts["regulariser"] + reg) / (2 if both else 1)
        return SemiSupervisedTerms(**parts)

    def unlabelled_terms(self, x: Tensor, weight, noise: Noise) -> tuple[Tensor, Tensor, Tensor]:
        """Mean RE, mean R and mean U(x) (eq. 26), y marginalised (classes) or relaxed (multi-label)."""
        features = self.h_x(x)
        logits = self.q_y(features)
        if self.labels.multi_label:
            y = relaxed_bernoulli(logits, noise.uniform(*logits.shape), self.temperature)
            re, reg = self.labelled_terms(x, features, y, noise)
            per_point = re + weight * reg
        else:
            classes = torch.eye(self.labels.size, device=x.device)[:, None, :].expand(-1, len(x), -1)
            re, reg = self.labelled_terms(x, features, classes, noise)  # [C, B]
            q = torch.softmax(logits, -1).T
            re, reg = (q * re).sum(0), (q * reg).sum(0)
            per_point = re + weight * reg
        unlabelled = (per_point + self.beta_y * self.labels.kl_to_prior(logits)).mean()
        return re.mean(), reg.mean(), unlabelled

    def forward(self, x_l, y_l, x_u, weight=None, noise=None) -> SemiSupervisedTerms:
        return self.loss(x_l, y_l, x_u, weight, noise)


def build_m2(
    model: str,
    hparams: dict,
    data,
    labels: LabelSpace,
    latent_dim: int,
    beta_y: float,
    temperature: float,
    prior_per_class: bool = False,
) -> M2:
    """M2 for a semi-supervised model of the registry; ``hparams`` adds α to the model's own."""
    names = ssl_hyperparameters(model)
    if set(hparams) != set(names):
        raise ValueError(f"semi-supervised {model} takes {sorted(names)}, got {sorted(hparams)}")
    entry = registry.model(model)
    if prior_per_class and not entry.per_class_prior(hparams):
        raise ValueError(
            f"prior_per_class takes the components of D_CS's mixture prior per class; {model} "
            f"{hparams} has none: set semisupervised.training.prior_per_class false"
        )
    likelihood = make_likelihood(data.likelihood)
    h_x, h_x_dim = feature_network(data.architecture, data.data_dim, data.image_shape)
    out_dim = likelihood.params_per_dim * data.data_dim
    decoder = decoder_network(data.architecture, latent_dim + LABEL_EMBEDDING, out_dim, data.image_shape)
    m2 = M2(
        model, h_x, h_x_dim, decoder, likelihood, labels, latent_dim,
        float(hparams[entry.weight]), float(hparams["alpha"]), beta_y, temperature, prior_per_class,
    )  # fmt: skip
    if prior_per_class and int(hparams["K"]) < labels.size:
        raise ValueError(
            f"prior_per_class gives each of the {labels.size} classes its own prior components: "
            f"set K >= {labels.size}, got K={hparams['K']}"
        )
    m2.prior = build_prior(
        entry.prior_of(hparams),
        hparams.get("K"),
        m2.marginal_posterior,
        data.data_dim,
        latent_dim,
        data.architecture,
        bounded=data.likelihood != "gaussian",
    )
    return m2
