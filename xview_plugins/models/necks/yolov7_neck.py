from __future__ import annotations

from mmdet.registry import MODELS
from mmengine.model import BaseModule

from ..layers.yolov7_graph import (
    ARCHS,
    build_layers,
    infer_channels,
    run_layers,
)


@MODELS.register_module()
class YOLOv7Neck(BaseModule):
    """The official head body before the detection convs: SPPCSPC (the tiny SPP
    for ``'tiny'``), the top-down and bottom-up ELAN-H paths and the output
    convs (RepConv for ``'l'``; yolov7x's neck uses its E-ELAN and plain
    convs). ``layers.<k>`` is official layer ``first + k`` (51 for 'l', 59 for
    'x', 29 for 'tiny').
    """

    def __init__(self, arch: str = 'l', init_cfg=None) -> None:
        super().__init__(init_cfg)
        backbone_rows, rows, act, in_indices, outs = ARCHS[arch]
        self.first = len(backbone_rows)
        self.in_indices = in_indices
        self.out_indices = outs
        in_channels = infer_channels(backbone_rows, 0, {-1: 3})
        self.layers, self.sources, channels = build_layers(
            rows, self.first, in_channels, act
        )
        self.out_channels = tuple(channels[i] for i in outs)

    def forward(self, feats):
        return run_layers(
            self.layers,
            self.sources,
            self.first,
            dict(zip(self.in_indices, feats)),
            self.out_indices,
        )
