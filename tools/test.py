"""Test a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--out R.pkl] [--show-dir D]``."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from xview_plugins.apis import build_runner, prepare_test_config, test_arg_parser  # noqa: E402
from xview_plugins.apis.runner_config import add_prediction_dump  # noqa: E402


def main(argv=None) -> None:
    args = test_arg_parser().parse_args(argv)
    runner = build_runner(prepare_test_config(args))
    add_prediction_dump(runner, args.out)
    runner.test()


if __name__ == '__main__':
    main()
