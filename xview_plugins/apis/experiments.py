"""Run a list of classification configs and tabulate them with the report's columns."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

COLUMNS = ['experiment', 'N', 'model', 'epochs', 'LR', 'optimizer', 'activation', 'batch size',
           'callbacks', 'regularizer', 'initializer', 'dropout', 'BN', 'Acc', 'Rec', 'Prec',
           'time']


def describe(cfg) -> dict:
    """The report's setting columns, read from a config."""
    backbone = cfg.model.backbone
    if backbone.type == 'SeedCNN':
        model = f'CNN {backbone.get("model", 6)}'
    else:
        model = f'FFNN {backbone.get("model", 3)}' if backbone.get('hidden') is None else \
            f'FFNN {tuple(backbone.hidden)}'
    callbacks = [s['type'].replace('ReduceOnPlateauLR', f'ReduceLR(p={s.get("patience")}, '
                                   f'f={s.get("factor")})')
                 for s in cfg.get('param_scheduler', []) or []]
    callbacks += [f'EarlyStopping(p={h.get("patience")})' for h in cfg.get('custom_hooks', [])
                  if h['type'] == 'EarlyStoppingHook']
    penalty = cfg.model.get('weight_penalty')
    optimizer = cfg.optim_wrapper.optimizer
    return {'N': cfg.train_dataloader.dataset.get('max_per_class'), 'model': model,
            'epochs': cfg.train_cfg.max_epochs, 'LR': optimizer.lr, 'optimizer': optimizer.type,
            'activation': backbone.get('act', 'relu'),
            'batch size': cfg.train_dataloader.batch_size, 'callbacks': ', '.join(callbacks),
            'regularizer': f'{penalty[0].upper()}({penalty[1]})' if penalty else '',
            'initializer': backbone.get('init', 'he_uniform'),
            'dropout': backbone.get('dropout', 0.0), 'BN': bool(backbone.get('batch_norm'))}


def best_scores(work_dir: Path) -> dict:
    """Validation scores of the best epoch, from the run's scalars log."""
    best = {}
    for scalars in sorted(work_dir.glob('*/vis_data/scalars.json')):
        for line in scalars.read_text().splitlines():
            record = json.loads(line)
            if 'cls/mean_accuracy' in record and record['cls/mean_accuracy'] >= best.get(
                    'cls/mean_accuracy', -1):
                best = record
    return {'Acc': best.get('cls/mean_accuracy'), 'Rec': best.get('cls/mean_recall'),
            'Prec': best.get('cls/mean_precision')}


def run_experiments(configs: Sequence[str], out_dir: str, extra_options: Optional[list] = None,
                    python: str = sys.executable) -> list[dict]:
    """Train every config with ``tools/train.py`` (work dir ``out_dir/<config name>``) and
    write ``out_dir/experiments.md`` and ``experiments.csv``."""
    from mmengine.config import Config
    root = Path(__file__).resolve().parents[2]
    rows = []
    for config in configs:
        name = Path(config).stem
        work_dir = Path(out_dir) / name
        cfg = Config.fromfile(config)
        if extra_options:
            from mmengine.config import DictAction
            import argparse
            parser = argparse.ArgumentParser()
            parser.add_argument('--o', nargs='+', action=DictAction)
            cfg.merge_from_dict(parser.parse_args(['--o', *extra_options]).o)
        start = time.time()
        command = [python, str(root / 'tools' / 'train.py'), config, '--work-dir', str(work_dir)]
        if extra_options:
            command += ['--cfg-options', *extra_options]
        subprocess.run(command, check=True)
        row = dict(experiment=name, **describe(cfg), **best_scores(work_dir),
                   time=f'{time.time() - start:.0f} s')
        rows.append(row)
        write_tables(rows, Path(out_dir))
    return rows


def write_tables(rows: list[dict], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / 'experiments.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)

    def cell(value):
        return f'{value:.3f}' if isinstance(value, float) and value < 1.5 else str(value)
    lines = ['| ' + ' | '.join(COLUMNS) + ' |', '|' + ' --- |' * len(COLUMNS)]
    lines += ['| ' + ' | '.join(cell(row.get(c, '')) for c in COLUMNS) + ' |' for row in rows]
    (out_dir / 'experiments.md').write_text('\n'.join(lines) + '\n')
