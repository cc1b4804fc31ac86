"""Figures drawn straight to a file: headless (Agg), laid out, saved and closed, whatever the caller draws."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def saved_figure(path, rows: int = 1, cols: int = 1, size=(6.4, 4.0), dpi: int = 100, **subplots):
    """``with saved_figure(path, 1, 2, (11, 4)) as (fig, axes): ...`` draws, then writes ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, cols, figsize=size, **subplots)
    try:
        yield fig, axes
        fig.tight_layout()
        fig.savefig(path, dpi=dpi)
    finally:
        plt.close(fig)


def draw_intervals(path, curves: dict[str, list[tuple]], title: str):
    """The certified amplification intervals against T on a log scale: lower solid, upper dashed."""
    with saved_figure(path, 1, 1, (11, 4.6)) as (fig, ax):
        for k, (label, points) in enumerate(curves.items()):
            T = [t for t, _, _ in points]
            ax.semilogy(T, [low for _, low, _ in points], "o-", color=f"C{k}", label=f"{label}: certified lower")
            ax.semilogy(T, [high if high is not None else float("nan") for _, _, high in points], "s--",
                        color=f"C{k}", label=f"{label}: certified upper")
        ax.set_xlabel("T")
        ax.set_ylabel("worst-case amplification over the class")
        ax.set_title(title)
        ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: the curves stay visible
