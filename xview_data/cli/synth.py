"""Write a synthetic xView release (official GeoJSON + GeoTIFFs, recognition
and txt layouts).

xview-synth data/synthetic_xview --num-images 12 --size 1024
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Optional, Sequence

from ..errors import exit_code
from ..synthetic import SyntheticSpec, generate_synthetic_xview


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    defaults = SyntheticSpec()
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        'out',
        help='output folder (created; must not exist unless --overwrite)',
    )
    parser.add_argument('--num-images', type=int, default=defaults.num_images)
    parser.add_argument(
        '--size', type=int, default=defaults.size, help='scene side in pixels'
    )
    parser.add_argument('--seed', type=int, default=defaults.seed)
    parser.add_argument('--overwrite', action='store_true')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    from tqdm import tqdm

    spec = SyntheticSpec(
        num_images=args.num_images, size=args.size, seed=args.seed
    )
    start = time.time()

    def work() -> int:
        with tqdm(
            total=args.num_images, desc='scenes', unit='img', file=sys.stderr
        ) as bar:
            out = generate_synthetic_xview(
                args.out, spec, progress=bar.update, overwrite=args.overwrite
            )
        print(
            f'synthetic xView written to {out} in {time.time() - start:.1f} s'
        )
        return 0

    return exit_code(work, args.out)
