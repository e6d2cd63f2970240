from __future__ import annotations

from typing import Optional, Sequence

from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from ..layers.yolov7_blocks import ACT_CFGS
from ..layers.yolov7_graph import arch_of, build_layers, run_layers


@MODELS.register_module()
class YOLOv7Backbone(BaseModule):
    """The backbone of the official ``yolov7.yaml`` (``arch='l'``: E-ELAN,
    MP-Conv, SiLU), ``yolov7x.yaml`` (``arch='x'``: wider, six stacked 3x3 per
    E-ELAN), ``yolov7-tiny.yaml`` (``arch='tiny'``: tiny ELAN, max-pool,
    LeakyReLU(0.1)) or of a P6 model: ``yolov7-w6.yaml`` (``'w6'``: ReOrg
    stem, strided 3x3 downsampling), ``'e6'`` (DownC, six stacked 3x3),
    ``'d6'`` (eight) and ``'e6e'`` (each E-ELAN a summed pair).

    ``layers.<i>`` is official layer ``i``. The layers fall into stages, each
    ending in a stride (P2 to P5; P2 to P6 for the P6 models; the stem is part
    of the first), counted as mmdet's backbones count theirs.

    Args:
        arch: the official model whose layer table is built.
        widen_factor: the official ``width_multiple``: every layer's channels
            times it, rounded up to a multiple of 8.
        out_indices: the stages whose outputs are returned; None: the
            official P3-P5 (P3-P6), what ``YOLOv7Neck`` reads. Another neck
            (mmdet's ``YOLOXPAFPN``, ``PAFPN``) takes any of them.
        frozen_stages: stages ``0 .. frozen_stages - 1`` are frozen (no
            gradient, BatchNorm statistics kept); -1: none.
        norm_eval: keep every BatchNorm in eval mode while training (its
            statistics frozen), e.g. to fine-tune with small batches.
        norm_cfg: mmcv norm config (default: the official BatchNorm, eps
            1e-3, momentum 0.03).
        act_cfg: mmcv activation config (default: the arch's official one).
    """

    def __init__(
        self,
        arch: str = 'l',
        widen_factor: float = 1.0,
        out_indices: Optional[Sequence[int]] = None,
        frozen_stages: int = -1,
        norm_eval: bool = False,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
        init_cfg=None,
    ) -> None:
        super().__init__(init_cfg)
        spec = arch_of(arch)
        stages = len(spec.stage_ends)
        if out_indices is None:
            out_indices = [
                spec.stage_ends.index(i) for i in spec.backbone_outs
            ]
        if not out_indices or not all(0 <= i < stages for i in out_indices):
            raise ValueError(
                f'out_indices must be stages of 0 to {stages - 1} ({arch}),'
                f' not {out_indices}'
            )
        if not -1 <= frozen_stages <= stages:
            raise ValueError(
                f'frozen_stages must be -1 to {stages}, not {frozen_stages}'
            )
        self.arch = arch
        self.stage_ends = spec.stage_ends
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        # the layers after the last stage asked for are not built
        rows = spec.backbone_rows[: spec.stage_ends[max(out_indices)] + 1]
        self.layers, self.sources, channels = build_layers(
            rows,
            0,
            {-1: 3},
            widen_factor,
            norm_cfg,
            act_cfg or ACT_CFGS[spec.act],
        )
        self.out_indices = tuple(out_indices)
        self.out_layers = tuple(spec.stage_ends[i] for i in out_indices)
        self.out_channels = tuple(channels[i] for i in self.out_layers)
        self._freeze_stages()

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 1:
            return
        last = self.stage_ends[self.frozen_stages - 1]
        for layer in self.layers[: last + 1]:
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> YOLOv7Backbone:
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self

    def forward(self, x):
        return run_layers(
            self.layers, self.sources, 0, {-1: x}, self.out_layers
        )
