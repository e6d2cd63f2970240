import json

from mmengine.config import Config

from tests.conftest import ROOT
from xview_plugins.cli.run_experiments import (
    COLUMNS,
    apply_budget,
    best_scores,
    describe,
    run_experiments,
    write_tables,
)


def test_describe_reads_the_report_columns_from_configs():
    cfg = Config.fromfile(
        str(ROOT / 'configs' / 'classification' / 'cnn_base.py')
    )
    cfg.model.weight_penalty = ('l2', 0.001)
    row = describe(cfg)
    assert (
        row['model'] == 'CNN 6'
        and row['optimizer'] == 'Adam'
        and row['LR'] == 1e-3
    )
    assert (
        row['N'] == 5000
        and row['batch size'] == 32
        and row['regularizer'] == 'L2(0.001)'
    )
    assert (
        'ReduceLR' in row['callbacks'] and 'EarlyStopping' in row['callbacks']
    )
    ffnn = describe(
        Config.fromfile(
            str(ROOT / 'configs' / 'classification' / 'ffnn_base.py')
        )
    )
    assert ffnn['model'] == 'FFNN 3'


def test_best_scores_and_tables(tmp_path):
    log = tmp_path / 'run' / '2026' / 'vis_data'
    log.mkdir(parents=True)
    (log / 'scalars.json').write_text(
        '\n'.join(
            json.dumps(r)
            for r in [
                {
                    'cls/mean_accuracy': 0.5,
                    'cls/mean_recall': 0.2,
                    'cls/mean_precision': 0.3,
                },
                {'loss': 1.0},
                {
                    'cls/mean_accuracy': 0.7,
                    'cls/mean_recall': 0.4,
                    'cls/mean_precision': 0.5,
                },
            ]
        )
    )
    scores = best_scores(tmp_path / 'run')
    assert scores == {'Acc': 0.7, 'Rec': 0.4, 'Prec': 0.5}
    write_tables(
        [dict(experiment='x', Acc=70.0, **{'report Acc': 12.65})], tmp_path
    )
    table = (tmp_path / 'experiments.md').read_text().splitlines()
    assert table[0] == '| ' + ' | '.join(COLUMNS) + ' |'
    assert '| 70.0 |' in table[2] and '| 12.65 |' in table[2]
    assert (
        (tmp_path / 'experiments.csv')
        .read_text()
        .startswith('experiment,N,image size,model')
    )


def test_short_budget_scales_every_experiment_the_same_way():
    cfg = Config.fromfile(
        str(ROOT / 'configs' / 'classification' / 'exp31_cnn-m6.py')
    )
    full = describe(cfg)
    apply_budget(cfg, 'full')
    assert describe(cfg) == full
    apply_budget(cfg, 'short')
    row = describe(cfg)
    assert row['N'] == 100 and row['image size'] == 64
    assert row['epochs'] == round(28 / 5)
    assert {
        k: v for k, v in row.items() if k not in ('N', 'image size', 'epochs')
    } == {
        k: v for k, v in full.items() if k not in ('N', 'image size', 'epochs')
    }
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert (
            dict(type='Resize', scale=(64, 64), keep_ratio=False)
            in cfg[loader].dataset.pipeline
        )
    assert cfg.val_dataloader.dataset.max_per_class == 100
    assert cfg.test_dataloader.dataset.get('max_per_class') is None


def test_experiments_run_in_process_each_in_its_own_folder(
    synthetic_release, tmp_path, monkeypatch
):
    import subprocess
    import sys

    popen = subprocess.Popen

    class NoPython(
        popen
    ):  # mmengine may still run `gcc --version` for its env table
        def __init__(self, args, *rest, **kwargs):
            assert sys.executable not in str(args) and 'tools' not in str(
                args
            ), args
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, 'Popen', NoPython)
    root = f'{synthetic_release}/recognition/'
    options = {
        f'{loader}.{key}': value
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
        for key, value in (
            ('num_workers', 0),
            ('persistent_workers', False),
            ('dataset.data_root', root),
        )
    }
    options.update(
        {
            'train_dataloader.dataset.max_per_class': 6,
            'train_cfg.max_epochs': 1,
        }
    )
    names = ['exp01_ffnn-m1', 'exp18_cnn-m1']
    configs = [
        str(ROOT / 'configs' / 'classification' / f'{name}.py')
        for name in names
    ]
    rows = run_experiments(configs, str(tmp_path), options, budget='short')
    assert [row['experiment'] for row in rows] == names
    assert all(
        row['scores on'] == 'test'
        and 0 <= row['Acc'] <= 100
        and row['image size'] == 64
        for row in rows
    )
    assert [row['report Acc'] for row in rows] == [12.65, 35.08]
    for name in names:  # each run's scalars in its own folder
        scalars = list((tmp_path / name).glob('*/vis_data/scalars.json'))
        assert (
            len(scalars) == 1 and 'cls/mean_accuracy' in scalars[0].read_text()
        )
    assert 'exp18_cnn-m1' in (tmp_path / 'experiments.md').read_text()
