from .runner_config import (
    build_runner,
    prepare_test_config,
    prepare_train_config,
    test_arg_parser,
    train_arg_parser,
)

__all__ = [
    'train_arg_parser',
    'test_arg_parser',
    'prepare_train_config',
    'prepare_test_config',
    'build_runner',
]
