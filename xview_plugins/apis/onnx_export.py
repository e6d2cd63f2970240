"""Export a detector of a config to ONNX in its deploy form, and configs that
run the export with ONNX Runtime."""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
import warnings
from pathlib import Path

import torch
import torch.nn as nn

from ..utils.checkpoint import CheckpointError
from ..utils.config import ConfigError, read_config


class _RawHeadOutputs(nn.Module):
    """The detector up to its raw dense-head outputs (groups of per-level
    tensors, e.g. RTMDet's class scores and boxes), as a flat tuple."""

    def __init__(self, detector: nn.Module) -> None:
        super().__init__()
        self.detector = detector

    def forward(self, inputs: torch.Tensor):
        return tuple(
            level
            for group in self.detector._forward(inputs)
            for level in group
        )


def head_output_names(groups) -> list[str]:
    """ONNX output names recording the grouping of a head's outputs
    (``ONNXRuntimeDetector`` regroups them by name)."""
    return [
        f'head{g}_level{k}'
        for g, group in enumerate(groups)
        for k in range(len(group))
    ]


def detector_config(model_cfg: dict) -> dict:
    """The detector a (possibly ``SlicedInference``-wrapped) model config
    holds."""
    model_cfg = copy.deepcopy(dict(model_cfg))
    while model_cfg.get('type') == 'SlicedInference':
        model_cfg = dict(model_cfg['detector'])
    return model_cfg


def onnxruntime_model_config(model_cfg: dict, onnx_file: str) -> dict:
    """``model_cfg`` with its detector (inside ``SlicedInference`` too) run by
    ONNX Runtime from ``onnx_file``."""
    model_cfg = copy.deepcopy(dict(model_cfg))
    detector = detector_config(model_cfg)
    if 'bbox_head' not in detector:
        raise ConfigError(
            f'{detector.get("type")} has no dense head (bbox_head) to run'
            ' from an ONNX file: ONNX Runtime runs detectors exported by'
            ' tools/deploy/export_onnx.py, such as YOLOv7'
        )
    backend = dict(
        type='ONNXRuntimeDetector', onnx_file=str(onnx_file), detector=detector
    )
    if model_cfg.get('type') == 'SlicedInference':
        return dict(model_cfg, detector=backend)
    return backend


def record_metadata(path: str, model: nn.Module) -> None:
    """Write into the ONNX file the class count and names it was exported
    with (its input size is its input's shape), so that ONNX Runtime runs it
    only with a config and checkpoint of the same classes
    (:class:`ONNXRuntimeDetector`)."""
    import json

    import onnx

    from ..models.detectors.onnxruntime_detector import (
        CLASSES_KEY,
        NUM_CLASSES_KEY,
    )

    exported = onnx.load(path)
    meta = getattr(model, 'dataset_meta', None) or {}
    onnx.helper.set_model_props(
        exported,
        {
            NUM_CLASSES_KEY: str(model.bbox_head.num_classes),
            CLASSES_KEY: json.dumps(list(meta.get('classes') or [])),
        },
    )
    onnx.save(exported, path)


def export_onnx(
    config: str,
    checkpoint: str,
    out: str,
    tile_size: int = 640,
    batch_size: int = 8,
    dynamic_batch: bool = False,
    opset: int = 17,
) -> dict:
    """Write the config's detector with the checkpoint's weights as ONNX:
    deploy form (BatchNorm folded into convs, RepConv merged), input a
    preprocessed ``(batch_size, 3, tile_size, tile_size)`` batch (any batch
    size with ``dynamic_batch``), outputs the raw head outputs, which
    ``ONNXRuntimeDetector`` decodes with the same head code as the torch
    model. Detectors without a dense head, or whose forward does not export,
    are refused. Written to a temporary file and renamed (nothing
    half-written stays); the returned ``max_abs_difference`` compares ONNX
    Runtime with torch on the example batch, ``max_abs_value`` is the
    largest torch output."""
    from mmdet.registry import MODELS
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope

    from xview_data.io import current_umask, ensure_not_input

    from ..utils import load_detector_checkpoint

    ensure_not_input(out, config, checkpoint)
    cfg = read_config(config)
    model_cfg = detector_config(cfg.model)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    model = revert_sync_batchnorm(MODELS.build(model_cfg))
    if not hasattr(model, 'bbox_head') or not hasattr(
        model.bbox_head, 'predict_by_feat'
    ):
        raise ConfigError(
            f'{config}: {model_cfg.get("type")} cannot be exported: ONNX'
            ' export covers detectors whose forward ends in a dense head'
            ' (model.bbox_head), such as YOLOv7'
        )
    # the preprocessor pads every batch to this multiple: a tile of another
    # size would reach the network at a size the export does not take
    divisor = int(getattr(model.data_preprocessor, 'pad_size_divisor', 1))
    if tile_size % divisor:
        lower = max(divisor, tile_size - tile_size % divisor)
        raise ConfigError(
            f'--tile-size {tile_size} is not a multiple of {divisor}, the size'
            ' the detector pads its inputs to (data_preprocessor.'
            f'pad_size_divisor): export with --tile-size {lower} or'
            f' {lower + divisor}'
        )
    load_detector_checkpoint(model, checkpoint)
    model.eval()
    if hasattr(model, 'switch_to_deploy'):
        model.switch_to_deploy()
    wrapper = _RawHeadOutputs(model).eval()
    example = torch.rand(batch_size, 3, tile_size, tile_size)
    with torch.no_grad():
        groups = model._forward(example)
    expected = [level for group in groups for level in group]
    names = head_output_names(groups)
    out = Path(out)
    created = not out.parent.is_dir()
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, staged = tempfile.mkstemp(
        prefix=f'.{out.name}.', suffix='.part', dir=out.parent
    )
    os.close(handle)
    # mkstemp makes it 0600: the file gets what a plain open() would give
    os.chmod(staged, 0o666 & ~current_umask())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # the tracer's notes
            torch.onnx.export(
                wrapper,
                (example,),
                staged,
                input_names=['input'],
                output_names=names,
                opset_version=opset,
                dynamo=False,
                dynamic_axes=(
                    {n: {0: 'batch'} for n in ['input', *names]}
                    if dynamic_batch
                    else None
                ),
            )
        record_metadata(staged, model)
        os.replace(staged, out)
    except Exception as err:
        Path(staged).unlink(missing_ok=True)
        if created:  # a failed export leaves no folder it made either
            with contextlib.suppress(OSError):
                out.parent.rmdir()
        # the machine's errors (a full disk) are reported as they are
        if isinstance(err, (CheckpointError, ConfigError)) or (
            isinstance(err, OSError) and err.errno
        ):
            raise
        raise ConfigError(
            f'{config}: {model_cfg.get("type")} did not export to ONNX'
            f' ({type(err).__name__}: {str(err).splitlines()[0][:200]})'
        ) from err
    import onnxruntime as ort

    session = ort.InferenceSession(
        str(out), providers=['CPUExecutionProvider']
    )
    got = session.run(None, {'input': example.numpy()})
    return dict(
        out=out,
        input=tuple(example.shape),
        outputs=[tuple(t.shape) for t in expected],
        # ONNX Runtime against torch on the export's example batch, and the
        # largest torch output (a difference means something beside it)
        max_abs_value=max(float(e.abs().max()) for e in expected),
        max_abs_difference=max(
            float((torch.from_numpy(g) - e).abs().max())
            for g, e in zip(got, expected)
        ),
    )
