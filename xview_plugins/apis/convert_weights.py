"""Official YOLOv7 state_dicts -> mmengine checkpoints of this package's
YOLOv7."""

from __future__ import annotations

import pickle
from pathlib import Path

import torch

RESAVE_HINT = (
    'Official release files (yolov7.pt, yolov7-tiny.pt) pickle the whole'
    ' model, which cannot be loaded safely outside the official code base.'
    ' Re-save the weights as a state_dict once, inside a checkout of the'
    ' official repository:\n    python -c "import torch; ckpt ='
    " torch.load('yolov7.pt', map_location='cpu', weights_only=False);"
    " torch.save(ckpt['model'].float().state_dict(),"
    " 'yolov7_state_dict.pt')\"\nand convert yolov7_state_dict.pt."
)


def read_official_state_dict(path: str) -> dict:
    """An official state_dict (``model.<i>.<...>`` keys), loaded with
    weights_only."""
    try:
        data = torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:
        raise ValueError(
            f'{path}: not a plain state_dict'
            f' ({str(err).splitlines()[0][:120]}).\n' + RESAVE_HINT
        ) from err
    if (
        isinstance(data, dict)
        and 'state_dict' in data
        and isinstance(data['state_dict'], dict)
    ):
        data = data['state_dict']
    if not isinstance(data, dict) or not any(
        str(k).startswith('model.') for k in data
    ):
        raise ValueError(
            f"{path}: no 'model.<i>.' keys: not an official YOLOv7"
            ' state_dict.\n' + RESAVE_HINT
        )
    return data


def convert_official_weights(src: str, dst: str, config: str) -> dict:
    """Build the model of ``config``, copy the official weights in, save a
    checkpoint.

    Layers whose shapes differ (the detection convs when the number of classes
    differs) keep their initialization and are reported."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    import xview_plugins  # noqa: F401
    from xview_plugins.models import load_official_state_dict
    from xview_plugins.utils import to_plain

    cfg = Config.fromfile(config)
    DefaultScope.get_instance(f'convert-{Path(dst).stem}', scope_name='mmdet')
    import mmdet.models  # noqa: F401

    model = MODELS.build(cfg.model)
    report = load_official_state_dict(model, read_official_state_dict(src))
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    # the class names and xView type ids the config's dataset publishes (as a
    # trained checkpoint carries them), so that inference and scoring need
    # nothing else
    from xview_data.structures import load_class_map

    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    class_map = load_class_map(
        dataset.get('classes') or cfg.get('classes') or 'benchmark12'
    )
    dataset_meta = dict(
        classes=tuple(class_map.names),
        xview_type_ids=tuple(class_map.type_ids),
    )
    checkpoint = dict(
        state_dict=model.state_dict(),
        meta=to_plain(
            dict(
                source=str(src),
                config=str(config),
                converted_from='official YOLOv7 state_dict',
                dataset_meta=dataset_meta,
            )
        ),
    )
    tmp = Path(dst).with_suffix('.partial')
    torch.save(checkpoint, tmp)
    tmp.replace(dst)
    return report
