"""tools/xview_score.py: the official scorer's inputs and outputs, and its
bad-input errors."""

import csv
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT, write_geojson
from xview_data.evaluation import score_submission
from xview_data.formats import read_submission_file, write_submission_file


def run_score(*args):
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / 'tools' / 'xview_score.py'),
            *map(str, args),
        ],
        capture_output=True,
        text=True,
    )


@pytest.fixture
def truth(tmp_path):
    # a.tif: two cars; b.tif: a car and a cargo plane (13); c.tif: a car, never
    # predicted
    return write_geojson(
        tmp_path / 'truth.geojson',
        [
            ('0,0,10,10', 18, 'a.tif'),
            ('20,20,30,30', 18, 'a.tif'),
            ('0,0,10,10', 18, 'b.tif'),
            ('50,50,90,90', 13, 'b.tif'),
            ('0,0,10,10', 18, 'c.tif'),
            ('0,0,5,5', 75, 'a.tif'),
        ],
    )


@pytest.fixture
def predictions(tmp_path):
    out = tmp_path / 'pred'
    # cars predicted in a.tif only, the plane in b.tif; c.tif has no prediction
    # file
    write_submission_file(out / 'a.tif.txt', [[0, 0, 10, 10]], [18], [0.9])
    write_submission_file(out / 'b.tif.txt', [[50, 50, 90, 90]], [13], [0.8])
    return out


# official: 18 counts a.tif's two cars only (1 TP: AP 0.5), 13 has AP 1 -> mAP
# 0.75
OFFICIAL_METRICS = """map 0.750000
map_score 1.000000
mar_score 0.750000
map/small 0.500000
map/medium nan
map/large 1.000000
map/common 0.750000
map/rare nan
13 1.000000
18 0.500000
75 nan
f1 0.857143
"""


def test_cli_writes_the_official_files_byte_for_byte(
    truth, predictions, tmp_path
):
    result = run_score(predictions, truth, '-o', tmp_path / 'out')
    assert result.returncode == 0, result.stderr
    assert (tmp_path / 'out' / 'score.txt').read_bytes() == b'0.75000000'
    assert (tmp_path / 'out' / 'metrics.txt').read_text() == OFFICIAL_METRICS
    assert 'c.tif' in result.stderr and 'not scored' in result.stderr
    rows = list(csv.DictReader((tmp_path / 'out' / 'per_class.csv').open()))
    assert [
        (r['type_id'], r['name'], r['num_gt'], r['num_det']) for r in rows
    ] == [
        ('13', 'Passenger/Cargo Plane', '1', '1'),
        ('18', 'Small Car', '2', '1'),
    ]
    assert float(rows[1]['recall']) == 0.5
    assert (tmp_path / 'out' / 'precision_recall.png').stat().st_size > 1000


def test_the_plot_never_changes_the_official_files(
    truth, predictions, tmp_path
):
    run_score(predictions, truth, '-o', tmp_path / 'plain', '--no-plot')
    run_score(predictions, truth, '-o', tmp_path / 'plotted')
    assert not (tmp_path / 'plain' / 'precision_recall.png').exists()
    for name in ('score.txt', 'metrics.txt', 'per_class.csv'):
        assert (tmp_path / 'plain' / name).read_bytes() == (
            tmp_path / 'plotted' / name
        ).read_bytes()


def test_count_all_ground_truth_counts_every_box_of_every_image(
    truth, predictions, tmp_path
):
    result = run_score(
        predictions, truth, '-o', tmp_path / 'out', '--count-all-ground-truth'
    )
    assert result.returncode == 0, result.stderr
    # 18: 1 TP of 4 cars -> AP 0.25; mAP (1 + 0.25) / 2
    assert (tmp_path / 'out' / 'score.txt').read_text() == '0.62500000'
    assert 'count as images without detections' in result.stderr
    scores, missing = score_submission(
        predictions, truth, count_all_ground_truth=True
    )
    assert missing == ['c.tif'] and scores.num_gt == {13: 1, 18: 4}


def test_an_empty_prediction_file_scores_the_image_with_no_detections(
    truth, predictions, tmp_path
):
    (predictions / 'c.tif.txt').write_text('')
    scores, missing = score_submission(predictions, truth)
    assert missing == [] and scores.num_gt == {
        13: 1,
        18: 2,
    }  # c.tif: no car detection
    scores, _ = score_submission(
        predictions, truth, count_all_ground_truth=True
    )
    assert scores.num_gt == {13: 1, 18: 4}


def test_empty_bounds_list_is_type_id_0_as_officially(tmp_path):
    # the official reader turns a feature with bounds_imcoords [] into type id
    # 0 of image 'None': a class with ground truth that no detection counts ->
    # AP 0 in the mean
    truth = write_geojson(
        tmp_path / 'truth.geojson',
        [('0,0,10,10', 18, 'a.tif'), ([], 18, 'a.tif')],
    )
    write_submission_file(
        tmp_path / 'pred' / 'a.tif.txt', [[0, 0, 10, 10]], [18], [0.9]
    )
    scores, _ = score_submission(tmp_path / 'pred', truth)
    assert scores.type_ids == [0, 18] and scores.ap[0] == 0.0
    # float64 with the official eps (1e-16) in precision: within 1e-12
    assert scores.metrics()['map'] == pytest.approx(0.5, abs=1e-12)
    scores, _ = score_submission(
        tmp_path / 'pred', truth, count_all_ground_truth=True
    )
    assert scores.type_ids == [18]


@pytest.mark.parametrize(
    'text,message',
    [
        (
            '1 2 3 4 18\n',
            "line 1: expected 'xmin ymin xmax ymax type_id score'",
        ),
        ('1 2 3 4 18 0.5\n1 2 3 4 18 x\n', 'line 2: expected'),
        (
            '1 2 3 4 18 0.5\n1 2 3 4 18 -0.5\n',
            'line 2: score -0.5 is outside [0, 1]',
        ),
        ('1 2 3 4 18 1.5\n', 'line 1: score 1.5 is outside [0, 1]'),
        ('-1 2 3 4 18 0.5\n', 'line 1: negative coordinates'),
        (
            '1 2 3 4 18.5 0.5\n',
            'line 1: type_id 18.5 is not a non-negative integer',
        ),
        (
            '1 2 3 4 -18 0.5\n',
            'line 1: type_id -18 is not a non-negative integer',
        ),
        ('1 2 3 nan 18 0.5\n', 'line 1: a value is not a finite number'),
        ('\n1 2 3 1e999 18 0.5\n', 'line 2: a value is not a finite number'),
        ('1_00 2 3 4 18 0.5\n', 'line 1: expected'),
    ],
)
def test_bad_prediction_files_are_named_with_the_line(
    truth, tmp_path, text, message
):
    predictions = tmp_path / 'pred'
    predictions.mkdir()
    (predictions / 'a.tif.txt').write_text(text)
    result = run_score(predictions, truth, '-o', tmp_path / 'out')
    assert (
        result.returncode == 2
        and message in result.stderr
        and 'a.tif.txt' in result.stderr
    )
    assert 'Traceback' not in result.stderr and not (tmp_path / 'out').exists()


def test_a_folder_without_prediction_files_is_refused(truth, tmp_path):
    (tmp_path / 'pred').mkdir()
    result = run_score(tmp_path / 'pred', truth, '-o', tmp_path / 'out')
    assert (
        result.returncode == 2
        and 'no <image>.txt prediction files' in result.stderr
    )


def test_submission_files_round_trip(tmp_path):
    path = tmp_path / 'x.tif.txt'
    write_submission_file(path, np.array([[1.5, 2, 3, 4]]), [18], [0.123456])
    assert read_submission_file(path).tolist() == [
        [1.5, 2.0, 3.0, 4.0, 18.0, 0.12346]
    ]
    (tmp_path / 'empty.txt').write_text('')
    assert read_submission_file(tmp_path / 'empty.txt').shape == (0, 6)
