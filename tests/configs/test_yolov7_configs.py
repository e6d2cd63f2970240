"""The YOLOv7 configs build the official networks."""

import pytest
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope

import xview_plugins  # noqa: F401
from tests.conftest import ROOT


@pytest.mark.parametrize(
    'name, params',
    [
        ('yolov7-tiny_xview.py', 6_228_762),
        ('yolov7_xview.py', 37_622_682),
        ('yolov7x_xview.py', 71_347_394),
    ],
)
def test_configs_build_the_official_networks(name, params):
    """The config's own model, at the official 80 classes, has the official
    parameter count."""
    cfg = Config.fromfile(str(ROOT / 'configs' / name))
    cfg.model.bbox_head.num_classes = 80
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) == params
