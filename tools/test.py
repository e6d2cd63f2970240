"""Test a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--out R.pkl]
[--show-dir D]``."""

import sys

from xview_plugins.apis import (
    build_runner,
    prepare_test_config,
    test_arg_parser,
)
from xview_plugins.apis.runner_config import add_prediction_dump, exit_code_of


def main(argv=None) -> int:
    args = test_arg_parser().parse_args(argv)

    def work() -> None:
        runner = build_runner(prepare_test_config(args))
        add_prediction_dump(runner, args.out)
        runner.test()

    return exit_code_of(
        work, 'test', args.config, args.work_dir or 'the work dir'
    )


if __name__ == '__main__':
    sys.exit(main())
