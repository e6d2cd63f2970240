from __future__ import annotations

from typing import Optional

from mmdet.registry import MODELS
from mmengine.model import BaseModule

from ..layers.yolov7_blocks import ACT_CFGS
from ..layers.yolov7_graph import ARCHS, build_layers, run_layers


@MODELS.register_module()
class YOLOv7Backbone(BaseModule):
    """The backbone of the official ``yolov7.yaml`` (``arch='l'``: E-ELAN,
    MP-Conv, SiLU), ``yolov7x.yaml`` (``arch='x'``: wider, six stacked 3x3 per
    E-ELAN), ``yolov7-tiny.yaml`` (``arch='tiny'``: tiny ELAN, max-pool,
    LeakyReLU(0.1)) or of a P6 model: ``yolov7-w6.yaml`` (``'w6'``: ReOrg
    stem, strided 3x3 downsampling), ``'e6'`` (DownC, six stacked 3x3),
    ``'d6'`` (eight) and ``'e6e'`` (each E-ELAN a summed pair).

    ``layers.<i>`` is official layer ``i``. Returns the P3-P5 feature maps
    (P3-P6 for the P6 models).

    Args:
        arch: the official model whose layer table is built.
        widen_factor: the official ``width_multiple``: every layer's channels
            times it, rounded up to a multiple of 8.
        norm_cfg: mmcv norm config (default: the official BatchNorm, eps
            1e-3, momentum 0.03).
        act_cfg: mmcv activation config (default: the arch's official one).
    """

    def __init__(
        self,
        arch: str = 'l',
        widen_factor: float = 1.0,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
        init_cfg=None,
    ) -> None:
        super().__init__(init_cfg)
        if arch not in ARCHS:
            raise ValueError(
                f'arch must be one of {sorted(ARCHS)}, not {arch!r}'
            )
        rows, _, act, outs, _ = ARCHS[arch]
        self.arch = arch
        self.layers, self.sources, channels = build_layers(
            rows, 0, {-1: 3}, widen_factor, norm_cfg, act_cfg or ACT_CFGS[act]
        )
        self.out_indices = outs
        self.out_channels = tuple(channels[i] for i in outs)

    def forward(self, x):
        return run_layers(
            self.layers, self.sources, 0, {-1: x}, self.out_indices
        )
