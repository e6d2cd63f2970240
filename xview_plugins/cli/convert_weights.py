"""Convert an official YOLOv7 state_dict into a checkpoint for this package's
YOLOv7.

    python tools/convert_yolov7_weights.py yolov7_state_dict.pt \
        work_dirs/yolov7_coco.pth --config configs/yolov7_xview.py

STATE_DICT holds the official keys (model.<layer>.<...>). Official release
files pickle the whole model; re-save them as a state_dict first (the error
message says how).
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument('state_dict', help='official state_dict (.pt/.pth)')
    parser.add_argument('out', help='output checkpoint (.pth)')
    parser.add_argument(
        '--config',
        required=True,
        help='config whose model receives the weights',
    )
    args = parser.parse_args(argv)
    from ..apis.convert_weights import convert_official_weights

    try:
        report = convert_official_weights(
            args.state_dict, args.out, args.config
        )
    except (ValueError, KeyError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    for key in report['mismatched']:
        print(f'kept initialization (shape differs): {key}')
    for key in report['missing']:
        print(f'not in the official weights: {key}')
    print(f'wrote {args.out}')
    return 0
