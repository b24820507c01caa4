"""The paper's figures, drawn from arrays and tables (matplotlib, Agg)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from csrae.io import atomic_write  # noqa: E402
from csrae.metrics.registry import METRICS  # noqa: E402
from csrae.naming import parse_setting_id  # noqa: E402
from csrae.registry import MIXTURE_PRIORS, PRIOR_NAMES  # noqa: E402


def save(fig, path: str | Path) -> None:
    fig.tight_layout()
    atomic_write(Path(path), lambda f: fig.savefig(f, format="png", dpi=110, bbox_inches="tight"))
    plt.close(fig)


def figure1(samples: np.ndarray, means, fit: dict, path) -> None:
    """Target ½N(m₁,1)+½N(m₂,1) (``means``; eq. 30: −3 and 3) with the KL Gaussian fit (a) and the CS mixture
    fit (b)."""
    from scipy.stats import norm  # here: scipy.stats takes a second to import, and only this figure needs it

    grid = np.linspace(-8, 8, 800)
    target = 0.5 * sum(norm.pdf(grid, m, 1.0) for m in means)
    kl_fit = norm.pdf(grid, fit["kl"]["loc"][0], np.exp(0.5 * fit["kl"]["logvar"][0]))
    cs = fit["cs"]
    cs_fit = sum(w * norm.pdf(grid, m, np.exp(0.5 * lv)) for w, m, lv in zip(cs["weights"], cs["loc"], cs["logvar"]))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
    for ax, approx, title in ((axes[0], kl_fit, "(a) KL, one Gaussian"), (axes[1], cs_fit, "(b) CS, mixture of two")):
        ax.hist(samples[:, 0], bins=80, density=True, color="0.85", label="samples")
        ax.plot(grid, target, color="tab:blue", label="true posterior")
        ax.plot(grid, approx, color="tab:orange", label="approximation")
        ax.set_title(title)
        ax.set_xlabel("z")
    axes[0].legend(frameon=False, fontsize=8)
    save(fig, path)


def figure2(panels: list[tuple[float, dict]], prior: np.ndarray | None, path) -> None:
    """Pinwheel latents (row 1, coloured by arm) and reconstructions (row 2) across λ."""
    fig, axes = plt.subplots(2, len(panels), figsize=(2.6 * len(panels), 5.2), squeeze=False)
    for col, (lam, art) in enumerate(panels):
        top, bottom = axes[0, col], axes[1, col]
        if prior is not None:
            top.scatter(*prior.T, s=4, c="0.8")
        top.scatter(*art["latent_loc"][:, :2].T, s=3, c=art["labels"], cmap="tab10")
        top.set_title(f"λ = {lam:g}")
        bottom.scatter(*art["inputs"].T, s=3, c="0.75", label="data")
        bottom.scatter(*art["reconstructions"].T, s=3, c="tab:red", label="reconstruction")
    axes[0, 0].set_ylabel("latent means")
    axes[1, 0].set_ylabel("reconstructions")
    save(fig, path)


def figure3(summary, weight_name: str, path, exact: bool = True) -> None:
    """(a) test RE vs regulariser over the weight; selection criterion vs (b) FID and (c) LL; a colour per
    structure.  ``exact``: the regulariser is in closed form (else a sampled estimate, said on the axes)."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for structure, rows in summary.groupby("structure", sort=False):
        sizes = 15 + 25 * rows[weight_name].to_numpy()
        axes[0].scatter(rows["test_reg"], rows["test_re"], s=sizes, label=structure)
        axes[1].scatter(rows["val_criterion"], rows["fid"], s=sizes)
        axes[2].scatter(rows["val_criterion"], -rows["test_ll"], s=sizes)
    regulariser = "test regulariser" + ("" if exact else " (sampled)")
    axes[0].set(xlabel=regulariser, ylabel="test RE", title=f"(a) RE vs regulariser (size ∝ {weight_name})")
    fid, ll = METRICS["fid"].label, METRICS["test_ll"].label
    criterion = "validation RE + regulariser" + ("" if exact else " (sampled)")
    axes[1].set(xlabel=criterion, ylabel=fid, title=f"(b) selection criterion vs {fid}")
    axes[2].set(xlabel=criterion, ylabel=f"−{ll}", title="(c) selection criterion vs −LL")
    axes[0].legend(frameon=False, fontsize=7)
    save(fig, path)


LINE_STYLES = ("-", ":", "--", "-.")  # MoG, MoG (direct), VampPrior, corners


def figure4(summary, model: str, path) -> None:
    """A model whose grid chooses the prior: validation loss −(RE + R) of the selected weight against K, a line
    per latent dimension and prior."""
    chosen = summary[summary["selected"]].copy()
    settings = [parse_setting_id(model, hp) for hp in chosen["hp"]]
    chosen = chosen.assign(
        z=[z for z, _ in settings], K=[hp["K"] for _, hp in settings], prior=[hp["prior"] for _, hp in settings]
    )
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    colours = {z: f"C{i}" for i, z in enumerate(sorted(chosen["z"].unique()))}
    for (z, prior), rows in chosen.groupby(["z", "prior"]):
        rows = rows.sort_values("K")
        style = LINE_STYLES[MIXTURE_PRIORS.index(prior) % len(LINE_STYLES)]
        label = f"{PRIOR_NAMES[prior]}, z = {z}"
        ax.plot(rows["K"], -rows["val_criterion"], style, marker="o", color=colours[z], label=label)
    ax.set_xscale("log")
    ax.set(xlabel="mixture components K", ylabel="validation −(RE + R) (greater is better)", title=model)
    ax.legend(frameon=False, fontsize=8)
    save(fig, path)


def figure7(images: np.ndarray, image_shape: tuple, fit: dict, title: str, path, per_row: int = 50) -> None:
    """Samples from every prior component, one column each (``images``: ``[K, n, D]``), in blocks of
    ``per_row`` columns; under each block the components' usage by the codes and their divergence
    D_CS(p_k ‖ q̄) from the aggregate posterior (``fit``: :func:`csrae.metrics.prior_fit.prior_fit`)."""
    n_components, n, _ = images.shape
    channels, height, width = image_shape
    blocks = range(0, n_components, per_row)
    columns = min(per_row, n_components)
    fig, axes = plt.subplots(
        2 * len(blocks), 1, figsize=(0.3 * columns + 1.2, len(blocks) * (0.3 * n + 1.3)), squeeze=False,
        gridspec_kw={"height_ratios": [0.3 * n, 1.0] * len(blocks)},
    )  # fmt: skip
    for row, start in enumerate(blocks):
        part = images[start : start + per_row]
        grid = part.reshape(len(part), n, channels, height, width).transpose(1, 3, 0, 4, 2)
        grid = grid.reshape(n * height, len(part) * width, channels)
        top, bottom = axes[2 * row, 0], axes[2 * row + 1, 0]
        top.imshow(grid.squeeze(-1) if channels == 1 else grid, cmap="gray", vmin=0, vmax=1, aspect="auto")
        top.set_xlim(-0.5, columns * width - 0.5)
        top.set_axis_off()
        index = np.arange(start, start + len(part))
        bottom.bar(index, 100 * np.asarray(fit["usage"])[index], color="tab:blue", width=0.8)
        bottom.set_xlim(start - 0.5, start + columns - 0.5)
        bottom.set_ylabel("usage %", fontsize=7, color="tab:blue")
        divergence = bottom.twinx()
        divergence.plot(index, np.asarray(fit["component_cs"])[index], "o", ms=3, color="tab:red")
        divergence.set_ylabel("D_CS(p_k‖q̄)", fontsize=7, color="tab:red")
        bottom.tick_params(labelsize=6)
        divergence.tick_params(labelsize=6)
    axes[0, 0].set_title(title, fontsize=8)
    save(fig, path)


def image_grid(rows: list[tuple[str, np.ndarray]], image_shape: tuple, path, n: int = 16) -> None:
    """One row of ``n`` images per (label, images) pair (Figures 5-6)."""
    fig, axes = plt.subplots(len(rows), 1, figsize=(n * 0.6, 0.8 * len(rows) + 0.3), squeeze=False)
    channels, height, width = image_shape
    for ax, (label, images) in zip(axes[:, 0], rows):
        strip = images[:n].reshape(-1, channels, height, width).transpose(2, 0, 3, 1).reshape(height, -1, channels)
        ax.imshow(strip.squeeze(-1) if channels == 1 else strip, cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
        ax.set_title(label, fontsize=8, loc="left")
    save(fig, path)
