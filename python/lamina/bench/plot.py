"""Optional bar chart of the ratios (``lamina bench --plot``). matplotlib is never required:
without it this prints a note and writes nothing."""
from __future__ import annotations

import sys
from pathlib import Path


def write_plot(rows, path, title: str = ""):
    """Horizontal bars, one per (case, peer), at ``peer_time / lamina_time``; returns the path or None."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("lamina bench: matplotlib is not installed, no plot (pip install 'lamina[bench]')",
              file=sys.stderr)
        return None
    rows = [r for r in rows if r.status == "ok" and r.ratio]
    if not rows:
        print("lamina bench: no ratios to plot", file=sys.stderr)
        return None
    colors = {"numpy": "#4C72B0", "torch": "#DD8452"}
    labels = [f"{r.suite}: {r.name} vs {r.peer}" for r in rows]
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(rows) + 1.4))
    y = range(len(rows))
    ax.barh(list(y), [r.ratio for r in rows], color=[colors.get(r.peer, "#55A868") for r in rows])
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(list(y))
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("peer time / lamina time  (>1: lamina faster, log scale)")
    if title:
        ax.set_title(title, fontsize=8)
    for i, r in enumerate(rows):
        ax.text(r.ratio, i, f" {r.ratio:.2f}x", va="center", fontsize=6)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
