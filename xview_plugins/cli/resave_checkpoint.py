"""Re-save a checkpoint you trust as plain types, so it loads with
weights_only=True.

    python tools/resave_checkpoint.py OLD.pth NEW.pth --trust

Loading OLD.pth unpickles it fully, which can run code hidden in the file: use
this only on files you created or whose source you trust.
"""

from __future__ import annotations

import argparse
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument('src')
    parser.add_argument('dst')
    parser.add_argument(
        '--trust',
        action='store_true',
        help='confirm that SRC comes from a source you trust',
    )
    args = parser.parse_args(argv)
    if not args.trust:
        parser.error(
            'refusing without --trust: full unpickling can run code from the'
            ' file'
        )
    from ..utils.checkpoint import resave_trusted

    resave_trusted(args.src, args.dst)
    print(f'wrote {args.dst} (loads with weights_only=True)')
    return 0
