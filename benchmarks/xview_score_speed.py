"""Official xView scoring speed: ``tools/xview_score.py``'s library path against a
straightforward per-image, per-class Python implementation of the same rules, on a
synthetic submission (600 scenes, 100k detections and xView's 711 ground-truth
boxes per scene by default), reading the same files,
measured in the same run (reading both inputs, scoring, writing score.txt and
metrics.txt; the PR-curve PNG is left out); the two must give identical numbers.

    python benchmarks/xview_score_speed.py [--scenes 600] [--detections 100000]
        [--gt-per-scene 711]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOT_SCORED = {75, 82, 87}


def naive_iou(a, b) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def naive_score(ground_truth: dict, detections: dict, iou_threshold: float = 0.5) -> dict:
    """The rules written plainly. ``ground_truth``: image -> [(box, type_id)];
    ``detections``: image -> [(box, type_id, score)]."""
    classes = sorted({t for objects in ground_truth.values() for _, t in objects} - NOT_SCORED)
    records = defaultdict(list)  # type_id -> [(score, is_tp)]
    n_gt = defaultdict(int)
    for objects in ground_truth.values():
        for _, t in objects:
            n_gt[t] += 1
    for image in sorted(set(ground_truth) | set(detections)):
        for type_id in classes:
            truth = [box for box, t in ground_truth.get(image, []) if t == type_id]
            found = [(box, score) for box, t, score in detections.get(image, [])
                     if t == type_id and score > 0]
            found.sort(key=lambda d: -d[1])
            matched = [False] * len(truth)
            for box, score in found:
                ious = [naive_iou(box, g) for g in truth]
                best = int(np.argmax(ious)) if ious else -1
                if best >= 0 and ious[best] >= iou_threshold and not matched[best]:
                    matched[best] = True
                    records[type_id].append((score, True))
                else:
                    records[type_id].append((score, False))
    ap, precision, recall = {}, {}, {}
    for type_id in classes:
        ranked = sorted(records[type_id], key=lambda r: -r[0])
        tp = fp = 0
        rec, prec = [], []
        for _, hit in ranked:
            tp += hit
            fp += not hit
            rec.append(tp / n_gt[type_id])
            prec.append(tp / (tp + fp + np.finfo(np.float64).eps))
        mrec = [0.0] + rec + [1.0]
        mpre = [0.0] + prec + [0.0]
        for i in range(len(mpre) - 2, -1, -1):
            mpre[i] = max(mpre[i], mpre[i + 1])
        ap[type_id] = sum((mrec[i + 1] - mrec[i]) * mpre[i + 1] for i in range(len(mrec) - 1)
                          if mrec[i + 1] != mrec[i]) if ranked else 0.0
        precision[type_id] = tp / len(ranked) if ranked else 0.0
        recall[type_id] = tp / n_gt[type_id]
    return dict(ap=ap, precision=precision, recall=recall)


def naive_read(predictions_dir: Path, geojson: Path):
    import json
    ground_truth = defaultdict(list)
    for feature in json.loads(geojson.read_text())['features']:
        p = feature['properties']
        box = [float(v) for v in p['bounds_imcoords'].split(',')]
        ground_truth[p['image_id']].append((box, int(p['type_id'])))
    detections = {}
    for path in sorted(predictions_dir.glob('*.txt')):
        rows = []
        for line in path.read_text().splitlines():
            x1, y1, x2, y2, t, s = line.split()
            rows.append(([float(x1), float(y1), float(x2), float(y2)], int(float(t)), float(s)))
        detections[path.name[:-4]] = rows
    return ground_truth, detections


def make_submission(out: Path, scenes: int, detections: int, gt_per_scene: int = 711,
                    seed: int = 0):
    """A GeoJSON of ground truth (``gt_per_scene`` boxes per 3000-px scene: the public
    release's 601,937 features over 847 images) and a folder of predictions: 70 % are
    jittered ground-truth boxes (a tenth of them with a wrong class), the rest random
    false positives."""
    from xview_data.converters import write_xview_geojson
    from xview_data.evaluation import write_submission_file
    from xview_data.structures import AnnotationTable, ImageRecord, SEED12
    rng = np.random.default_rng(seed)
    n_gt = scenes * gt_per_scene
    image = rng.integers(0, scenes, n_gt)
    xy = rng.uniform(0, 2900, (n_gt, 2))
    wh = rng.uniform(8, 100, (n_gt, 2))
    boxes = np.round(np.column_stack([xy, xy + wh]))
    types = rng.choice(np.array(SEED12.type_ids), n_gt, p=np.r_[[0.4, 0.4],
                                                                  np.full(10, 0.02)])
    images = [ImageRecord(f'{1000 + i}.tif', 3000, 3000) for i in range(scenes)]
    write_xview_geojson(AnnotationTable(images, image, boxes, types, np.arange(n_gt)),
                        out / 'truth.geojson')
    picked = rng.choice(n_gt, int(detections * 0.7), replace=False)
    det_boxes = boxes[picked] + rng.normal(0, 4, (len(picked), 4))
    det_types = types[picked].copy()
    wrong = rng.random(len(picked)) < 0.1
    det_types[wrong] = rng.choice(np.array(SEED12.type_ids), int(wrong.sum()))
    det_image = image[picked]
    n_fp = detections - len(picked)
    fp_xy = rng.uniform(0, 2900, (n_fp, 2))
    det_boxes = np.vstack([det_boxes, np.column_stack([fp_xy, fp_xy + rng.uniform(8, 100,
                                                                                  (n_fp, 2))])])
    det_types = np.r_[det_types, rng.choice(np.array(SEED12.type_ids), n_fp)]
    det_image = np.r_[det_image, rng.integers(0, scenes, n_fp)]
    det_boxes = np.round(det_boxes.clip(0), 1)
    scores = np.round(rng.uniform(0.01, 1, detections), 5)
    predictions = out / 'predictions'
    for i in range(scenes):
        mine = det_image == i
        write_submission_file(predictions / f'{1000 + i}.tif.txt', det_boxes[mine],
                              det_types[mine], scores[mine])
    return predictions, out / 'truth.geojson'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--scenes', type=int, default=600)
    parser.add_argument('--detections', type=int, default=100_000)
    parser.add_argument('--gt-per-scene', type=int, default=711)
    args = parser.parse_args()
    from xview_data.evaluation import score_submission, write_score_files
    with tempfile.TemporaryDirectory() as tmp:
        predictions, truth = make_submission(Path(tmp), args.scenes, args.detections,
                                              args.gt_per_scene)
        start = time.perf_counter()
        scores, _ = score_submission(predictions, truth)
        write_score_files(scores, Path(tmp) / 'out', plot=False)
        fast = time.perf_counter() - start
        start = time.perf_counter()
        naive = naive_score(*naive_read(predictions, truth))
        slow = time.perf_counter() - start
    same = (naive['ap'].keys() == scores.ap.keys() and
            all(np.isclose(naive['ap'][t], scores.ap[t], rtol=0, atol=1e-12) and
                naive['precision'][t] == scores.precision[t] and
                naive['recall'][t] == scores.recall[t] for t in scores.ap))
    print(f'{args.scenes} scenes, {args.detections} detections, '
          f'{sum(scores.num_gt.values())} ground-truth boxes, {len(scores.ap)} classes')
    print(f'{"scorer":<28}{"seconds":>10}')
    print(f'{"tools/xview_score.py":<28}{fast:>10.2f}')
    print(f'{"per-image, per-class Python":<28}{slow:>10.2f}')
    naive_map = np.mean(list(naive['ap'].values()))
    print(f'speed-up x{slow / fast:.1f}; mAP {scores.map:.6f} vs {naive_map:.6f}; '
          f'identical per-class AP, precision and recall: {same}')


if __name__ == '__main__':
    main()
