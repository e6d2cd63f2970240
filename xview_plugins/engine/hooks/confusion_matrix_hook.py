from __future__ import annotations

from pathlib import Path

import numpy as np
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


def plot_confusion_matrix(
    cm: np.ndarray, classes, path: Path, title: str
) -> Path:
    """Row-normalized confusion matrix (rows = annotation) with class names, as
    a PNG."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    rows = cm.sum(1, keepdims=True)
    normalized = np.divide(
        cm, rows, out=np.zeros(cm.shape, np.float64), where=rows > 0
    )
    size = 1.6 + 0.55 * len(classes)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(normalized, cmap='Blues', vmin=0, vmax=1)
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha='right')
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel('prediction')
    ax.set_ylabel('annotation')
    ax.set_title(title)
    for i in range(len(classes)):
        for j in range(len(classes)):
            if cm[i, j]:
                ax.text(
                    j,
                    i,
                    f'{normalized[i, j]:.2f}',
                    ha='center',
                    va='center',
                    fontsize=7,
                    color='white' if normalized[i, j] > 0.5 else 'black',
                )
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


@HOOKS.register_module()
class ConfusionMatrixHook(Hook):
    """After every evaluation, write the normalized confusion matrix of each
    metric that keeps one (``last_confusion``) as
    ``confusion_matrix_<stage>_<epoch>.png`` in the run's log folder
    (``confusion_matrix_<stage>.png`` outside training), and
    ``confusion_matrix.png`` as the latest."""

    priority = 'LOW'

    def __init__(self) -> None:
        # The epoch is recorded while training: asking the runner for it would
        # build its train loop (and dataset) in a stand-alone test.
        self.epoch = None

    def before_train(self, runner) -> None:
        self.epoch = runner.epoch

    def after_train_epoch(self, runner) -> None:
        # mmengine counts the finished epoch only after this hook
        self.epoch = runner.epoch + 1

    def after_train(self, runner) -> None:
        self.epoch = None

    def _write(self, runner, evaluator, stage: str) -> None:
        for metric in getattr(evaluator, 'metrics', []):
            cm = getattr(metric, 'last_confusion', None)
            if cm is None:
                continue
            classes = metric.dataset_meta['classes']
            folder = Path(runner.log_dir)
            name = stage if self.epoch is None else f'{stage}_{self.epoch}'
            title = (
                stage if self.epoch is None else f'{stage}, epoch {self.epoch}'
            )
            plot_confusion_matrix(
                cm, classes, folder / f'confusion_matrix_{name}.png', title
            )
            plot_confusion_matrix(
                cm, classes, folder / 'confusion_matrix.png', title
            )

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._write(runner, runner.val_evaluator, 'val')

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._write(runner, runner.test_evaluator, 'test')
