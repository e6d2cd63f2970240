"""Score xView detections with the official rules (a drop-in for the official scorer).

    python tools/xview_score.py PREDICTIONS_DIR GROUND_TRUTH.geojson -o OUT_DIR

PREDICTIONS_DIR holds one <image>.txt per scene (e.g. 2355.tif.txt) with lines
'xmin ymin xmax ymax type_id score'. Writes OUT_DIR/score.txt (mAP) and OUT_DIR/metrics.txt
('key value' lines: map, map/<split>, precision, recall, f1, ap/<type_id>) and
OUT_DIR/precision_recall.png (per-class curves).
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('predictions', help='folder of <image>.txt files')
    parser.add_argument('ground_truth', help='xView GeoJSON (e.g. xView_train.geojson)')
    parser.add_argument('-o', '--out', required=True, help='folder for score.txt, metrics.txt')
    parser.add_argument('--only-predicted-images', action='store_true',
                        help='score only the ground truth of images that have a prediction '
                        'file (default: an image without one has no detections)')
    args = parser.parse_args(argv)
    from xview_data.evaluation import score_submission, write_score_files
    try:
        scores, missing = score_submission(args.predictions, args.ground_truth,
                                           args.only_predicted_images)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if missing:
        print(f'warning: {len(missing)} ground-truth images have no prediction file and count '
              f'as having no detections (e.g. {missing[0]}); --only-predicted-images skips '
              'them', file=sys.stderr)
    metrics = write_score_files(scores, args.out)
    for key, value in metrics.items():
        if not key.startswith('ap/'):
            print(f'{key:<12}{value:.4f}')
    print(f'{len(scores.ap)} classes scored; per-class AP in {Path(args.out) / "metrics.txt"}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
