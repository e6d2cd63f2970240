"""The official YOLOv7 training configs (``cfg/training/yolov7-tiny.yaml``,
``yolov7.yaml``, ``yolov7x.yaml`` and the P6 ``yolov7-w6/e6/d6/e6e.yaml``) as
layer tables, and the functions that build and run such a table.

Each row is ``(source, kind, args)`` with the official layer numbering:
``source`` is -1 (the previous layer), a negative offset, an absolute layer
index, or a list of those. Keeping the official numbering makes an official
state_dict (``model.<i>.<...>``) map onto ``backbone.layers.<i>`` /
``neck.layers.<i - first>`` by renaming alone.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple, Optional, Union

import torch
import torch.nn as nn

from .yolov7_blocks import (
    SPPCSPC,
    Concat,
    ConvBNAct,
    DownC,
    MaxPoolDown,
    MaxPoolSame,
    ReOrg,
    RepConv,
    Shortcut,
    Upsample,
)

Source = Union[int, list]  # the layer(s) an entry reads: index or indices


def _elan_tiny(c: int) -> list:
    """Tiny ELAN: two 1x1 branches, two stacked 3x3, concat of four, 1x1 to
    2c."""
    return [
        (-1, 'conv', (c, 1, 1)),
        (-2, 'conv', (c, 1, 1)),
        (-1, 'conv', (c, 3, 1)),
        (-1, 'conv', (c, 3, 1)),
        ([-1, -2, -3, -4], 'concat', ()),
        (-1, 'conv', (2 * c, 1, 1)),
    ]


def _elan(c: int, out: int, depth: int = 4, back: int = 1) -> list:
    """Backbone E-ELAN: two 1x1 branches on the layer ``back`` rows up,
    ``depth`` stacked 3x3, concat of every other 3x3 and both 1x1 (yolov7x's
    head uses it too)."""
    return (
        [(-back, 'conv', (c, 1, 1)), (-back - 1, 'conv', (c, 1, 1))]
        + [(-1, 'conv', (c, 3, 1))] * depth
        + [
            (
                [*range(-1, -depth - 1, -2), -depth - 1, -depth - 2],
                'concat',
                (),
            ),
            (-1, 'conv', (out, 1, 1)),
        ]
    )


def _elan_head(
    c: int, mid: int, out: int = 0, depth: int = 4, back: int = 1
) -> list:
    """Head ELAN-H: two 1x1 branches on the layer ``back`` rows up, ``depth``
    stacked 3x3 of ``mid`` channels, concat of all, 1x1 to ``out`` (default
    ``c``)."""
    return (
        [(-back, 'conv', (c, 1, 1)), (-back - 1, 'conv', (c, 1, 1))]
        + [(-1, 'conv', (mid, 3, 1))] * depth
        + [
            (list(range(-1, -depth - 3, -1)), 'concat', ()),
            (-1, 'conv', (out or c, 1, 1)),
        ]
    )


def _paired(elan, *args) -> list:
    """yolov7-e6e's E-ELAN pair: the same ELAN twice on the same input,
    summed."""
    first = elan(*args)
    back = len(first) + 1
    return first + elan(*args, back=back) + [([-1, -back], 'shortcut', ())]


def _mp_down(c: int, extra: list = ()) -> list:
    """MP-Conv downsampling: max-pool branch and strided 3x3 branch,
    concatenated."""
    return [
        (-1, 'mp', ()),
        (-1, 'conv', (c, 1, 1)),
        (-3, 'conv', (c, 1, 1)),
        (-1, 'conv', (c, 3, 2)),
        ([-1, -3, *extra], 'concat', ()),
    ]


TINY_BACKBONE = (
    [(-1, 'conv', (32, 3, 2)), (-1, 'conv', (64, 3, 2))]
    + _elan_tiny(32)
    + [(-1, 'mp', ())]
    + _elan_tiny(64)
    + [(-1, 'mp', ())]
    + _elan_tiny(128)
    + [(-1, 'mp', ())]
    + _elan_tiny(256)
)  # layers 0-28
TINY_NECK = (
    [
        (-1, 'conv', (256, 1, 1)),
        (-2, 'conv', (256, 1, 1)),
        (-1, 'sp', (5,)),
        (-2, 'sp', (9,)),
        (-3, 'sp', (13,)),
        ([-1, -2, -3, -4], 'concat', ()),
        (-1, 'conv', (256, 1, 1)),
        ([-1, -7], 'concat', ()),
        (-1, 'conv', (256, 1, 1)),  # 37
        (-1, 'conv', (128, 1, 1)),
        (-1, 'up', ()),
        (21, 'conv', (128, 1, 1)),
        ([-1, -2], 'concat', ()),
    ]
    + _elan_tiny(64)
    + [  # 47
        (-1, 'conv', (64, 1, 1)),
        (-1, 'up', ()),
        (14, 'conv', (64, 1, 1)),
        ([-1, -2], 'concat', ()),
    ]
    + _elan_tiny(32)
    + [(-1, 'conv', (128, 3, 2)), ([-1, 47], 'concat', ())]  # 57
    + _elan_tiny(64)
    + [(-1, 'conv', (256, 3, 2)), ([-1, 37], 'concat', ())]  # 65
    + _elan_tiny(128)
    + [  # 73
        (57, 'conv', (128, 3, 1)),
        (65, 'conv', (256, 3, 1)),
        (73, 'conv', (512, 3, 1)),
    ]
)  # 74-76

L_BACKBONE = (
    [
        (-1, 'conv', (32, 3, 1)),
        (-1, 'conv', (64, 3, 2)),
        (-1, 'conv', (64, 3, 1)),
        (-1, 'conv', (128, 3, 2)),
    ]
    + _elan(64, 256)
    + _mp_down(128)
    + _elan(128, 512)
    + _mp_down(256)
    + _elan(256, 1024)
    + _mp_down(512)
    + _elan(256, 1024)
)  # layers 0-50
L_NECK = (
    [
        (-1, 'sppcspc', (512,)),  # 51
        (-1, 'conv', (256, 1, 1)),
        (-1, 'up', ()),
        (37, 'conv', (256, 1, 1)),
        ([-1, -2], 'concat', ()),
    ]
    + _elan_head(256, 128)
    + [  # 63
        (-1, 'conv', (128, 1, 1)),
        (-1, 'up', ()),
        (24, 'conv', (128, 1, 1)),
        ([-1, -2], 'concat', ()),
    ]
    + _elan_head(128, 64)
    + _mp_down(128, [63])
    + _elan_head(256, 128)
    + _mp_down(256, [51])
    + _elan_head(512, 256)
    + [  # 101
        (75, 'repconv', (256, 3, 1)),
        (88, 'repconv', (512, 3, 1)),
        (101, 'repconv', (1024, 3, 1)),
    ]
)

X_BACKBONE = (
    [
        (-1, 'conv', (40, 3, 1)),
        (-1, 'conv', (80, 3, 2)),
        (-1, 'conv', (80, 3, 1)),
        (-1, 'conv', (160, 3, 2)),
    ]
    + _elan(64, 320, 6)
    + _mp_down(160)
    + _elan(128, 640, 6)
    + _mp_down(320)
    + _elan(256, 1280, 6)
    + _mp_down(640)
    + _elan(256, 1280, 6)
)  # layers 0-58
X_NECK = (
    [
        (-1, 'sppcspc', (640,)),  # 59
        (-1, 'conv', (320, 1, 1)),
        (-1, 'up', ()),
        (43, 'conv', (320, 1, 1)),
        ([-1, -2], 'concat', ()),
    ]
    + _elan(256, 320, 6)
    + [  # 73
        (-1, 'conv', (160, 1, 1)),
        (-1, 'up', ()),
        (28, 'conv', (160, 1, 1)),
        ([-1, -2], 'concat', ()),
    ]
    + _elan(128, 160, 6)
    + _mp_down(160, [73])  # 87
    + _elan(256, 320, 6)
    + _mp_down(320, [59])  # 102
    + _elan(512, 640, 6)
    + [  # 117
        (87, 'conv', (320, 3, 1)),
        (102, 'conv', (640, 3, 1)),
        (117, 'conv', (1280, 3, 1)),
    ]
)  # 118-120

W6_BACKBONE = (
    [(-1, 'reorg', ()), (-1, 'conv', (64, 3, 1)), (-1, 'conv', (128, 3, 2))]
    + _elan(64, 128)
    + [(-1, 'conv', (256, 3, 2))]
    + _elan(128, 256)
    + [(-1, 'conv', (512, 3, 2))]
    + _elan(256, 512)
    + [(-1, 'conv', (768, 3, 2))]
    + _elan(384, 768)
    + [(-1, 'conv', (1024, 3, 2))]
    + _elan(512, 1024)
)  # layers 0-46


def _lateral(c: int, source: int) -> list:
    """Top-down step: 1x1, upsample, 1x1 of a backbone level, concat."""
    return [
        (-1, 'conv', (c, 1, 1)),
        (-1, 'up', ()),
        (source, 'conv', (c, 1, 1)),
        ([-1, -2], 'concat', ()),
    ]


# the ELAN(-H) widths of the P6 models' levels, the same in w6, e6, d6, e6e
P6_ELAN = (64, 128, 256, 384, 512)  # backbone stages P2-P6
P6_ELAN_HEAD = ((128, 64), (256, 128), (384, 192), (512, 256))  # P3-P6


class Arch(NamedTuple):
    """One official model as layer tables."""

    backbone_rows: list
    neck_rows: list
    # the activation (a key of ACT_CFGS)
    act: str
    # the last layer of each backbone stage (P2 to P5, or P2 to P6): what the
    # backbone's out_indices and frozen_stages count
    stage_ends: tuple
    # the backbone layers the neck reads (the official P3-P5 or P3-P6)
    backbone_outs: tuple
    # the neck's outputs: the lead head's inputs, then the auxiliary head's
    neck_outs: tuple

    @property
    def neck_first(self) -> int:
        """The official index of the neck's first layer."""
        return len(self.backbone_rows)


def p6_tables(
    stem: int,
    stages: tuple,
    levels: tuple,
    aux: tuple,
    depth: int,
    down: str,
    paired: bool = False,
) -> tuple:
    """The layer tables of a P6 model (``yolov7-w6/e6/d6/e6e.yaml``): ReOrg
    stem, five downsampling stages of ``stages`` channels, an SPPCSPC and
    top-down then bottom-up ELAN-H paths of ``levels`` channels (P3-P6), the
    lead head's convs (twice the level's width) and the auxiliary head's
    (``aux``) on the top-down outputs. ``depth`` stacked 3x3 per ELAN,
    ``down`` 'conv' (a strided 3x3) or 'downc'; ``paired``: e6e's summed
    ELAN pairs. Returns its :class:`Arch`."""

    def downsample(c: int) -> tuple:
        if down == 'downc':
            return (-1, 'downc', (c,))
        return (-1, 'conv', (c, 3, 2))

    def elan(*args) -> list:
        return _paired(_elan, *args) if paired else _elan(*args)

    def elan_head(*args) -> list:
        return _paired(_elan_head, *args) if paired else _elan_head(*args)

    backbone = [(-1, 'reorg', ()), (-1, 'conv', (stem, 3, 1))]
    stage_ends = []
    for c, width in zip(P6_ELAN, stages):
        backbone += [downsample(width)] + elan(c, width, depth)
        stage_ends.append(len(backbone) - 1)
    backbone_outs = stage_ends[1:]

    first = len(backbone)
    neck = [(-1, 'sppcspc', (levels[3],))]
    top_down = [first]
    for level in (2, 1, 0):
        neck += _lateral(levels[level], backbone_outs[level])
        neck += elan_head(*P6_ELAN_HEAD[level], levels[level], depth)
        top_down.insert(0, first + len(neck) - 1)
    bottom_up = [top_down[0]]
    for level in (1, 2, 3):
        neck += [
            downsample(levels[level]),
            ([-1, top_down[level]], 'concat', ()),
        ]
        neck += elan_head(*P6_ELAN_HEAD[level], levels[level], depth)
        bottom_up.append(first + len(neck) - 1)
    neck += [(s, 'conv', (2 * c, 3, 1)) for s, c in zip(bottom_up, levels)]
    # the auxiliary head's inputs (training only)
    neck += [(s, 'conv', (c, 3, 1)) for s, c in zip(top_down, aux)]
    last = first + len(neck)
    return Arch(
        backbone,
        neck,
        'silu',
        tuple(stage_ends),
        tuple(backbone_outs),
        tuple(range(last - 8, last)),
    )


P6_AUX = (320, 640, 960, 1280)
E6 = dict(
    stem=80,
    stages=(160, 320, 640, 960, 1280),
    levels=(160, 320, 480, 640),
    aux=P6_AUX,
    depth=6,
    down='downc',
)
P6_ARCHS = {
    'w6': p6_tables(
        stem=64,
        stages=(128, 256, 512, 768, 1024),
        levels=(128, 256, 384, 512),
        aux=P6_AUX,
        depth=4,
        down='conv',
    ),
    'e6': p6_tables(**E6),
    'd6': p6_tables(
        stem=96,
        stages=(192, 384, 768, 1152, 1536),
        levels=(192, 384, 576, 768),
        aux=(384, 768, 1152, 1536),
        depth=8,
        down='downc',
    ),
    'e6e': p6_tables(**E6, paired=True),  # e6 with summed ELAN pairs
}

ARCHS = {
    'tiny': Arch(
        TINY_BACKBONE,
        TINY_NECK,
        'leaky',
        stage_ends=(7, 14, 21, 28),
        backbone_outs=(14, 21, 28),
        neck_outs=(74, 75, 76),
    ),
    'l': Arch(
        L_BACKBONE,
        L_NECK,
        'silu',
        stage_ends=(11, 24, 37, 50),
        backbone_outs=(24, 37, 50),
        neck_outs=(102, 103, 104),
    ),
    'x': Arch(
        X_BACKBONE,
        X_NECK,
        'silu',
        stage_ends=(13, 28, 43, 58),
        backbone_outs=(28, 43, 58),
        neck_outs=(118, 119, 120),
    ),
    **P6_ARCHS,
}


def arch_of(arch: str) -> Arch:
    """The :class:`Arch` named ``arch``, or a ValueError listing them."""
    if arch not in ARCHS:
        raise ValueError(f'arch must be one of {sorted(ARCHS)}, not {arch!r}')
    return ARCHS[arch]


# how each kind of row is built: (input channels, output channels, the row's
# args, norm/act configs) -> module
LayerConstructor = Callable[[int, int, tuple, dict], nn.Module]
LAYER_KINDS: dict[str, LayerConstructor] = {
    'conv': lambda c1, c2, args, cfgs: ConvBNAct(c1, c2, *args[1:3], **cfgs),
    'repconv': lambda c1, c2, args, cfgs: RepConv(c1, c2, *args[1:3], **cfgs),
    'sppcspc': lambda c1, c2, args, cfgs: SPPCSPC(c1, c2, **cfgs),
    'downc': lambda c1, c2, args, cfgs: DownC(c1, c2, **cfgs),
    'shortcut': lambda c1, c2, args, cfgs: Shortcut(),
    'concat': lambda c1, c2, args, cfgs: Concat(),
    'mp': lambda c1, c2, args, cfgs: MaxPoolDown(),
    'sp': lambda c1, c2, args, cfgs: MaxPoolSame(args[0]),
    'up': lambda c1, c2, args, cfgs: Upsample(),
    'reorg': lambda c1, c2, args, cfgs: ReOrg(),
}


def _absolute(source: Source, index: int) -> list[int]:
    sources = source if isinstance(source, list) else [source]
    return [s if s >= 0 else index + s for s in sources]


def scaled_width(channels: int, widen_factor: float) -> int:
    """The official width rule: ``channels * widen_factor`` rounded up to a
    multiple of 8."""
    if widen_factor == 1.0:
        return channels
    return math.ceil(channels * widen_factor / 8) * 8


def infer_channels(
    rows: list,
    first: int,
    in_channels: dict[int, int],
    widen_factor: float = 1.0,
) -> dict[int, int]:
    """Output channels of every layer of a table at ``widen_factor``, as the
    official ``parse_model`` does."""
    channels = dict(in_channels)
    for offset, (source, kind, args) in enumerate(rows):
        sources = _absolute(source, first + offset)
        if kind in ('conv', 'repconv', 'sppcspc', 'downc'):
            channels[first + offset] = scaled_width(args[0], widen_factor)
        elif kind == 'concat':
            channels[first + offset] = sum(channels[s] for s in sources)
        elif kind == 'reorg':
            channels[first + offset] = 4 * channels[sources[0]]
        else:
            channels[first + offset] = channels[sources[0]]
    return channels


def build_layers(
    rows: list,
    first: int,
    in_channels: dict[int, int],
    widen_factor: float = 1.0,
    norm_cfg: Optional[dict] = None,
    act_cfg: Optional[dict] = None,
) -> tuple[nn.ModuleList, list[list[int]], dict[int, int]]:
    """Modules for rows ``first .. first + len(rows) - 1``, their absolute
    sources and the output channels of every layer (``in_channels``
    included)."""
    channels = infer_channels(rows, first, in_channels, widen_factor)
    cfgs = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
    layers, all_sources = [], []
    for offset, (source, kind, args) in enumerate(rows):
        sources = _absolute(source, first + offset)
        if kind not in LAYER_KINDS:
            raise ValueError(
                f'unknown layer kind {kind!r} (one of {sorted(LAYER_KINDS)})'
            )
        c1, c2 = channels[sources[0]], channels[first + offset]
        layers.append(LAYER_KINDS[kind](c1, c2, args, cfgs))
        all_sources.append(sources)
    return nn.ModuleList(layers), all_sources, channels


def run_layers(
    layers: nn.ModuleList,
    sources: list[list[int]],
    first: int,
    inputs: dict[int, torch.Tensor],
    out_indices,
) -> tuple[torch.Tensor, ...]:
    """Run the layers in order; ``inputs`` holds the earlier outputs they
    read. Each output is let go after the last layer that reads it (the
    official ``forward_once`` keeps every saved output to the end), so that
    the peak memory of an eval forward is that of the widest cut."""
    last_read = {
        source: first + offset
        for offset, srcs in enumerate(sources)
        for source in srcs
    }
    kept = set(out_indices)
    outputs = dict(inputs)
    for offset, (layer, srcs) in enumerate(zip(layers, sources)):
        index = first + offset
        if isinstance(layer, (Concat, Shortcut)):
            result = layer([outputs[s] for s in srcs])
        else:
            result = layer(outputs[srcs[0]])
        for source in set(srcs):
            if last_read[source] == index and source not in kept:
                del outputs[source]
        if index in kept or index in last_read:
            outputs[index] = result
        del result
    return tuple(outputs[i] for i in out_indices)
