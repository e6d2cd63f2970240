"""Train a list of classification configs and write a table with the report's
columns.

    python tools/run_experiments.py configs/classification/exp*.py \
        --out work_dirs/study --budget short

Each config is trained by mmengine's runner in this process, then its best
checkpoint is evaluated on the config's test set (--no-test: report the best
validation epoch). Writes OUT/experiments.md and OUT/experiments.csv (updated
after every run) with the report's columns, our scores and, beside them, the
report's own (in %); the time column is the training time.

--budget full runs the report's setting (for a GPU machine and the real
xview_recognition set); --budget short scales every experiment the same way
(at most 100 training chips per class, 64-px chips, a fifth of the epochs, at
least 2), so that all of them finish on a 2-core CPU in about an hour.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import Optional, Sequence

from mmengine.config import Config, DictAction

from ..utils.checkpoint import register_safe_checkpoint_loader
from ..utils.config import build_runner, name_run, read_config
from .errors import quiet_third_party_notices

COLUMNS = [
    'experiment',
    'N',
    'image size',
    'model',
    'epochs',
    'LR',
    'optimizer',
    'activation',
    'batch size',
    'callbacks',
    'regularizer',
    'initializer',
    'dropout',
    'BN',
    'Acc',
    'Rec',
    'Prec',
    'report Acc',
    'report Rec',
    'report Prec',
    'time',
    'scores on',
]

# How `--budget short` scales every experiment, the same way for all: at most
# `chips_per_class` training chips per class (the report: 5000), chips resized
# to `image_size` pixels (the report: 224), the epochs divided by
# `epoch_divisor` (at least `min_epochs`); optimizer, learning rate, batch
# size, callbacks and their patience stay the report's. `full` is the report's
# setting, for a GPU machine and the real xview_recognition set.
SHORT_BUDGET = dict(
    chips_per_class=100, image_size=64, epoch_divisor=5, min_epochs=2
)
BUDGETS = ('short', 'full')


def describe(cfg) -> dict:
    """The report's setting columns, read from a config."""
    backbone = cfg.model.backbone
    from mmdet.registry import MODELS

    from ..models import RecognitionCNN

    if MODELS.get(backbone.type) is RecognitionCNN:  # or its old name
        model = f'CNN {backbone.get("model", 6)}'
    else:
        model = (
            f'FFNN {backbone.get("model", 3)}'
            if backbone.get('hidden') is None
            else f'FFNN {tuple(backbone.hidden)}'
        )
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    callbacks = [
        f'ReduceLR(p={s.get("patience")}, f={s.get("factor")})'
        if 'ReduceOnPlateau' in s['type']
        else s['type']
        for s in schedulers
    ]
    hooks = [
        *(cfg.get('default_hooks') or {}).values(),
        *(cfg.get('custom_hooks') or []),
    ]
    callbacks += [
        f'EarlyStopping(p={h.get("patience")})'
        for h in hooks
        if h
        and h.get('type') in ('EarlyStoppingHook', 'KerasEarlyStoppingHook')
    ]
    penalty = cfg.model.get('weight_penalty')
    optimizer = cfg.optim_wrapper.optimizer
    return {
        'N': cfg.train_dataloader.dataset.get('max_per_class'),
        'model': model,
        'epochs': cfg.train_cfg.max_epochs,
        'LR': optimizer.lr,
        'optimizer': optimizer.type,
        'activation': backbone.get('act', 'relu'),
        'batch size': cfg.train_dataloader.batch_size,
        'callbacks': ', '.join(callbacks),
        'regularizer': (
            f'{penalty[0].upper()}({penalty[1]})' if penalty else ''
        ),
        'initializer': backbone.get('init', 'he_uniform'),
        'image size': backbone.get('input_size', (224,))[0],
        'dropout': backbone.get('dropout', 0.0),
        'BN': bool(backbone.get('batch_norm')),
    }


def best_scores(work_dir: Path) -> dict:
    """Validation scores of the best epoch, from the run's scalars log."""
    best = {}
    for scalars in sorted(work_dir.glob('*/vis_data/scalars.json')):
        for line in scalars.read_text().splitlines():
            record = json.loads(line)
            if 'cls/mean_accuracy' in record and record[
                'cls/mean_accuracy'
            ] >= best.get('cls/mean_accuracy', -1):
                best = record
    return {
        'Acc': best.get('cls/mean_accuracy'),
        'Rec': best.get('cls/mean_recall'),
        'Prec': best.get('cls/mean_precision'),
    }


def apply_budget(cfg: Config, budget: str) -> None:
    """Scale a classification config to ``budget`` (see
    :data:`SHORT_BUDGET`); ``'full'`` leaves it as it is."""
    if budget not in BUDGETS:
        raise ValueError(f'budget must be one of {BUDGETS}, not {budget!r}')
    if budget == 'full':
        return
    short = SHORT_BUDGET
    side = short['image_size']
    for loader in ('train_dataloader', 'val_dataloader'):
        dataset = cfg[loader].dataset
        dataset.max_per_class = min(
            dataset.get('max_per_class') or short['chips_per_class'],
            short['chips_per_class'],
        )
    resize = dict(type='Resize', scale=(side, side), keep_ratio=False)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        pipeline = cfg[loader].dataset.pipeline
        position = next(
            k + 1
            for k, t in enumerate(pipeline)
            if t['type'] == 'LoadGeoTIFFFromFile'
        )
        pipeline.insert(position, resize)
    cfg.model.backbone.input_size = (side, side, 3)
    cfg.train_cfg.max_epochs = max(
        short['min_epochs'],
        round(cfg.train_cfg.max_epochs / short['epoch_divisor']),
    )


def run_experiments(
    configs: Sequence[str],
    out_dir: str,
    cfg_options: Optional[dict] = None,
    test: bool = True,
    budget: str = 'full',
) -> list[dict]:
    """Train every config with mmengine's runner in this process (work dir
    ``out_dir/<config name>``) at ``budget`` (:func:`apply_budget`), then
    (``test``) evaluate its best checkpoint on the config's test set, and
    write ``out_dir/experiments.md`` and ``experiments.csv`` with, beside
    ours, the report's own scores of the experiment (``report_scores`` of the
    config). Without a test run the scores are those of the best validation
    epoch."""
    register_safe_checkpoint_loader()
    quiet_third_party_notices()
    rows = []
    for config in configs:
        name = Path(config).stem
        work_dir = Path(out_dir) / name
        cfg = experiment_config(
            config, work_dir, cfg_options, f'{name}_train', budget
        )
        start = time.time()
        build_runner(cfg).train()
        seconds = time.time() - start
        scores, scored_on = best_scores(work_dir), 'val (best epoch)'
        best = sorted(work_dir.glob('best_*.pth'))
        if test and best:
            test_cfg = experiment_config(
                config, work_dir, cfg_options, f'{name}_test', budget
            )
            test_cfg.load_from = str(best[-1])
            metrics = build_runner(test_cfg).test()
            scores, scored_on = (
                {
                    'Acc': metrics.get('cls/mean_accuracy'),
                    'Rec': metrics.get('cls/mean_recall'),
                    'Prec': metrics.get('cls/mean_precision'),
                },
                'test',
            )
        # percent with two decimals, as the report gives them
        scores = {
            key: None if value is None else round(100 * value, 2)
            for key, value in scores.items()
        }
        report = cfg.get('report_scores') or {}
        row = dict(
            experiment=name,
            **describe(cfg),
            **scores,
            **{
                f'report {key.capitalize()}': value
                for key, value in report.items()
            },
            time=f'{seconds:.0f} s',
            **{'scores on': scored_on},
        )
        rows.append(row)
        write_tables(rows, Path(out_dir))
    return rows


def experiment_config(
    config: str,
    work_dir: Path,
    cfg_options: Optional[dict],
    run: str,
    budget: str = 'full',
) -> Config:
    """The config of one run. Runs share this process, so each gets its own
    experiment and visualizer names (mmengine keys its logger, message hub and
    visualizer by name; a shared name would send one run's scalars to another's
    folder)."""
    cfg = read_config(config)
    apply_budget(cfg, budget)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.work_dir = str(work_dir)
    name_run(cfg, run)
    return cfg


def write_tables(rows: list[dict], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / 'experiments.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)

    def cell(value):
        return '' if value is None else str(value)

    lines = ['| ' + ' | '.join(COLUMNS) + ' |', '|' + ' --- |' * len(COLUMNS)]
    lines += [
        '| ' + ' | '.join(cell(row.get(c, '')) for c in COLUMNS) + ' |'
        for row in rows
    ]
    (out_dir / 'experiments.md').write_text('\n'.join(lines) + '\n')


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--out', required=True)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='settings applied to every run (key=value)',
    )
    parser.add_argument(
        '--budget',
        choices=('short', 'full'),
        default='full',
        help="short: scaled for a CPU (see above); full: the report's setting",
    )
    parser.add_argument(
        '--no-test',
        action='store_true',
        help='skip the test-set evaluation of the best checkpoints',
    )
    args = parser.parse_args(argv)
    rows = run_experiments(
        args.configs,
        args.out,
        args.cfg_options,
        test=not args.no_test,
        budget=args.budget,
    )
    print((Path(args.out) / 'experiments.md').read_text())
    return 0 if rows else 1
