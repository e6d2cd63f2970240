"""The report's feed-forward classifier networks (FFNN models 1-4), with the
per-experiment options of its Keras models."""

from __future__ import annotations

from typing import Optional, Sequence

import torch
from mmdet.registry import MODELS
from mmengine.model import BaseModule

from ..layers.keras_layers import dense_stack, init_kernels

FFNN_MODELS = {1: (), 2: (256, 128, 64, 32), 3: (512, 128, 32), 4: (64, 32)}


@MODELS.register_module()
@MODELS.register_module(name='SeedFFNN')  # the name of earlier configs
class RecognitionFFNN(BaseModule):
    """The report's feed-forward chip classifier: flatten, then dense layers
    (``model`` 1-4 of the report, or ``hidden``)."""

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
