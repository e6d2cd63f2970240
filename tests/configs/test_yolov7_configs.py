"""The YOLOv7 configs build the official networks."""

from mmengine.config import Config

import xview_plugins  # noqa: F401
from tests.conftest import ROOT, build_yolov7


def test_configs_build_the_official_networks():
    for name, params in (
        ('yolov7-tiny_xview.py', 6_228_762),
        ('yolov7_xview.py', 37_622_682),
    ):
        cfg = Config.fromfile(str(ROOT / 'configs' / name))
        cfg.model.bbox_head.num_classes = 80
        arch = cfg.model.backbone.arch
        model = build_yolov7(
            arch,
            **{
                k: v
                for k, v in cfg.model.bbox_head.items()
                if k not in ('type', 'in_channels')
            },
        )
        assert sum(p.numel() for p in model.parameters()) == params
