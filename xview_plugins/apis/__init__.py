"""The library's entry points: whole-scene inference, ONNX export and the
conversion of official YOLOv7 weights. The command lines that call them live
in :mod:`xview_plugins.cli`."""

from .convert_weights import convert_official_weights
from .inference import infer_files
from .onnx_export import export_onnx
from .scene_inferencer import SceneInferencer

__all__ = [
    'SceneInferencer',
    'infer_files',
    'export_onnx',
    'convert_official_weights',
]
