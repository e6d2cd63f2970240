"""Export a config's detector to ONNX for ONNX Runtime:

    xview-export-onnx CONFIG CHECKPOINT OUT.onnx [--tile-size 640]
        [--batch-size 8] [--dynamic-batch]

The network is exported in its deploy form (BatchNorm folded, RepConv merged)
up to the raw head outputs; decoding and NMS stay in the project's shared
post-processing (ONNXRuntimeDetector), identical for both backends.
"""

from __future__ import annotations

from typing import Optional, Sequence

from .arguments import model_argument_parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = model_argument_parser(__doc__)
    parser.add_argument('out', help='the .onnx file to write')
    parser.add_argument(
        '--tile-size', type=int, default=640, help='input side in pixels'
    )
    parser.add_argument(
        '--batch-size', type=int, default=8, help='tiles per forward pass'
    )
    parser.add_argument(
        '--dynamic-batch',
        action='store_true',
        help='accept any batch size (default: exactly --batch-size)',
    )
    args = parser.parse_args(argv)
    for name in ('tile_size', 'batch_size'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be at least 1')
    from ..apis.onnx_export import export_onnx
    from ..utils import register_safe_checkpoint_loader
    from .errors import exit_code_of

    register_safe_checkpoint_loader()

    def work() -> None:
        done = export_onnx(
            args.config,
            args.checkpoint,
            args.out,
            args.tile_size,
            args.batch_size,
            args.dynamic_batch,
        )
        print(
            f'{done["out"]}: input {done["input"]}'
            f'{" (any batch)" if args.dynamic_batch else ""}, outputs'
            f' {done["outputs"]}; ONNX Runtime vs torch: largest difference'
            f' {done["max_abs_difference"]:.2e}'
        )

    return exit_code_of(work, 'export_onnx', args.config, args.out)
