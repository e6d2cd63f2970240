"""Building blocks of the report's Keras classifiers: activations, Keras'
kernel initializers and dense stacks."""

from __future__ import annotations

from typing import Sequence

import torch.nn as nn


def keras_activation(name: str) -> nn.Module:
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
        layers.append(keras_activation(act))
        if dropout:
            layers.append(nn.Dropout(dropout))
        in_features = width
    return nn.Sequential(*layers)
