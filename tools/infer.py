"""Detect objects in whole scenes (tiled) and draw them.

    python tools/infer.py CONFIG CHECKPOINT scene.tif [more.tif | folder ...] --out DIR
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('inputs', nargs='+', help='GeoTIFF files or folders')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--tile-size', type=int, default=512)
    parser.add_argument('--overlap', type=int, default=64)
    parser.add_argument('--score-thr', type=float, default=0.3, help='threshold for drawing')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    import xview_plugins  # noqa: F401  (registers the plugins)
    from xview_plugins.apis.inference import infer_files
    for png in infer_files(args.config, args.checkpoint, args.inputs, args.out, args.tile_size,
                           args.overlap, args.score_thr, args.device):
        print(f'wrote {png}')


if __name__ == '__main__':
    main()
