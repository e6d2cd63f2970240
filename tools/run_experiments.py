"""Train a list of classification configs and write a table with the report's
columns.

    python tools/run_experiments.py configs/classification/exp*.py \
        --out work_dirs/study --budget short

Each config is trained by mmengine's runner in this process, then its best
checkpoint is evaluated on the config's test set (--no-test: report the best
validation epoch). Writes OUT/experiments.md and OUT/experiments.csv (updated
after every run) with the report's columns, our scores and, beside them, the
report's own (in %); the time column is the training time.

--budget full runs the report's setting (for a GPU machine and the real
xview_recognition set); --budget short scales every experiment the same way
(at most 100 training chips per class, 64-px chips, a fifth of the epochs, at
least 2), so that all of them finish on a 2-core CPU in about an hour.
"""

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--out', required=True)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=None,
        help='settings applied to every run (key=value)',
    )
    parser.add_argument(
        '--budget',
        choices=('short', 'full'),
        default='full',
        help="short: scaled for a CPU (see above); full: the report's setting",
    )
    parser.add_argument(
        '--no-test',
        action='store_true',
        help='skip the test-set evaluation of the best checkpoints',
    )
    args = parser.parse_args(argv)
    from xview_plugins.apis.experiments import run_experiments

    rows = run_experiments(
        args.configs,
        args.out,
        args.cfg_options,
        test=not args.no_test,
        budget=args.budget,
    )
    print((Path(args.out) / 'experiments.md').read_text())
    return 0 if rows else 1


if __name__ == '__main__':
    sys.exit(main())
