"""The report's convolutional classifier networks (CNN models 1-6), with the
per-experiment options of its Keras models."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmengine.model import BaseModule

from ..layers.keras_layers import dense_stack, init_kernels, keras_activation
from .recognition_ffnn import FFNN_MODELS

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


@MODELS.register_module()
@MODELS.register_module(name='SeedCNN')  # the name of earlier configs
class RecognitionCNN(BaseModule):
    """The report's convolutional chip classifier: 3x3 convolutions with 2x2
    max-pools (``model`` 1-6 of the report), then FFNN model 4's dense layers
    (64, 32).

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
            layers.append(keras_activation(act))
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
