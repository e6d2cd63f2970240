"""Train with mmengine's runner: ``python tools/train.py CONFIG [--work-dir D] [--resume [CKPT]]``."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from xview_plugins.apis import build_runner, prepare_train_config, train_arg_parser  # noqa: E402


def main(argv=None) -> None:
    args = train_arg_parser().parse_args(argv)
    runner = build_runner(prepare_train_config(args))
    runner.train()


if __name__ == '__main__':
    main()
