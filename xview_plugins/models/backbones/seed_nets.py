"""The report's classifier networks: feed-forward (FFNN models 1-4) and
convolutional (CNN models 1-6), with the per-experiment options of its Keras
models."""

from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmengine.model import BaseModule

FFNN_MODELS = {1: (), 2: (256, 128, 64, 32), 3: (512, 128, 32), 4: (64, 32)}
# (channels, pool after) per conv layer; every CNN ends with FFNN model 4's
# dense layers.
CNN_MODELS = {
    1: [(64, True)],
    2: [(128, True)],
    3: [(128, True), (64, True)],
    4: [(64, True), (128, True)],
    5: [(64, True), (128, True), (256, True)],
    6: [
        (128, False),
        (128, True),
        (256, False),
        (256, True),
        (512, False),
        (512, True),
    ],
}


def _activation(name: str) -> nn.Module:
    if name == 'relu':
        return nn.ReLU(inplace=True)
    if name == 'elu':
        return nn.ELU(inplace=True)
    raise ValueError(f"activation must be 'relu' or 'elu', not {name!r}")


def init_kernels(module: nn.Module, init: str) -> None:
    """Keras' kernel initializers, zero biases (Keras' default):

    * ``'glorot_uniform'``: Keras' default (the report's "No" initializer),
      U(-l, l) with l = sqrt(6 / (fan_in + fan_out));
    * ``'he_uniform'``: U(-l, l) with l = sqrt(6 / fan_in);
    * ``'he_normal'``: Keras' truncated normal, std sqrt(2 / fan_in) /
      0.8796 (the std of a unit normal cut at two standard deviations), cut at
      two standard deviations (torch's kaiming_normal_ is not truncated).
    """
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            if init == 'glorot_uniform':
                nn.init.xavier_uniform_(m.weight)
            elif init == 'he_uniform':
                nn.init.kaiming_uniform_(m.weight, nonlinearity='relu')
            elif init == 'he_normal':
                fan_in = m.weight[0].numel()
                std = (2.0 / fan_in) ** 0.5 / 0.87962566103423978
                nn.init.trunc_normal_(m.weight, std=std, a=-2 * std, b=2 * std)
            else:
                raise ValueError(
                    "init must be 'glorot_uniform', 'he_uniform' or "
                    f"'he_normal', not {init!r}"
                )
            nn.init.zeros_(m.bias)


def dense_stack(
    in_features: int,
    widths: Sequence[int],
    act: str,
    dropout: float,
    batch_norm: bool,
) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in widths:
        layers.append(nn.Linear(in_features, width))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(_activation(act))
        if dropout:
            layers.append(nn.Dropout(dropout))
        in_features = width
    return nn.Sequential(*layers)


@MODELS.register_module()
class SeedFFNN(BaseModule):
    """Flatten, then dense layers (``model`` 1-4 of the report, or
    ``hidden``)."""

    def __init__(
        self,
        model: Optional[int] = 3,
        hidden: Optional[Sequence[int]] = None,
        input_size: Sequence[int] = (224, 224, 3),
        act: str = 'relu',
        dropout: float = 0.0,
        batch_norm: bool = False,
        init: str = 'he_uniform',
        init_cfg=None,
    ) -> None:
        super().__init__(init_cfg)
        widths = tuple(hidden) if hidden is not None else FFNN_MODELS[model]
        self.input_size = tuple(input_size)
        flat = int(torch.tensor(input_size).prod())
        self.layers = dense_stack(flat, widths, act, dropout, batch_norm)
        self.out_features = widths[-1] if widths else flat
        init_kernels(self, init)

    def init_weights(self) -> None:  # initialized in __init__ as Keras does
        pass

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(torch.flatten(x, 1))


@MODELS.register_module()
class SeedCNN(BaseModule):
    """3x3 convolutions with 2x2 max-pools (``model`` 1-6 of the report), then
    FFNN model 4's dense layers (64, 32).

    ``dropout`` acts in the convolutional part, after every max-pool (the
    report's experiment 26); the dense layers have none.

    ``padding``: ``'same'`` (default) or ``'valid'`` (Keras' default). Valid
    convolutions make the network exactly equivalent to a sliding window when
    run fully convolutionally (``SlidingWindowDetector``): no window then sees
    its neighbours through the padding.
    """

    def __init__(
        self,
        model: int = 6,
        input_size: Sequence[int] = (224, 224, 3),
        act: str = 'relu',
        dropout: float = 0.0,
        batch_norm: bool = False,
        init: str = 'he_uniform',
        dense: Sequence[int] = FFNN_MODELS[4],
        padding: str = 'same',
        init_cfg=None,
    ) -> None:
        super().__init__(init_cfg)
        if padding not in ('same', 'valid'):
            raise ValueError(
                f"padding must be 'same' or 'valid', not {padding!r}"
            )
        self.input_size = tuple(input_size)
        self.padding = padding
        height, width, channels = input_size
        layers: list[nn.Module] = []
        for out_channels, pool in CNN_MODELS[model]:
            layers.append(
                nn.Conv2d(
                    channels,
                    out_channels,
                    3,
                    padding=1 if padding == 'same' else 0,
                )
            )
            if padding == 'valid':
                height, width = height - 2, width - 2
            if batch_norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(_activation(act))
            if pool:
                layers.append(nn.MaxPool2d(2))
                height, width = height // 2, width // 2
                if dropout:
                    layers.append(nn.Dropout(dropout))
            channels = out_channels
        self.features = nn.Sequential(*layers)
        self.classifier = dense_stack(
            channels * height * width, dense, act, 0.0, batch_norm
        )
        self.out_features = dense[-1]
        init_kernels(self, init)

    def init_weights(self) -> None:
        pass

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))
