"""Train a list of classification configs and write a table with the report's
columns.

    python tools/run_experiments.py configs/classification/*.py \
        --out work_dirs/study [--cfg-options train_cfg.max_epochs=5]

Each config is trained by mmengine's runner in this process, then its best
checkpoint is evaluated on the config's test set (--no-test: report the best
validation epoch). Writes OUT/experiments.md and OUT/experiments.csv (updated
after every run); the time column is the training time.
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
        '--no-test',
        action='store_true',
        help='skip the test-set evaluation of the best checkpoints',
    )
    args = parser.parse_args(argv)
    from xview_plugins.apis.experiments import run_experiments

    rows = run_experiments(
        args.configs, args.out, args.cfg_options, test=not args.no_test
    )
    print((Path(args.out) / 'experiments.md').read_text())
    return 0 if rows else 1


if __name__ == '__main__':
    sys.exit(main())
