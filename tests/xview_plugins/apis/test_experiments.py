import json

from mmengine.config import Config

from tests.conftest import ROOT
from xview_plugins.apis.experiments import (
    COLUMNS,
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
    write_tables([dict(experiment='x', **scores)], tmp_path)
    table = (tmp_path / 'experiments.md').read_text().splitlines()
    assert (
        table[0] == '| ' + ' | '.join(COLUMNS) + ' |' and '0.700' in table[2]
    )
    assert (
        (tmp_path / 'experiments.csv')
        .read_text()
        .startswith('experiment,N,model')
    )


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
    options = [
        f'{loader}.{key}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
        for key in (
            'num_workers=0',
            'persistent_workers=False',
            f'dataset.data_root={root}',
        )
    ]
    options += [
        'train_dataloader.dataset.max_per_class=6',
        'train_cfg.max_epochs=1',
    ]
    configs = [
        str(ROOT / 'configs' / 'classification' / name)
        for name in ('ffnn_base.py', 'compare/ffnn-model3_short.py')
    ]
    rows = run_experiments(configs, str(tmp_path), options)
    assert [row['experiment'] for row in rows] == [
        'ffnn_base',
        'ffnn-model3_short',
    ]
    assert all(
        row['scores on'] == 'test' and 0 <= row['Acc'] <= 1 for row in rows
    )
    for name in (
        'ffnn_base',
        'ffnn-model3_short',
    ):  # each run's scalars in its own folder
        scalars = list((tmp_path / name).glob('*/vis_data/scalars.json'))
        assert (
            len(scalars) == 1 and 'cls/mean_accuracy' in scalars[0].read_text()
        )
    assert 'ffnn-model3_short' in (tmp_path / 'experiments.md').read_text()
