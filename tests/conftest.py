import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# XVIEW_REFERENCE_DIR points the tests at another copy of shared/reference
REFERENCE = Path(
    os.environ.get('XVIEW_REFERENCE_DIR')
    or ROOT.parent / 'shared' / 'reference'
)


TINY = str(ROOT / 'configs' / 'yolov7-tiny_synthetic-xview.py')
TINY_ANCHORS = [
    [10, 13, 16, 30, 33, 23],
    [30, 61, 62, 45, 59, 119],
    [116, 90, 156, 198, 373, 326],
]

# float32's machine epsilon (the spacing of floats at 1.0): the unit of every
# floating-point tolerance in the tests
FLOAT32_EPS = 2.0**-23


def network_tolerance(model, magnitude: float, summed: int = 1) -> float:
    """How far two float32 evaluations of ``model`` may differ when they
    round in other orders (another CPU kernel set, batch size, backend,
    folded BatchNorm), in absolute terms for outputs of largest size
    ``magnitude``: each of its convolutions and linear layers rounds sums of
    up to ``fan_in`` products, whose round-off grows like sqrt(length) ulps
    (Higham and Mary's probabilistic bound), and the layers' relative errors
    add up along the network's depth (bounded by its number of such
    layers). ``summed``: a
    longer sum than any convolution's (BatchNorm's batch statistics in
    training: N x H x W)."""
    import math

    import torch

    fan_ins = [
        m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
        if isinstance(m, torch.nn.Conv2d)
        else m.in_features
        for m in model.modules()
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))
    ]
    fan_in, depth = max(fan_ins), len(fan_ins)
    return magnitude * depth * math.sqrt(max(fan_in, summed)) * FLOAT32_EPS


# --cfg-options that load data in the test's process (no worker processes)
LOADERS_IN_PROCESS = [
    f'{loader}.{option}'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    for option in ('num_workers=0', 'persistent_workers=False')
]


def reference_missing_outcome(ci: bool):
    """Without ``../shared/reference`` a test skips on a developer's machine
    and fails under CI (``CI=true``), where the reference is always laid beside
    the clone."""
    message = f'shared reference data not found at {REFERENCE}'
    return (pytest.fail, message) if ci else (pytest.skip, message)


@pytest.fixture(scope='session')
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        outcome, message = reference_missing_outcome(
            os.environ.get('CI', '').lower() in ('1', 'true', 'yes')
        )
        outcome(message)
    return REFERENCE


@pytest.fixture(scope='session')
def synthetic_release(tmp_path_factory) -> Path:
    """A small synthetic xView release (3 scenes of 512 px), shared by the
    session."""
    from xview_data.synthetic import SyntheticSpec, generate_synthetic_xview

    out = tmp_path_factory.mktemp('synthetic') / 'release'
    return generate_synthetic_xview(
        out, SyntheticSpec(num_images=3, size=512, seed=7)
    )


def write_geojson(path: Path, features: list) -> Path:
    """Features given as (bounds, type_id, image_id[, feature_id]) or raw
    dicts."""
    out = []
    for k, feature in enumerate(features):
        if isinstance(feature, dict):
            out.append(feature)
            continue
        bounds, type_id, image_id, *rest = feature
        out.append(
            dict(
                type='Feature',
                geometry=None,
                properties=dict(
                    bounds_imcoords=bounds,
                    type_id=type_id,
                    image_id=image_id,
                    feature_id=rest[0] if rest else k,
                ),
            )
        )
    path.write_text(json.dumps(dict(type='FeatureCollection', features=out)))
    return path


def write_tif(
    path: Path, width: int, height: int, bands: int = 3, dtype: str = 'uint8'
) -> Path:
    import numpy as np

    data = (
        (np.arange(width * height * bands) % 251)
        .reshape(bands, height, width)
        .astype(dtype)
    )
    return write_raster(path, data)


def write_raster(path: Path, data) -> Path:
    """A plain GeoTIFF (no georeference) of (bands, H, W) ``data``."""
    import rasterio

    path.parent.mkdir(parents=True, exist_ok=True)
    bands, height, width = data.shape
    with rasterio.open(
        path,
        'w',
        driver='GTiff',
        width=width,
        height=height,
        count=bands,
        dtype=data.dtype,
    ) as dst:
        dst.write(data)
    return path


def objects_by_image(table, strip_prefix: str = '', decimals: int = 0) -> dict:
    """file name -> sorted (type_id, rounded box) of its objects, for
    order-free comparison."""
    import numpy as np

    result = {}
    for position, objects in table.groups():
        name = table.images[position].file_name
        name = (
            name[len(strip_prefix) :]
            if name.startswith(strip_prefix)
            else name
        )
        result[name] = sorted(
            (
                int(table.type_ids[k]),
                tuple(np.round(table.boxes[k], decimals).tolist()),
            )
            for k in objects
        )
    return result


def run_command(*command, cwd, env=None, timeout=600) -> str:
    """Run a command; its output, or the test fails with the end of it."""
    result = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:]
    )
    return result.stdout + result.stderr


def run_tool(name, *args, timeout=600, env=None) -> str:
    """Run ``tools/<name>`` from the repository root (see
    :func:`run_command`)."""
    return run_command(
        sys.executable,
        ROOT / 'tools' / name,
        *args,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


def convert_command(*args) -> list[str]:
    """The command line ``tools/convert_annotations.py ARGS --no-progress``."""
    return [
        sys.executable,
        str(ROOT / 'tools' / 'convert_annotations.py'),
        *map(str, args),
        '--no-progress',
    ]


def run_convert(*args, **kwargs) -> subprocess.CompletedProcess:
    """``tools/convert_annotations.py ARGS --no-progress``, whatever its exit
    status."""
    return subprocess.run(
        convert_command(*args), capture_output=True, text=True, **kwargs
    )


def run_main(tool: str, argv, capsys) -> tuple[int, str]:
    """``tools/<tool>``'s main() in this process (imports paid once): its
    exit code and stderr."""
    import runpy

    main = runpy.run_path(str(ROOT / 'tools' / tool))['main']
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def assert_one_error_line(code: int, err: str, *words: str) -> str:
    """A refusal: exit code 2, one ``error:`` line holding ``words``, no
    traceback. Returns the line."""
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.startswith('error:')]
    assert len(lines) == 1 and 'Traceback' not in err, err
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def save_checkpoint(path: Path, state: dict, class_map=None) -> Path:
    """A checkpoint as tools/train.py writes one: the weights and the class
    names and xView type ids (``class_map``, default the benchmark's 12) in
    ``meta.dataset_meta``."""
    import torch

    from xview_data.structures import BENCHMARK12

    class_map = class_map or BENCHMARK12
    meta = dict(
        classes=tuple(class_map.names),
        xview_type_ids=tuple(class_map.type_ids),
    )
    torch.save(dict(state_dict=state, meta=dict(dataset_meta=meta)), path)
    return path


def build_config_model(config):
    """The model of a config (a path or a loaded ``Config``), built in
    mmdet's scope as the tools build it."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    import xview_plugins  # noqa: F401

    cfg = config if isinstance(config, Config) else Config.fromfile(config)
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(cfg.model)


def yolov7_tiny_state(num_classes: int) -> dict:
    """The state_dict of an untrained YOLOv7-tiny of the demo config."""
    from mmengine.config import Config

    cfg = Config.fromfile(TINY)
    cfg.model.bbox_head.num_classes = num_classes
    return build_config_model(cfg).state_dict()


# yolov7-w6.yaml's anchors (P3-P6)
W6_ANCHORS = [
    [19, 27, 44, 40, 38, 94],
    [96, 68, 86, 152, 180, 137],
    [140, 301, 303, 264, 238, 542],
    [436, 615, 739, 380, 925, 792],
]


def build_yolov7(
    arch, num_classes=80, widen_factor=1.0, hyp=None, img_size=640, **head
):
    """A YOLOv7 (``arch`` 'tiny', 'l', 'x', 'w6', 'e6', 'd6' or 'e6e') as
    the official model is built, for parity tests; ``hyp``: the loss gains
    ``(box, cls, obj)`` of a hyper-parameter file (default p5), scaled for
    ``img_size`` as the official ``train.py`` does."""
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope

    import xview_plugins  # noqa: F401
    from xview_plugins.models.layers.yolov7_graph import scaled_width

    DefaultScope.get_instance('yolov7-test', scope_name='mmdet')
    import mmdet.models  # noqa: F401  (registers DetDataPreprocessor)

    channels = {
        'tiny': [128, 256, 512],
        'l': [256, 512, 1024],
        'x': [320, 640, 1280],
        'w6': [256, 512, 768, 1024],
        'e6': [320, 640, 960, 1280],
        'd6': [384, 768, 1152, 1536],
        'e6e': [320, 640, 960, 1280],
    }[arch]
    p6 = len(channels) == 4
    head_cfg = dict(
        type='YOLOv7Head',
        num_classes=num_classes,
        in_channels=[scaled_width(c, widen_factor) for c in channels],
        **head,
    )
    if arch == 'tiny':
        head_cfg.setdefault('anchors', TINY_ANCHORS)
    if p6:
        # IAuxDetect's auxiliary convs: w6's are wider than its lead ones
        aux = [320, 640, 960, 1280] if arch == 'w6' else channels
        head_cfg.setdefault('anchors', W6_ANCHORS)
        head_cfg.update(
            aux_in_channels=[scaled_width(c, widen_factor) for c in aux],
            strides=[8, 16, 32, 64],
            obj_level_weights=[4.0, 1.0, 0.25, 0.06],
        )

    from xview_plugins.models.dense_heads.yolov7_head import (
        official_loss_weights,
    )

    box, cls, obj = hyp or (0.05, 0.3, 0.7)
    head_cfg['loss_bbox'], head_cfg['loss_cls'], head_cfg['loss_obj'] = (
        official_loss_weights(
            num_classes,
            len(channels),
            dict(type='YOLOv7CIoULoss'),
            dict(type='YOLOv7BCELoss'),
            dict(type='YOLOv7BCELoss'),
            box,
            cls,
            obj,
            img_size,
        )
    )
    parts = dict(arch=arch, widen_factor=widen_factor)
    train_cfg = None
    if p6:
        # ComputeLossAuxOTA takes each ground truth's k from its top 20 IoUs
        train_cfg = dict(
            assigner=dict(type='YOLOv7OTAAssigner', candidate_topk=20)
        )
    return MODELS.build(
        dict(
            type='YOLOv7',
            data_preprocessor=dict(
                type='DetDataPreprocessor',
                mean=[0, 0, 0],
                std=[255, 255, 255],
                bgr_to_rgb=True,
            ),
            backbone=dict(type='YOLOv7Backbone', **parts),
            neck=dict(
                type='YOLOv7Neck',
                in_channels=neck_inputs(arch, widen_factor),
                **parts,
            ),
            bbox_head=head_cfg,
            train_cfg=train_cfg,
        )
    )


def neck_inputs(arch: str, widen_factor: float = 1.0) -> list[int]:
    """The channels the official backbone of ``arch`` gives its neck."""
    from xview_plugins.models.layers.yolov7_graph import ARCHS, infer_channels

    spec = ARCHS[arch]
    channels = infer_channels(spec.backbone_rows, 0, {-1: 3}, widen_factor)
    return [channels[i] for i in spec.backbone_outs]


def narrowed_yolov7(cfg, widen_factor: float) -> dict:
    """Config options (dotted keys) that build a YOLOv7 config's model at
    ``widen_factor``: the width of every layer and the channels each part is
    fed, by the official width rule."""
    from xview_plugins.models.layers.yolov7_graph import scaled_width

    def scaled(channels) -> list:
        return [scaled_width(c, widen_factor) for c in channels]

    model = cfg.model
    options = {
        'model.backbone.widen_factor': widen_factor,
        'model.neck.widen_factor': widen_factor,
        'model.neck.in_channels': scaled(model.neck.in_channels),
        'model.bbox_head.in_channels': scaled(model.bbox_head.in_channels),
    }
    if model.bbox_head.get('aux_in_channels'):
        options['model.bbox_head.aux_in_channels'] = scaled(
            model.bbox_head.aux_in_channels
        )
    return options


def noise_scene(path, width, height, bands=3):
    """A uint8 scene of seeded noise: no two windows alike, so no tied
    scores."""
    import numpy as np

    rng = np.random.default_rng(0)
    return write_raster(
        path, rng.integers(0, 256, (bands, height, width), np.uint8)
    )


def distinct_outputs_state() -> dict:
    """An untrained YOLOv7-tiny whose BatchNorm statistics come from one
    batch of noise: without them its features fade with depth and every box
    scores alike (NMS then picks among ties, differently per backend)."""
    import torch

    torch.manual_seed(0)
    model = build_config_model(TINY)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = 1.0
    model.train()
    with torch.no_grad():
        model(torch.rand(4, 3, 64, 64), mode='tensor')
    return model.state_dict()
