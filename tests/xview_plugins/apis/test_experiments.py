import json

from mmengine.config import Config

from tests.conftest import ROOT
from xview_plugins.apis.experiments import (COLUMNS, best_scores, describe, parse_test_scores,
                                            write_tables)


def test_describe_reads_the_report_columns_from_configs():
    cfg = Config.fromfile(str(ROOT / 'configs' / 'classification' / 'cnn_base.py'))
    cfg.model.weight_penalty = ('l2', 0.001)
    row = describe(cfg)
    assert row['model'] == 'CNN 6' and row['optimizer'] == 'Adam' and row['LR'] == 1e-3
    assert row['N'] == 5000 and row['batch size'] == 32 and row['regularizer'] == 'L2(0.001)'
    assert 'ReduceLR' in row['callbacks'] and 'EarlyStopping' in row['callbacks']
    ffnn = describe(Config.fromfile(str(ROOT / 'configs' / 'classification' / 'ffnn_base.py')))
    assert ffnn['model'] == 'FFNN 3'


def test_best_scores_and_tables(tmp_path):
    log = tmp_path / 'run' / '2026' / 'vis_data'
    log.mkdir(parents=True)
    (log / 'scalars.json').write_text('\n'.join(json.dumps(r) for r in [
        {'cls/mean_accuracy': 0.5, 'cls/mean_recall': 0.2, 'cls/mean_precision': 0.3},
        {'loss': 1.0},
        {'cls/mean_accuracy': 0.7, 'cls/mean_recall': 0.4, 'cls/mean_precision': 0.5}]))
    scores = best_scores(tmp_path / 'run')
    assert scores == {'Acc': 0.7, 'Rec': 0.4, 'Prec': 0.5}
    write_tables([dict(experiment='x', **scores)], tmp_path)
    table = (tmp_path / 'experiments.md').read_text().splitlines()
    assert table[0] == '| ' + ' | '.join(COLUMNS) + ' |' and '0.700' in table[2]
    assert (tmp_path / 'experiments.csv').read_text().startswith('experiment,N,model')


def test_test_scores_come_from_the_last_test_line():
    output = ('Epoch(val) [1][1/1]  cls/mean_accuracy: 0.9  cls/mean_recall: 0.9  '
              'cls/mean_precision: 0.9\n'
              'Epoch(test) [9/9]    cls/mean_accuracy: 0.6406  cls/mean_recall: 0.8562  '
              'cls/mean_precision: 0.5764  data_time: 0.0446')
    assert parse_test_scores(output) == {'Acc': 0.6406, 'Rec': 0.8562, 'Prec': 0.5764}
    assert parse_test_scores('no test here') == {}
