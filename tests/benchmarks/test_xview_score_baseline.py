"""The scorer benchmark's plain implementation of the official rules and ours
write the same bytes, on a submission with many tied scores, unpredicted images
and an empty file.
"""

import importlib.util

from tests.conftest import ROOT


def load_benchmark():
    spec = importlib.util.spec_from_file_location(
        'xview_score_speed', ROOT / 'benchmarks' / 'xview_score_speed.py'
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_baseline_and_ours_write_identical_official_files(tmp_path):
    bench = load_benchmark()
    predictions, truth = bench.make_submission(
        tmp_path,
        scenes=12,
        detections=4000,
        gt_per_scene=300,
        seed=1,
        score_decimals=2,
    )
    sorted(predictions.iterdir())[
        0
    ].unlink()  # an image without a prediction file
    sorted(predictions.iterdir())[1].write_text('')  # an empty prediction file
    bench.baseline_score(predictions, truth, tmp_path / 'baseline')
    bench.ours_score(predictions, truth, tmp_path / 'ours')
    for name in ('score.txt', 'metrics.txt'):
        assert (tmp_path / 'ours' / name).read_bytes() == (
            tmp_path / 'baseline' / name
        ).read_bytes()
    assert float((tmp_path / 'ours' / 'score.txt').read_text()) > 0.1
