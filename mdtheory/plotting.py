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
        pad_flat(ax, log_axis=True)  # an interval certified [1, 1] at every T is one flat line, not a gap
        # outside: the curves stay visible; an upper bound certified nowhere is not listed
        legend_of_drawn(ax, fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0))


# A series whose drawn values span less than this many decades is drawn as a flat line with
# FLAT_PADDING_DECADES of room above and below: matplotlib would otherwise stretch rounding noise (or a single
# value) across the whole axis, and a certified interval [1, 1] would look like a wide gap.
FLAT_SPAN_DECADES = 0.01
FLAT_PADDING_DECADES = 0.5


def save(fig, path, dpi: int = 100):
    """Write a Figure built without pyplot (no global state, nothing to close)."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    return path


def pad_flat(ax, log_axis: bool = False) -> bool:
    """Give a flat series room: when every finite value drawn on ``ax`` (in decades: log10 values on a linear
    axis, or raw values on a log axis) lies within FLAT_SPAN_DECADES, centre the axis on them with
    FLAT_PADDING_DECADES either side. Returns whether it did."""
    import numpy as np

    ys = [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()]
    ys = np.concatenate(ys) if ys else np.array([])
    if log_axis:
        ys = np.log10(ys[ys > 0])
    ys = ys[np.isfinite(ys)]
    if ys.size == 0 or ys.max() - ys.min() >= FLAT_SPAN_DECADES:
        return False
    centre = (ys.max() + ys.min()) / 2
    low, high = centre - FLAT_PADDING_DECADES, centre + FLAT_PADDING_DECADES
    ax.set_ylim(10 ** low, 10 ** high) if log_axis else ax.set_ylim(low, high)
    return True


def legend_of_drawn(ax, **options):
    """A legend of the curves that have something on the axes: a curve with no finite point (a series that
    is 0 throughout, on a log axis) is left out rather than listed with nothing to see."""
    import numpy as np

    def drawn(line):
        y = np.asarray(line.get_ydata(), dtype=float)
        if ax.get_yscale() == "log":
            y = np.where(y > 0, y, np.nan)
        return np.isfinite(y).any()

    handles = [line for line in ax.get_lines() if drawn(line) and not line.get_label().startswith("_")]
    if handles:
        ax.legend(handles=handles, labels=[h.get_label() for h in handles], **options)
    return handles
