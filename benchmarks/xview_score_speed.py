"""Official xView scoring speed and peak memory: ``tools/xview_score.py``'s
library path against the official rules written the straightforward numpy way
(the GeoJSON read with ``json``, each prediction file with ``np.loadtxt``,
ground truth grouped by image and class once, a numpy IoU matrix and the greedy
loop per image and class, as the official scorer does), on a synthetic
submission: 600 scenes with xView's 711 ground-truth boxes each (about 427k)
and 393k detections by default, scores rounded to 5 decimals (many ties).

Each side runs in its own process, end to end: reading both inputs, scoring,
writing ``score.txt`` and ``metrics.txt`` (the PR plot is left out); a third
process times our reading of the two inputs alone. The two ``score.txt`` and
``metrics.txt`` must be identical bytes; the benchmark fails otherwise.

    python benchmarks/xview_score_speed.py [--scenes 600] [--detections 393000]
        [--gt-per-scene 711] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

SPLITS = {
    'small': [
        17,
        18,
        19,
        20,
        21,
        23,
        24,
        26,
        27,
        28,
        32,
        41,
        60,
        62,
        63,
        64,
        65,
        66,
        91,
    ],
    'medium': [
        11,
        12,
        15,
        25,
        29,
        33,
        34,
        35,
        36,
        37,
        38,
        42,
        44,
        47,
        50,
        53,
        56,
        59,
        61,
        71,
        72,
        73,
        76,
        84,
        86,
        93,
        94,
    ],
    'large': [13, 40, 45, 49, 51, 52, 54, 55, 57, 74, 77, 79, 83, 89],
    'common': [
        13,
        17,
        18,
        19,
        20,
        21,
        23,
        24,
        25,
        26,
        27,
        28,
        34,
        35,
        41,
        47,
        60,
        63,
        64,
        71,
        72,
        73,
        76,
        77,
        79,
        83,
        86,
        89,
        91,
    ],
    'rare': [
        11,
        12,
        15,
        29,
        32,
        33,
        36,
        37,
        38,
        40,
        42,
        44,
        45,
        49,
        50,
        51,
        52,
        53,
        54,
        55,
        56,
        57,
        59,
        61,
        62,
        65,
        66,
        74,
        84,
        93,
        94,
    ],
}
NOT_SCORED = (75, 82, 87)


def baseline_score(
    predictions_dir: Path,
    geojson: Path,
    out_dir: Path,
    iou_threshold: float = 0.5,
) -> None:
    """The official rules, plainly: per scored image and class a numpy IoU
    matrix and the greedy loop; per class the concatenated scores sorted with
    ``np.argsort``.
    """
    features = json.loads(Path(geojson).read_text())['features']
    n = len(features)
    gt_boxes, gt_image, gt_class = (
        np.zeros((n, 4)),
        np.empty(n, object),
        np.zeros(n, np.int64),
    )
    for i, feature in enumerate(features):
        p = feature['properties']
        if (
            p['bounds_imcoords'] == []
        ):  # the official reader: type 0 of an image 'None'
            gt_image[i] = 'None'
            continue
        gt_boxes[i] = [int(v) for v in p['bounds_imcoords'].split(',')]
        gt_image[i], gt_class[i] = p['image_id'], p['type_id']
    classes = np.unique(gt_class)
    # group the ground truth by (image, class) once
    image_names, image_code = np.unique(
        gt_image.astype(str), return_inverse=True
    )
    key = image_code * len(classes) + np.searchsorted(classes, gt_class)
    order = np.argsort(key, kind='stable')
    starts = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]])
    groups = dict(
        zip(key[order][starts].tolist(), np.split(order, starts[1:]))
    )
    code_of = {name: k for k, name in enumerate(image_names.tolist())}

    detections = {}
    for path in Path(predictions_dir).glob('*.txt'):
        with (
            warnings.catch_warnings()
        ):  # an empty file is an image without detections
            warnings.simplefilter('ignore', UserWarning)
            rows = np.loadtxt(path, ndmin=2).reshape(-1, 6)
        detections[path.name[:-4]] = rows[rows[:, 5] > 0]

    scores_of = {int(c): [] for c in classes}
    matched_of = {int(c): [] for c in classes}
    num_gt = {int(c): 0 for c in classes}
    for name in sorted(detections):
        rows = detections[name]
        for k, c in enumerate(classes.tolist()):
            mine = rows[rows[:, 4] == c]
            if not len(mine):
                continue
            ranked = mine[np.argsort(mine[:, 5])[::-1]]
            scores_of[c] += ranked[:, 5].tolist()
            code = code_of.get(name)
            truth = (
                gt_boxes[groups.get(code * len(classes) + k, [])]
                if code is not None
                else np.zeros((0, 4))
            )
            num_gt[c] += len(truth)
            hit = np.zeros(len(ranked), bool)
            if len(truth):
                d, g = ranked[:, None, :4], truth[None]
                iw = (
                    np.minimum(d[..., 2], g[..., 2])
                    - np.maximum(d[..., 0], g[..., 0])
                ).clip(0)
                ih = (
                    np.minimum(d[..., 3], g[..., 3])
                    - np.maximum(d[..., 1], g[..., 1])
                ).clip(0)
                area_d = (d[..., 2] - d[..., 0]) * (d[..., 3] - d[..., 1])
                area_g = (g[..., 2] - g[..., 0]) * (g[..., 3] - g[..., 1])
                with np.errstate(invalid='ignore', divide='ignore'):
                    iou = iw * ih / (area_d + area_g - iw * ih)
                taken = np.zeros(len(truth), bool)
                for i, j in enumerate(np.argmax(iou, axis=1)):
                    if iou[i, j] >= iou_threshold and not taken[j]:
                        taken[j] = hit[i] = True
            matched_of[c] += hit.tolist()

    slots = max(100, int(classes.max()) + 1)
    ap, precision, recall = (np.full(slots, np.nan) for _ in range(3))
    for c in classes.tolist():
        if c in NOT_SCORED:
            continue
        if num_gt[c] == 0:
            ap[c] = 0.0
            continue
        hits = np.array(matched_of[c], bool)[
            np.argsort(np.array(scores_of[c]))[::-1]
        ]
        tp, fp = np.cumsum(hits), np.cumsum(~hits)
        prec = tp / (tp + fp + np.spacing(1))
        rec = tp / float(num_gt[c])
        mrec = np.concatenate([[0.0], rec, [1.0]])
        mpre = np.maximum.accumulate(
            np.concatenate([[0.0], prec, [0.0]])[::-1]
        )[::-1]
        i = np.flatnonzero(mrec[1:] != mrec[:-1]) + 1
        ap[c] = np.sum((mrec[i] - mrec[i - 1]) * mpre[i])
        precision[c] = hits.sum() / len(hits)
        recall[c] = hits.sum() / num_gt[c]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)
        values = {
            'map': np.nanmean(ap),
            'map_score': np.nanmean(precision),
            'mar_score': np.nanmean(recall),
        }
        values.update(
            {
                f'map/{s}': np.nanmean(ap[members])
                for s, members in SPLITS.items()
            }
        )
    values.update({c: ap[c] for c in classes.tolist()})
    values['f1'] = 2 / (
        1 / (np.spacing(1) + values['map_score'])
        + 1 / (np.spacing(1) + values['mar_score'])
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / 'score.txt').write_text('%.8f' % values['map'])
    (out_dir / 'metrics.txt').write_text(
        ''.join('%s %f\n' % kv for kv in values.items())
    )


def ours_read(predictions_dir: Path, geojson: Path, out_dir: Path) -> None:
    """Reading both inputs alone: the part of ours that scoring cannot speed
    up."""
    from xview_data.evaluation import read_scoring_ground_truth
    from xview_data.formats import read_submission

    read_submission(predictions_dir)
    read_scoring_ground_truth(geojson)


def ours_score(predictions_dir: Path, geojson: Path, out_dir: Path) -> None:
    from xview_data.evaluation import score_submission, write_score_files

    scores, _ = score_submission(predictions_dir, geojson)
    write_score_files(scores, out_dir, plot=False)


def make_submission(
    out: Path,
    scenes: int,
    detections: int,
    gt_per_scene: int = 711,
    seed: int = 0,
    score_decimals: int = 5,
):
    """A GeoJSON of ground truth (``gt_per_scene`` boxes per 3000-px scene: the
    public release's 601,937 features over 847 images) and a folder of
    predictions: 70 % are jittered ground-truth boxes (a tenth of them with a
    wrong class), the rest random false positives; scores rounded to
    ``score_decimals``."""
    from xview_data.formats import write_submission_file, write_xview_geojson
    from xview_data.structures import BENCHMARK12, AnnotationTable, ImageRecord

    rng = np.random.default_rng(seed)
    n_gt = scenes * gt_per_scene
    image = rng.integers(0, scenes, n_gt)
    xy = rng.uniform(0, 2900, (n_gt, 2))
    wh = rng.uniform(8, 100, (n_gt, 2))
    boxes = np.round(np.column_stack([xy, xy + wh]))
    types = rng.choice(
        np.array(BENCHMARK12.type_ids),
        n_gt,
        p=np.r_[[0.4, 0.4], np.full(10, 0.02)],
    )
    images = [
        ImageRecord(f'{1000 + i}.tif', 3000, 3000) for i in range(scenes)
    ]
    write_xview_geojson(
        AnnotationTable(images, image, boxes, types, np.arange(n_gt)),
        out / 'truth.geojson',
    )
    picked = rng.choice(n_gt, min(n_gt, int(detections * 0.7)), replace=False)
    det_boxes = boxes[picked] + rng.normal(0, 4, (len(picked), 4))
    det_types = types[picked].copy()
    wrong = rng.random(len(picked)) < 0.1
    det_types[wrong] = rng.choice(
        np.array(BENCHMARK12.type_ids), int(wrong.sum())
    )
    det_image = image[picked]
    n_fp = detections - len(picked)
    fp_xy = rng.uniform(0, 2900, (n_fp, 2))
    det_boxes = np.vstack(
        [
            det_boxes,
            np.column_stack([fp_xy, fp_xy + rng.uniform(8, 100, (n_fp, 2))]),
        ]
    )
    det_types = np.r_[
        det_types, rng.choice(np.array(BENCHMARK12.type_ids), n_fp)
    ]
    det_image = np.r_[det_image, rng.integers(0, scenes, n_fp)]
    det_boxes = np.round(det_boxes.clip(0), 1)
    scores = np.round(rng.uniform(0.01, 1, detections), score_decimals)
    predictions = out / 'predictions'
    for i in range(scenes):
        mine = det_image == i
        write_submission_file(
            predictions / f'{1000 + i}.tif.txt',
            det_boxes[mine],
            det_types[mine],
            scores[mine],
        )
    return predictions, out / 'truth.geojson'


def _peak_rss_mb() -> float:
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    return float('nan')


def _child(side: str, predictions: str, truth: str, out: str) -> None:
    run = dict(ours=ours_score, reading=ours_read, baseline=baseline_score)[
        side
    ]
    if side != 'baseline':
        import xview_data.evaluation  # noqa: F401  (imports are not part of the timing)
    start = time.perf_counter()
    run(Path(predictions), Path(truth), Path(out))
    print(
        json.dumps(
            dict(seconds=time.perf_counter() - start, peak_mb=_peak_rss_mb())
        )
    )


def _measure(side: str, predictions: Path, truth: Path, out: Path) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            '--child',
            side,
            str(predictions),
            str(truth),
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--scenes', type=int, default=600)
    parser.add_argument('--detections', type=int, default=393_000)
    parser.add_argument('--gt-per-scene', type=int, default=711)
    parser.add_argument(
        '--repeat', type=int, default=3, help='runs per side; best kept'
    )
    parser.add_argument('--child', nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        predictions, truth = make_submission(
            tmp, args.scenes, args.detections, args.gt_per_scene
        )
        runs = {'ours': [], 'reading': [], 'baseline': []}
        for _ in range(
            args.repeat
        ):  # interleaved: both sides see the same machine load
            for side in runs:
                runs[side].append(
                    _measure(side, predictions, truth, tmp / side)
                )
        for name in ('score.txt', 'metrics.txt'):
            ours, base = (
                (tmp / 'ours' / name).read_bytes(),
                (tmp / 'baseline' / name).read_bytes(),
            )
            if ours != base:
                raise SystemExit(
                    f'{name} differs between tools/xview_score.py and the'
                    ' baseline'
                )
        best = {
            side: min(r['seconds'] for r in rs) for side, rs in runs.items()
        }
        peak = {
            side: max(r['peak_mb'] for r in rs) for side, rs in runs.items()
        }
        n_gt = json.loads(truth.read_bytes()).get('features').__len__()
        print(
            f'{args.scenes} scenes, {args.detections} detections, {n_gt}'
            f' ground-truth boxes; best of {args.repeat} runs each, end to end'
            ' (read, score, write)'
        )
        print(f'{"scorer":<40}{"seconds":>10}{"peak MB":>10}')
        print(
            f'{"tools/xview_score.py":<40}{best["ours"]:>10.2f}{peak["ours"]:>10.0f}'
        )
        print(
            f'{"  of which reading both inputs":<40}{best["reading"]:>10.2f}'
            f'{peak["reading"]:>10.0f}'
        )
        print(
            f'{"straightforward numpy baseline":<40}{best["baseline"]:>10.2f}'
            f'{peak["baseline"]:>10.0f}'
        )
        print(
            f'speed-up x{best["baseline"] / best["ours"]:.1f}; peak memory'
            f' x{peak["ours"] / peak["baseline"]:.2f} of the baseline;'
            ' score.txt and metrics.txt identical (mAP'
            f' {(tmp / "ours" / "score.txt").read_text()})'
        )


if __name__ == '__main__':
    main()
