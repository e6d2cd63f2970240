"""Detect objects in whole scenes: the config's detector run by tiles in
batches (SlicedInference), merged across tiles, with outputs for the xView
scorer and GIS tools.

    xview-infer CONFIG CHECKPOINT scene.tif [more.tif | folder ...] --out DIR

Writes DIR/submission/<scene>.tif.txt (xView submission: 'xmin ymin xmax ymax
type_id score'), DIR/geojson/<scene>.geojson (lon/lat polygons from the
GeoTIFF's geotransform), DIR/detections_coco.json (COCO results; image ids in
DIR/images.json) and DIR/drawn/<scene>.png (detections drawn on the downscaled
scene; not with --no-draw). DIR is written whole at the end (nothing of a
failed run stays); a non-empty DIR needs --overwrite.
"""

from __future__ import annotations

from typing import Optional, Sequence

from mmengine.config import DictAction
from mmengine.logging import MMLogger

from ..utils.config import ConfigError
from .arguments import (
    add_renamed_options,
    model_argument_parser,
    resolve_renamed_options,
)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = model_argument_parser(__doc__)
    parser.add_argument('inputs', nargs='+', help='GeoTIFF files or folders')
    parser.add_argument('--out', required=True, help='output folder')
    # None keeps the config's SlicedInference setting (or its default:
    # 640-px tiles overlapping by 64, 8 per pass, NMS, no full-scene pass)
    parser.add_argument('--tile-size', type=int, help='tile side in pixels')
    parser.add_argument(
        '--tile-overlap', type=int, help='tile overlap in pixels'
    )
    parser.add_argument(
        '--batch-size', type=int, help='tiles per forward pass'
    )
    parser.add_argument(
        '--merge',
        choices=('nms', 'wbf'),
        help=(
            'merge boxes across tiles by class-wise NMS or weighted box fusion'
        ),
    )
    parser.add_argument(
        '--full-scene',
        action='store_true',
        default=None,
        help='add a pass over the scene downscaled to one tile',
    )
    parser.add_argument(
        '--max-per-img',
        type=int,
        help=(
            'keep at most N detections per scene, the strongest (the number'
            ' dropped is logged); default: every merged detection'
        ),
    )
    parser.add_argument(
        '--pred-score-thr',
        type=float,
        help=(
            'draw the detections above this score (default 0.3; which are'
            ' kept is model.test_cfg.score_thr)'
        ),
    )
    # the old names of --tile-overlap, --max-per-img and --pred-score-thr
    # (a warning says the new one)
    add_renamed_options(
        parser, ('--overlap', int), ('--max-dets', int), ('--score-thr', float)
    )
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--backend',
        choices=('pytorch', 'onnxruntime'),
        default='pytorch',
        help='run the network with torch or, from --onnx, ONNX Runtime',
    )
    parser.add_argument(
        '--onnx', help='the network exported by tools/deploy/export_onnx.py'
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help=(
            'override settings of the config, e.g.'
            ' model.test_cfg.score_thr=0.1'
        ),
    )
    parser.add_argument(
        '--overwrite', action='store_true', help='replace a non-empty --out'
    )
    parser.add_argument(
        '--no-draw',
        action='store_true',
        help='write no drawing (DIR/drawn/): the detections only',
    )
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args(argv)
    if (args.backend == 'onnxruntime') != (args.onnx is not None):
        parser.error('--backend onnxruntime and --onnx FILE go together')
    from ..apis import SceneInferencer, infer_files
    from ..apis.inference import scenes_to_infer
    from ..utils import register_safe_checkpoint_loader
    from .errors import exit_code_of

    # e.g. a sliding-window detector's classifier
    register_safe_checkpoint_loader()
    # the current logger of this run: warnings such as a --max-dets cap
    # reach the terminal
    MMLogger.get_instance(f'xview-infer-{id(args)}', log_level='INFO')

    def work() -> None:
        resolve_renamed_options(
            'infer',
            args,
            overlap='tile_overlap',
            max_dets='max_per_img',
            score_thr='pred_score_thr',
        )
        for name, least in (
            ('tile_size', 1),
            ('batch_size', 1),
            ('max_per_img', 1),
            ('tile_overlap', 0),
        ):
            value = getattr(args, name)
            if value is not None and value < least:
                raise ConfigError(
                    f'--{name.replace("_", "-")} must be at least {least}'
                    f' (got {value})'
                )
        # the inputs first: a mistake there is found before the model loads
        scenes_to_infer(
            args.inputs, args.out, args.config, args.checkpoint, args.onnx
        )
        inferencer = SceneInferencer(
            args.config,
            args.checkpoint,
            args.device,
            args.cfg_options,
            args.onnx,
            tile_size=args.tile_size,
            tile_overlap=args.tile_overlap,
            batch_size=args.batch_size,
            merge=args.merge,
            full_scene=args.full_scene,
            max_per_img=args.max_per_img,
        )
        summary = infer_files(
            inferencer,
            args.inputs,
            args.out,
            0.3 if args.pred_score_thr is None else args.pred_score_thr,
            progress=not args.no_progress,
            overwrite=args.overwrite,
            draw=not args.no_draw,
        )
        print(
            f'{summary["detections"]} detections in {summary["scenes"]} '
            f'scenes written to {summary["out_dir"]}'
        )

    return exit_code_of(work, 'infer', args.config, args.out)
