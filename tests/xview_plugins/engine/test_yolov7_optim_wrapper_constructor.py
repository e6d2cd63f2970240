"""The official YOLOv7 optimizer groups."""

import torch

import xview_plugins  # noqa: F401
from tests.conftest import build_yolov7
from xview_plugins.engine import YOLOv7OptimWrapperConstructor


def test_optimizer_groups_follow_the_official_split():
    model = build_yolov7('l', num_classes=12)
    wrapper = YOLOv7OptimWrapperConstructor(
        dict(
            optimizer=dict(
                type='SGD',
                lr=0.01,
                momentum=0.937,
                nesterov=True,
                weight_decay=5e-4,
            )
        )
    )(model)
    groups = {g['name']: g for g in wrapper.optimizer.param_groups}
    assert groups['decay']['weight_decay'] == 5e-4
    assert (
        groups['no_decay']['weight_decay'] == 0
        and groups['bias']['weight_decay'] == 0
    )
    assert wrapper.optimizer.defaults['nesterov']
    counted = sum(len(g['params']) for g in groups.values())
    assert counted == len(list(model.parameters()))
    implicit = {
        id(m.implicit) for m in model.modules() if hasattr(m, 'implicit')
    }
    assert implicit <= {id(p) for p in groups['no_decay']['params']}
    # Accumulated batches are summed, as official (mmengine would average
    # them).
    assert wrapper.scale_loss(torch.tensor(3.0)) == 3.0
