"""Packed training: G runs of one model structure trained at once on stacked parameters.

The members share a model class, architecture and (latent dimension, K,
n_iw, prior); each keeps its own regulariser weight, seed, Adam state,
warm-up, early stopping, best weights, checkpoint and divergence (a member
whose loss stops being finite leaves the pack; the others go on, unaffected,
since no member's numbers enter another's).  One step evaluates all
members' losses and gradients in one batched call (``torch.func.vmap`` over
``functional_call``), which keeps a GPU busy where one small MLP cannot.  A
member whose training has ended leaves the stack, so it costs nothing more.

Each member draws its data order, binarisation and noise from its own
generators (:class:`csrae.trainer.RunState`) and its checkpoint has the
format of :class:`csrae.trainer.Trainer`'s, so a packed member's result equals
the same run trained alone, and either can resume the other's checkpoint.
"""

from pathlib import Path

import torch
from torch import Tensor
from torch.func import functional_call, grad, vmap

from csrae.data import Dataset
from csrae.gaussian import Drawn
from csrae.models import Autoencoder
from csrae.optim import StackedAdam
from csrae.preemption import Preempted, requested
from csrae.trainer import TERMS, RunState, TrainConfig, fit, latent_dim, stopped


class PackedTrainer:
    """A :class:`csrae.trainer.Pack` of G runs: one vmapped step trains them all (:class:`StackedAdam`)."""

    def __init__(
        self,
        models: list[Autoencoder],
        data: Dataset,
        configs: list[TrainConfig],
        state_dirs: list[str | Path],
        device: str | torch.device = "cpu",
        log=print,
    ):
        if not models or len({len(models), len(configs), len(state_dirs)}) != 1:
            raise ValueError("a pack needs one config and one state directory per model, and at least one model")
        shapes = [{k: v.shape for k, v in m.state_dict().items()} for m in models]
        if any(type(m) is not type(models[0]) or s != shapes[0] for m, s in zip(models, shapes)):
            raise ValueError("packed models must share their class, architecture and prior (latent dimension, K)")
        common = [{k: v for k, v in vars(c).items() if k != "seed"} for c in configs]
        if any(c != common[0] for c in common):
            raise ValueError(f"packed runs may differ only in seed and weight; got settings {common}")
        self.device = torch.device(device)
        self.models, self.data, self.config = models, data, configs[0]
        self.targets, self.label = [m.weight for m in models], f"pack of {len(models)}: "
        self.template = models[0].to(self.device)
        self.runs = [RunState(c, d, log, device=self.device) for c, d in zip(configs, state_dirs)]
        self.names = [name for name, _ in self.template.named_parameters()]
        self.buffer_names = [name for name, _ in self.template.named_buffers()]
        self.x_val = data.inputs("val").to(self.device)
        self.latent_dim = latent_dim(self.template, data)
        self.noise_draws = self.template.noise_draws
        self._load_members()
        self._gradients = vmap(grad(self._member_loss, has_aux=True), in_dims=(0, 0, 0, 0, 0))
        self._validation = vmap(self._member_loss, in_dims=(0, 0, None, 0, 0))

    # -- the stack -----------------------------------------------------------------
    def _load_members(self) -> None:
        """Stack every unfinished member's weights and Adam state (from its checkpoint, if any); continue an
        interrupted epoch where every member was interrupted at the same step (else the epoch restarts from
        the checkpoints)."""
        restored = [run.load() for run in self.runs]
        self.active = [i for i, run in enumerate(self.runs) if not run.finished]
        positions = {(p := self.runs[i].partial) and (p["epoch"], len(p["steps"])) for i in self.active}
        for i in self.active:
            if len(positions) == 1 and None not in positions:
                restored[i] = self.runs[i].resume()
            self.runs[i].partial = None
        states = [r[0] if r else m.state_dict() for r, m in zip(restored, self.models)]
        optimisers = [r[1]["state"] if r else {} for r in restored]

        def stacked(name: str) -> Tensor:
            return torch.stack([states[i][name] for i in self.active]).to(self.device)

        self.params = {name: stacked(name) for name in self.names}
        self.buffers = {name: stacked(name) for name in self.buffer_names}
        self.optimizer = StackedAdam(self.params, self.config.lr, [optimisers[i] for i in self.active])

    def keep(self, positions: list[int]) -> None:
        """Keep only the members at these stack positions."""
        index = torch.tensor(positions, dtype=torch.long, device=self.device)
        for tensors in (self.params, self.buffers):
            for name in tensors:
                tensors[name] = tensors[name].index_select(0, index)
        self.optimizer.keep(index)
        self.active = [self.active[p] for p in positions]

    def member_state(self, position: int) -> dict:
        tensors = {name: self.params[name][position] for name in self.names}
        tensors |= {name: self.buffers[name][position] for name in self.buffer_names}
        return {name: tensors[name].detach().to("cpu", copy=True) for name in self.template.state_dict()}

    def member_optimizer_state(self, position: int) -> dict:
        """The member's Adam state in ``torch.optim.Adam.state_dict()`` format."""
        return self.optimizer.member_state(position)

    # -- one step --------------------------------------------------------------------
    def _member_loss(self, params, buffers, x, noise, weight) -> tuple[Tensor, Tensor]:
        terms = functional_call(self.template, (params, buffers), (x,), {"weight": weight, "noise": Drawn(noise)})
        return terms.loss, terms.stacked().detach()

    def train_members(self, weights: list[float]) -> list[dict]:
        """One epoch for every active member; returns each member's ``train_*`` step means."""
        self.template.train()
        stacked_weights = torch.tensor(weights, device=self.device)
        members = [self.runs[i] for i in self.active]
        noises = [run.noise(self.device) for run in members]
        plans = [run.epoch_batches(lambda run=run: run.shuffled(len(self.data.x["train"]))) for run in members]
        batches, steps = [plan[0] for plan in plans], [plan[1] for plan in plans]  # per member
        for step in range(len(steps[0]), len(batches[0])):
            x = torch.stack([self.data.training_batch(b[step], run.data_generator) for b, run in zip(batches, members)])
            noise = torch.stack([n.normal(self.noise_draws, x.shape[1], self.latent_dim) for n in noises])
            grads, terms = self._gradients(self.params, self.buffers, x, noise, stacked_weights)
            self.optimizer.step(self.params, grads)
            for member_steps, member_terms in zip(steps, terms):
                member_steps.append(member_terms)
            if requested():
                for position, run in enumerate(members):
                    state, optimizer = self.member_state(position), self.member_optimizer_state(position)
                    run.save_partial(batches[position], steps[position], state, optimizer)
                raise Preempted(stopped(members[0], steps[0], batches[0]))
        return [run.epoch_terms(s, w) for run, s, w in zip(members, steps, weights)]

    @torch.no_grad()
    def validate_members(self) -> list[dict]:
        self.template.eval()
        draws = (self.noise_draws, len(self.x_val), self.latent_dim)
        noise = torch.stack([self.runs[i].noise(self.device).normal(*draws) for i in self.active])
        targets = torch.tensor([self.targets[i] for i in self.active], device=self.device)
        terms = self._validation(self.params, self.buffers, self.x_val, noise, targets)[1].cpu()
        return [{f"val_{name}": float(value) for name, value in zip(TERMS, member)} for member in terms]

    def fit(self) -> list[dict | None]:
        """Train every member to its epoch budget, look-ahead or divergence (:func:`csrae.trainer.fit`);
        return each member's best row (None for a member that diverged before any finite epoch)."""
        return fit(self)
