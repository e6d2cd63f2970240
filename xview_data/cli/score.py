"""Score xView detections with the official rules (a drop-in for the official
scorer).

    xview-score PREDICTIONS_DIR GROUND_TRUTH.geojson -o OUT_DIR

PREDICTIONS_DIR holds one <image>.txt per scene (e.g. 2355.tif.txt) with lines
'xmin ymin xmax ymax type_id score'. Writes, as the official scorer does,
OUT_DIR/score.txt (the mAP, "%.8f") and OUT_DIR/metrics.txt ("%s %f" lines:
map, map_score, mar_score, the five splits, the AP of each ground-truth type
id, f1); beside them per_class.csv (AP, precision, recall, ground-truth and
detection counts) and precision_recall.png.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from ..errors import exit_code


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument('predictions', help='folder of <image>.txt files')
    parser.add_argument(
        'ground_truth', help='xView GeoJSON (e.g. xView_train.geojson)'
    )
    parser.add_argument(
        '-o',
        '--out',
        required=True,
        help='folder for score.txt, metrics.txt, per_class.csv and the plot',
    )
    parser.add_argument(
        '--count-all-ground-truth',
        action='store_true',
        help=(
            'corrected variant: every ground-truth box of every image counts'
            ' (default: the official rule, a class counts only in images'
            ' holding a detection of it, and only images with a prediction'
            ' file count)'
        ),
    )
    parser.add_argument(
        '--no-plot', action='store_true', help='skip precision_recall.png'
    )
    args = parser.parse_args(argv)
    return exit_code(lambda: score(args), args.out)


def score(args: argparse.Namespace) -> int:
    from ..evaluation import score_submission, write_score_files
    from ..evaluation.submission import SCORE_FILES
    from ..io import ensure_not_input

    # OUT gains four files: never in the predictions' folder (they would be
    # read as predictions next time), never over an input
    ensure_not_input(args.out, args.predictions)
    for name in SCORE_FILES:
        ensure_not_input(Path(args.out) / name, args.ground_truth)
    scores, missing = score_submission(
        args.predictions, args.ground_truth, args.count_all_ground_truth
    )
    if missing:
        effect = (
            'count as images without detections'
            if args.count_all_ground_truth
            else (
                'are not scored (official rule; --count-all-ground-truth'
                ' counts them)'
            )
        )
        print(
            f'warning: {len(missing)} ground-truth images have no prediction'
            f' file and {effect} (e.g. {missing[0]})',
            file=sys.stderr,
        )
    metrics = write_score_files(scores, args.out, plot=not args.no_plot)
    for key in ('map', 'map_score', 'mar_score', 'f1'):
        print(f'{key:<12}{metrics[key]:.8f}')
    variant = (
        'every ground-truth box counted'
        if args.count_all_ground_truth
        else 'official rules'
    )
    print(
        f'{len(scores.ap)} classes scored ({variant}); per-class AP in'
        f' {Path(args.out) / "metrics.txt"}, details in'
        f' {Path(args.out) / "per_class.csv"}'
    )
    return 0
