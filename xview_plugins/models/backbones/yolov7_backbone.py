from __future__ import annotations

from mmdet.registry import MODELS
from mmengine.model import BaseModule

from ..layers.yolov7_graph import ARCHS, build_layers, run_layers


@MODELS.register_module()
class YOLOv7Backbone(BaseModule):
    """The backbone of the official ``yolov7.yaml`` (``arch='l'``: E-ELAN,
    MP-Conv, SiLU), ``yolov7x.yaml`` (``arch='x'``: wider, six stacked 3x3 per
    E-ELAN) or ``yolov7-tiny.yaml`` (``arch='tiny'``: tiny ELAN, max-pool,
    LeakyReLU(0.1)).

    ``layers.<i>`` is official layer ``i``. Returns the P3, P4 and P5 feature
    maps.
    """

    def __init__(self, arch: str = 'l', init_cfg=None) -> None:
        super().__init__(init_cfg)
        if arch not in ARCHS:
            raise ValueError(
                f'arch must be one of {sorted(ARCHS)}, not {arch!r}'
            )
        rows, _, act, outs, _ = ARCHS[arch]
        self.arch = arch
        self.layers, self.sources, channels = build_layers(
            rows, 0, {-1: 3}, act
        )
        self.out_indices = outs
        self.out_channels = tuple(channels[i] for i in outs)

    def forward(self, x):
        return run_layers(
            self.layers, self.sources, 0, {-1: x}, self.out_indices
        )
