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
