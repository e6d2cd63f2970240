"""Pictures of a scoring: per-class precision-recall curves."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

from ..io import atomic_write
from ..structures import XVIEW_TYPE_NAMES
from .xview_scoring import XViewScores


def plot_precision_recall(
    scores: XViewScores,
    path: Union[str, Path],
    names: Optional[dict[int, str]] = None,
) -> Path:
    """One precision-recall curve per scored class (the curve the AP
    integrates), labelled with the class name and its AP, as a PNG."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    names = names or XVIEW_TYPE_NAMES
    fig, ax = plt.subplots(figsize=(8, 6))
    cmap = plt.get_cmap('tab20')
    for k, (type_id, ap) in enumerate(sorted(scores.ap.items())):
        label = f'{names.get(type_id, type_id)} ({type_id}): AP {ap:.3f}'
        curve = scores.curves.get(type_id)
        if curve is not None and len(curve.recall):
            ax.step(
                curve.recall,
                curve.precision,
                where='post',
                color=cmap(k % 20),
                label=label,
            )
        else:
            ax.plot(
                [],
                [],
                color=cmap(k % 20),
                label=label
                + (
                    ', no detections'
                    if curve is not None
                    else ', no counted ground truth'
                ),
            )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel('recall')
    ax.set_ylabel('precision')
    ax.set_title(f'xView scoring: mAP {scores.map:.3f}')
    ax.legend(fontsize=7, loc='center left', bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    path = Path(path)
    try:
        with atomic_write(path, 'wb') as f:
            fig.savefig(f, dpi=100, format='png')
    finally:
        plt.close(fig)
    return path
