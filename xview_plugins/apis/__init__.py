from .convert_weights import convert_official_weights
from .inference import infer_files
from .onnx_export import export_onnx
from .runner_config import (
    build_runner,
    prepare_test_config,
    prepare_train_config,
    test_arg_parser,
    train_arg_parser,
)
from .scene_inferencer import SceneInferencer

__all__ = [
    'SceneInferencer',
    'infer_files',
    'export_onnx',
    'convert_official_weights',
    'train_arg_parser',
    'test_arg_parser',
    'prepare_train_config',
    'prepare_test_config',
    'build_runner',
]
