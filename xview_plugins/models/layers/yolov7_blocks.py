"""The building blocks of the official YOLOv7 (``models/common.py`` there),
with the same attribute names so that official state_dict keys map onto them by
a prefix change.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer

# Official ``initialize_weights`` sets every BatchNorm to these after
# construction.
BN_EPS = 1e-3
BN_MOMENTUM = 0.03
NORM_CFG = dict(type='BN', eps=BN_EPS, momentum=BN_MOMENTUM)
# the official activations of the P5/P6 models and of yolov7-tiny
ACT_CFGS = dict(
    silu=dict(type='SiLU', inplace=True),
    leaky=dict(type='LeakyReLU', negative_slope=0.1, inplace=True),
)


def make_norm(norm_cfg: Optional[dict], channels: int) -> nn.Module:
    """mmcv's norm layer of ``norm_cfg`` (None: the official BatchNorm)."""
    return build_norm_layer(dict(norm_cfg or NORM_CFG), channels)[1]


def make_act(act_cfg: Optional[dict]) -> nn.Module:
    """mmcv's activation of ``act_cfg`` (None: SiLU)."""
    return build_activation_layer(dict(act_cfg or ACT_CFGS['silu']))


class ConvBNAct(nn.Module):
    """``Conv`` of the official code: conv (no bias, 'same' padding) + BN +
    activation. After :meth:`fuse` the BN is folded into a biased conv."""

    def __init__(
        self,
        c1: int,
        c2: int,
        k: int = 1,
        s: int = 1,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = make_norm(norm_cfg, c2)
        self.act = make_act(act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bn is None:
            return self.act(self.conv(x))
        return self.act(self.bn(self.conv(x)))

    @torch.no_grad()
    def fuse(self) -> None:
        if self.bn is not None:
            self.conv = fuse_conv_bn(self.conv, self.bn)
            self.bn = None


def fuse_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A biased conv equal to ``bn(conv(x))`` in eval mode."""
    fused = nn.Conv2d(
        conv.in_channels,
        conv.out_channels,
        conv.kernel_size,
        conv.stride,
        conv.padding,
        conv.dilation,
        conv.groups,
        bias=True,
    ).to(conv.weight)
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    fused.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
    bias = (
        conv.bias
        if conv.bias is not None
        else torch.zeros_like(bn.running_mean)
    )
    fused.bias.copy_((bias - bn.running_mean) * scale + bn.bias)
    return fused


class MaxPoolDown(nn.Module):
    """``MP``: 2x2 max-pool, stride 2."""

    def __init__(self) -> None:
        super().__init__()
        self.m = nn.MaxPool2d(kernel_size=2, stride=2)

    def forward(self, x):
        return self.m(x)


class MaxPoolSame(nn.Module):
    """``SP``: k x k max-pool, stride 1, same size."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

    def forward(self, x):
        return self.m(x)


class ReOrg(nn.Module):
    """``ReOrg`` (the P6 models' stem): space to depth, each 2x2 block of
    pixels to 4 channels, in the official order."""

    def forward(self, x):
        return torch.cat(
            [
                x[..., ::2, ::2],
                x[..., 1::2, ::2],
                x[..., ::2, 1::2],
                x[..., 1::2, 1::2],
            ],
            1,
        )


class Concat(nn.Module):
    def forward(self, xs):
        return torch.cat(xs, 1)


class Shortcut(nn.Module):
    """``Shortcut``: the sum of two outputs (yolov7-e6e adds its paired
    E-ELAN branches)."""

    def forward(self, xs):
        return xs[0] + xs[1]


class DownC(nn.Module):
    """``DownC`` (the e6/d6/e6e downsampling): a 1x1 then strided 3x3 branch
    beside a max-pool then 1x1 branch, concatenated to ``c2`` channels."""

    def __init__(
        self,
        c1: int,
        c2: int,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__()
        cfgs = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.cv1 = ConvBNAct(c1, c1, 1, 1, **cfgs)
        self.cv2 = ConvBNAct(c1, c2 // 2, 3, 2, **cfgs)
        self.cv3 = ConvBNAct(c1, c2 // 2, 1, 1, **cfgs)
        self.mp = nn.MaxPool2d(kernel_size=2, stride=2)

    def forward(self, x):
        return torch.cat((self.cv2(self.cv1(x)), self.cv3(self.mp(x))), 1)


class Upsample(nn.Module):
    def forward(self, x):
        return nn.functional.interpolate(x, scale_factor=2.0, mode='nearest')


class SPPCSPC(nn.Module):
    """CSP spatial pyramid pooling with 5/9/13 max-pools (yolov7 neck
    entry)."""

    def __init__(
        self,
        c1: int,
        c2: int,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
        e: float = 0.5,
        k=(5, 9, 13),
    ) -> None:
        super().__init__()
        c_ = int(2 * c2 * e)
        cfgs = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.cv1 = ConvBNAct(c1, c_, 1, 1, **cfgs)
        self.cv2 = ConvBNAct(c1, c_, 1, 1, **cfgs)
        self.cv3 = ConvBNAct(c_, c_, 3, 1, **cfgs)
        self.cv4 = ConvBNAct(c_, c_, 1, 1, **cfgs)
        self.m = nn.ModuleList(
            nn.MaxPool2d(kernel_size=x, stride=1, padding=x // 2) for x in k
        )
        self.cv5 = ConvBNAct(4 * c_, c_, 1, 1, **cfgs)
        self.cv6 = ConvBNAct(c_, c_, 3, 1, **cfgs)
        self.cv7 = ConvBNAct(2 * c_, c2, 1, 1, **cfgs)

    def forward(self, x):
        x1 = self.cv4(self.cv3(self.cv1(x)))
        y1 = self.cv6(self.cv5(torch.cat([x1] + [m(x1) for m in self.m], 1)))
        y2 = self.cv2(x)
        return self.cv7(torch.cat((y1, y2), dim=1))


class RepConv(nn.Module):
    """3x3 + 1x1 (+ identity) branches in training, one 3x3 conv after
    :meth:`fuse`."""

    def __init__(
        self,
        c1: int,
        c2: int,
        k: int = 3,
        s: int = 1,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__()
        self.act = make_act(act_cfg)
        self.rbr_identity = (
            make_norm(norm_cfg, c1) if c2 == c1 and s == 1 else None
        )
        self.rbr_dense = nn.Sequential(
            nn.Conv2d(c1, c2, k, s, k // 2, bias=False),
            make_norm(norm_cfg, c2),
        )
        self.rbr_1x1 = nn.Sequential(
            nn.Conv2d(c1, c2, 1, s, 0, bias=False), make_norm(norm_cfg, c2)
        )
        self.rbr_reparam = None

    def forward(self, x):
        if self.rbr_reparam is not None:
            return self.act(self.rbr_reparam(x))
        identity = self.rbr_identity(x) if self.rbr_identity is not None else 0
        return self.act(self.rbr_dense(x) + self.rbr_1x1(x) + identity)

    @torch.no_grad()
    def fuse(self) -> None:
        if self.rbr_reparam is not None:
            return
        dense = fuse_conv_bn(*self.rbr_dense)
        one = fuse_conv_bn(*self.rbr_1x1)
        k = dense.kernel_size[0]
        weight = dense.weight + nn.functional.pad(one.weight, [k // 2] * 4)
        bias = dense.bias + one.bias
        if self.rbr_identity is not None:
            bn = self.rbr_identity
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            weight = weight + _identity_weight(bn, k)
            bias = bias + bn.bias - bn.running_mean * scale
        self.rbr_reparam = nn.Conv2d(
            dense.in_channels,
            dense.out_channels,
            k,
            dense.stride,
            k // 2,
            bias=True,
        ).to(weight)
        self.rbr_reparam.weight.copy_(weight)
        self.rbr_reparam.bias.copy_(bias)
        self.rbr_dense = self.rbr_1x1 = self.rbr_identity = None


def _identity_weight(bn: nn.BatchNorm2d, k: int) -> torch.Tensor:
    c = bn.num_features
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    weight = torch.zeros(c, c, k, k).to(scale)
    weight[torch.arange(c), torch.arange(c), k // 2, k // 2] = scale
    return weight


class ImplicitA(nn.Module):
    """Learned additive bias per channel (YOLOR's implicit knowledge)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.implicit = nn.Parameter(torch.zeros(1, channels, 1, 1))
        nn.init.normal_(self.implicit, std=0.02)

    def forward(self, x):
        return self.implicit + x


class ImplicitM(nn.Module):
    """Learned multiplicative scale per channel."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.implicit = nn.Parameter(torch.ones(1, channels, 1, 1))
        nn.init.normal_(self.implicit, mean=1.0, std=0.02)

    def forward(self, x):
        return self.implicit * x
