"""Convert xView annotations between formats, optionally chipping scenes and
splitting.

    xview-convert data/xView_train.geojson data/xview_coco \
        --from xview --to coco yolo --images data/train_images \
        --chip-size 640 --overlap 64 --val-fraction 0.1 --seed 0
"""

from __future__ import annotations

import argparse
import logging
from typing import Optional, Sequence

from ..convert import SOURCE_FORMATS, TARGET_FORMATS, ConvertOptions, convert
from ..errors import exit_code


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        'src', help='annotation file (GeoJSON, txt, JSON) or YOLO folder'
    )
    parser.add_argument('out', help='output folder, written atomically')
    parser.add_argument(
        '--from', dest='src_format', required=True, choices=SOURCE_FORMATS
    )
    parser.add_argument(
        '--to',
        dest='dst_formats',
        required=True,
        nargs='+',
        choices=TARGET_FORMATS,
        help='one or more target formats',
    )
    parser.add_argument(
        '--images', help='folder of the source images (sizes, chips, links)'
    )
    parser.add_argument(
        '--classes',
        default='benchmark12',
        help="'benchmark12' (default), 'xview60' or a JSON class map",
    )
    parser.add_argument(
        '--tile-size',
        type=int,
        help='cut the scenes into N x N tiles (COCO, YOLO, txt)',
    )
    parser.add_argument(
        '--tile-overlap', type=int, help='overlap of neighbouring tiles (px)'
    )
    parser.add_argument(
        '--chip-size',
        type=int,
        help=(
            'side of a recognition chip (--to recognition; default 224); the'
            ' old name of --tile-size for the scene formats'
        ),
    )
    # the old names (a warning says the new one)
    parser.add_argument('--overlap', type=int, help=argparse.SUPPRESS)
    parser.add_argument('--seed', type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        '--min-visible',
        type=float,
        default=0.5,
        help='keep an object in a chip when this fraction of it is inside',
    )
    parser.add_argument(
        '--keep-empty',
        action='store_true',
        help='also write chips without objects',
    )
    parser.add_argument(
        '--min-size',
        type=float,
        default=2.0,
        help='drop boxes narrower or lower than this (pixels)',
    )
    parser.add_argument(
        '--context',
        type=float,
        default=1.5,
        help='recognition chips: context window = this x the longer box side',
    )
    parser.add_argument(
        '--background',
        type=int,
        default=0,
        metavar='N',
        help=(
            'with --to recognition: also cut N negative chips per scene, as '
            'a last "Background" class (for sliding-window detection)'
        ),
    )
    parser.add_argument(
        '--background-max-overlap',
        type=float,
        default=0.1,
        metavar='F',
        help='a negative chip holds at most this fraction of any object',
    )
    parser.add_argument(
        '--val-fraction',
        type=float,
        default=0.0,
        help='fraction of source scenes held out as val (grouped by scene)',
    )
    parser.add_argument(
        '--split-seed',
        type=int,
        help='draws the val scenes and the background chips (default 0)',
    )
    parser.add_argument(
        '--overwrite', action='store_true', help='replace a non-empty OUT'
    )
    parser.add_argument('--no-progress', action='store_true')
    parser.add_argument(
        '--no-plot', action='store_true', help='skip class_histogram.png'
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(levelname)s %(message)s')
    logging.getLogger('rasterio').setLevel(logging.WARNING)

    def work() -> int:
        # in here: a setting given under both its names is a one-line error
        options = ConvertOptions(
            src_format=args.src_format,
            dst_formats=args.dst_formats,
            images=args.images,
            classes=args.classes,
            tile_size=args.tile_size,
            tile_overlap=args.tile_overlap,
            chip_size=args.chip_size,
            overlap=args.overlap,
            min_visible=args.min_visible,
            keep_empty=args.keep_empty,
            min_size=args.min_size,
            context=args.context,
            background=args.background,
            background_max_overlap=args.background_max_overlap,
            val_fraction=args.val_fraction,
            split_seed=args.split_seed,
            seed=args.seed,
            overwrite=args.overwrite,
            progress=not args.no_progress,
            plot=not args.no_plot,
        )
        report = convert(args.src, args.out, options)
        print(report.table())
        print(f'written to {report.out_dir}')
        return 0

    return exit_code(work, args.out)
