"""Adam for G models at once: ``torch.optim.Adam``'s update on parameters stacked along a first dimension.

Each member keeps its own moments and step count, so the stack steps each
member exactly as its own ``torch.optim.Adam`` would (paper Table IV(a):
β = (0.9, 0.999), ε = 1e-8), and a member's state reads and writes in
``torch.optim.Adam.state_dict()`` format: a packed run and a run alone
resume each other's checkpoints.
"""

import torch
from torch import Tensor

ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8


def adam(parameters, lr: float) -> torch.optim.Adam:
    """The optimiser of a run trained alone."""
    return torch.optim.Adam(parameters, lr=lr, betas=ADAM_BETAS, eps=ADAM_EPS)


class StackedAdam:
    """Adam's state for stacked parameters ``{name: [G, ...]}``, named in the members' parameter order."""

    def __init__(self, params: dict[str, Tensor], lr: float, states: list[dict]):
        """``states``: each member's ``torch.optim.Adam.state_dict()["state"]`` (empty for a fresh member)."""
        self.lr, self.names = lr, list(params)
        device = next(iter(params.values())).device

        def moments(j: int, key: str) -> Tensor:  # Adam's moments start at zero
            name = self.names[j]
            return torch.stack(
                [
                    state[j][key].to(device) if state else torch.zeros_like(params[name][m])
                    for m, state in enumerate(states)
                ]
            )

        self.exp_avg, self.exp_avg_sq = (
            {name: moments(j, key) for j, name in enumerate(self.names)} for key in ("exp_avg", "exp_avg_sq")
        )
        steps = [float(state[0]["step"]) if state else 0.0 for state in states]
        self.steps = torch.tensor(steps, dtype=torch.float64, device=device)
        self.param_groups = adam([torch.nn.Parameter(torch.zeros(1)) for _ in self.names], lr).state_dict()
        self.param_groups = self.param_groups["param_groups"]

    @torch.no_grad()
    def step(self, params: dict[str, Tensor], grads: dict[str, Tensor]) -> None:
        """torch.optim.Adam's update, per member, in place (bias corrections in double)."""
        self.steps += 1
        step_size = self.lr / (1 - ADAM_BETAS[0] ** self.steps)
        correction2_sqrt = torch.sqrt(1 - ADAM_BETAS[1] ** self.steps)
        for name in self.names:
            g, p = grads[name], params[name]
            shape = (-1,) + (1,) * (p.dim() - 1)
            self.exp_avg[name].lerp_(g, 1 - ADAM_BETAS[0])
            self.exp_avg_sq[name].mul_(ADAM_BETAS[1]).addcmul_(g, g, value=1 - ADAM_BETAS[1])
            denom = (self.exp_avg_sq[name].sqrt() / correction2_sqrt.to(p.dtype).view(shape)).add_(ADAM_EPS)
            p.sub_(step_size.to(p.dtype).view(shape) * (self.exp_avg[name] / denom))

    def keep(self, index: Tensor) -> None:
        """Keep the members at stack positions ``index``."""
        for moments in (self.exp_avg, self.exp_avg_sq):
            for name in moments:
                moments[name] = moments[name].index_select(0, index)
        self.steps = self.steps.index_select(0, index)

    def member_state(self, position: int) -> dict:
        """One member's state in ``torch.optim.Adam.state_dict()`` format."""
        step = self.steps[position].detach().cpu().to(torch.get_default_dtype())
        state = {
            j: {
                "step": step.clone(),
                "exp_avg": self.exp_avg[name][position].detach().cpu(),
                "exp_avg_sq": self.exp_avg_sq[name][position].detach().cpu(),
            }
            for j, name in enumerate(self.names)
        }
        return {"state": state, "param_groups": self.param_groups}
