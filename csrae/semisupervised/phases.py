"""The two phases of semi-supervised training (Appendix B.2): ``pretrain_epochs`` unsupervised epochs, then
semi-supervised ones up to ``epochs``.  Free of torch, so that the workflow checks a config with it before
any job."""


def phase_problem(epochs: int, pretrain_epochs: int) -> str | None:
    """Why these epoch counts leave no semi-supervised epoch, or None when they leave one."""
    if 0 <= pretrain_epochs < epochs:
        return None
    return (
        f"trains {epochs} epoch(s), of which the unsupervised first phase takes pretrain_epochs = "
        f"{pretrain_epochs}: give more epochs or fewer pretrain_epochs (0 <= pretrain_epochs < epochs)"
    )
