"""tools/xview_score.py: the official scorer's inputs and outputs, and its bad-input errors."""
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT, write_geojson
from xview_data.evaluation import read_submission_file, score_submission, write_submission_file


def run_score(*args):
    return subprocess.run([sys.executable, str(ROOT / 'tools' / 'xview_score.py'), *map(str, args)],
                          capture_output=True, text=True)


@pytest.fixture
def truth(tmp_path):
    return write_geojson(tmp_path / 'truth.geojson', [
        ('0,0,10,10', 18, 'a.tif'), ('20,20,30,30', 18, 'a.tif'), ('50,50,90,90', 13, 'a.tif'),
        ('0,0,10,10', 18, 'b.tif')])


def test_cli_writes_score_and_metrics(truth, tmp_path):
    predictions = tmp_path / 'pred'
    write_submission_file(predictions / 'a.tif.txt', [[0, 0, 10, 10], [40, 40, 45, 45]], [18, 18],
                          [0.9, 0.8])
    write_submission_file(predictions / 'b.tif.txt', [[0, 0, 10, 10]], [18], [0.7])
    result = run_score(predictions, truth, '-o', tmp_path / 'out')
    assert result.returncode == 0, result.stderr
    score = float((tmp_path / 'out' / 'score.txt').read_text())
    lines = (tmp_path / 'out' / 'metrics.txt').read_text().splitlines()
    metrics = dict(line.split() for line in lines)
    assert score == pytest.approx((1 / 3 + 2 / 9) / 2) == pytest.approx(float(metrics['map']))
    assert float(metrics['ap/13']) == 0.0 and 'map/small' in metrics and 'f1' in metrics
    assert (tmp_path / 'out' / 'precision_recall.png').stat().st_size > 1000


def test_images_without_a_prediction_file_count_as_no_detections(truth, tmp_path):
    predictions = tmp_path / 'pred'
    write_submission_file(predictions / 'b.tif.txt', [[0, 0, 10, 10]], [18], [0.7])
    scores, missing = score_submission(predictions, truth)
    assert missing == ['a.tif'] and scores.recall[18] == pytest.approx(1 / 3)
    scores, _ = score_submission(predictions, truth, only_predicted_images=True)
    assert scores.recall[18] == 1.0 and sorted(scores.ap) == [18]
    result = run_score(predictions, truth, '-o', tmp_path / 'out')
    assert 'a.tif' in result.stderr and result.returncode == 0


@pytest.mark.parametrize('text,message', [
    ('1 2 3 4 18\n', 'line 1'),
    ('1 2 3 4 18 0.5\n1 2 3 4 18 x\n', 'line 2'),
    ('1 2 3 4 18 1.5\n', 'score outside'),
    ('-1 2 3 4 18 0.5\n', 'negative coordinates'),
])
def test_bad_prediction_files_are_named(truth, tmp_path, text, message):
    predictions = tmp_path / 'pred'
    predictions.mkdir()
    (predictions / 'a.tif.txt').write_text(text)
    result = run_score(predictions, truth, '-o', tmp_path / 'out')
    assert result.returncode == 2 and message in result.stderr and 'a.tif' in result.stderr
    assert not (tmp_path / 'out').exists()


def test_submission_files_round_trip(tmp_path):
    path = tmp_path / 'x.tif.txt'
    write_submission_file(path, np.array([[1.5, 2, 3, 4]]), [18], [0.123456])
    assert read_submission_file(path).tolist() == [[1.5, 2.0, 3.0, 4.0, 18.0, 0.12346]]
    (tmp_path / 'empty.txt').write_text('')
    assert read_submission_file(tmp_path / 'empty.txt').shape == (0, 6)
