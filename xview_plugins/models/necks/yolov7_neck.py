from __future__ import annotations

from typing import Optional, Sequence

from mmdet.registry import MODELS
from mmengine.model import BaseModule

from ..layers.yolov7_blocks import ACT_CFGS
from ..layers.yolov7_graph import arch_of, build_layers, run_layers


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
        in_channels: channels of the features it is given (P3-P5, P3-P6 for
            the P6 models), e.g. a backbone's ``out_channels``.
        arch, widen_factor, norm_cfg, act_cfg: as :class:`YOLOv7Backbone`
            (the arch names the neck's own layer table).
    """

    def __init__(
        self,
        in_channels: Sequence[int],
        arch: str = 'l',
        widen_factor: float = 1.0,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
        init_cfg=None,
    ) -> None:
        super().__init__(init_cfg)
        spec = arch_of(arch)
        # the neck's rows read the official backbone outputs by their layer
        # numbers: the given features take those numbers
        self.first = spec.neck_first
        in_indices = self.in_indices = spec.backbone_outs
        self.out_indices = spec.neck_outs
        if len(in_channels) != len(in_indices):
            raise ValueError(
                f'in_channels must give {len(in_indices)} numbers (one per'
                f' backbone output), got {list(in_channels)}'
            )
        self.layers, self.sources, channels = build_layers(
            spec.neck_rows,
            self.first,
            dict(zip(in_indices, in_channels)),
            widen_factor,
            norm_cfg,
            act_cfg or ACT_CFGS[spec.act],
        )
        self.out_channels = tuple(channels[i] for i in self.out_indices)
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
