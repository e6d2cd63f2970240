"""Train with mmengine's runner: ``python tools/train.py CONFIG [--work-dir D]
[--resume [CKPT]]``."""

import sys

from xview_plugins.apis import (
    build_runner,
    prepare_train_config,
    train_arg_parser,
)
from xview_plugins.apis.runner_config import exit_code_of


def main(argv=None) -> int:
    args = train_arg_parser().parse_args(argv)
    return exit_code_of(
        lambda: build_runner(prepare_train_config(args)).train(),
        'train',
        args.config,
        args.work_dir or 'the work dir',
    )


if __name__ == '__main__':
    sys.exit(main())
