from __future__ import annotations

from typing import Optional, Sequence

from mmdet.registry import MODELS
from mmengine.model import BaseModule

from ..layers.yolov7_blocks import ACT_CFGS
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
    'x', 29 for 'tiny', 47 / 57 / 67 / 112 for 'w6' / 'e6' / 'd6' / 'e6e').

    The P6 necks have four levels and eight outputs: the lead head's inputs,
    then the auxiliary head's (on the top-down path), which only training
    computes.

    Args:
        arch, widen_factor, norm_cfg, act_cfg: as :class:`YOLOv7Backbone`.
        in_channels: channels of the features it is given (P3-P5, P3-P6 for
            the P6 models); None: those of the arch's backbone at
            ``widen_factor``.
    """

    def __init__(
        self,
        arch: str = 'l',
        in_channels: Optional[Sequence[int]] = None,
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
        backbone_rows, rows, act, in_indices, outs = ARCHS[arch]
        self.first = len(backbone_rows)
        self.in_indices = in_indices
        self.out_indices = outs
        if in_channels is None:
            backbone = infer_channels(backbone_rows, 0, {-1: 3}, widen_factor)
            in_channels = [backbone[i] for i in in_indices]
        if len(in_channels) != len(in_indices):
            raise ValueError(
                f'in_channels must give {len(in_indices)} numbers (one per'
                f' backbone output), got {list(in_channels)}'
            )
        self.layers, self.sources, channels = build_layers(
            rows,
            self.first,
            dict(zip(in_indices, in_channels)),
            widen_factor,
            norm_cfg,
            act_cfg or ACT_CFGS[act],
        )
        self.out_channels = tuple(channels[i] for i in outs)
        # outputs past one per input feed the auxiliary head (P6 models):
        # training only
        self.num_lead = len(in_indices)

    def forward(self, feats):
        outs = self.out_indices
        if not self.training:
            outs = outs[: self.num_lead]
        # the layers after the last output asked for are not run
        count = max(outs) - self.first + 1
        return run_layers(
            self.layers[:count],
            self.sources[:count],
            self.first,
            dict(zip(self.in_indices, feats)),
            outs,
        )

    def drop_auxiliary(self) -> None:
        """The deploy form: the layers only the auxiliary outputs need are
        removed."""
        self.out_indices = self.out_indices[: self.num_lead]
        self.out_channels = self.out_channels[: self.num_lead]
        count = max(self.out_indices) - self.first + 1
        self.layers = self.layers[:count]
        self.sources = self.sources[:count]
