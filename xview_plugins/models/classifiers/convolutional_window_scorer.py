"""Scoring windows of a scene with a chip classifier: the naive
crop-resize-classify loop, and the same network rewritten as convolutions that
score a whole stride grid at once.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def resize_windows(images: torch.Tensor, size: int) -> torch.Tensor:
    """Resize square ``images`` (N, C, S, S) to ``size``: area averaging when
    shrinking (it commutes with cropping for integer factors), bilinear when
    enlarging."""
    if images.shape[-1] == size:
        return images
    if images.shape[-1] > size:
        return F.interpolate(images, size=(size, size), mode='area')
    return F.interpolate(
        images, size=(size, size), mode='bilinear', align_corners=False
    )


def resize_scene(image: torch.Tensor, scale: float) -> torch.Tensor:
    """Resize (N, C, H, W) by ``scale`` (exact integer output sizes are the
    caller's job) with the interpolation ``resize_windows`` uses for the same
    direction."""
    if scale == 1:
        return image
    height, width = (
        round(image.shape[-2] * scale),
        round(image.shape[-1] * scale),
    )
    if scale < 1:
        return F.interpolate(image, size=(height, width), mode='area')
    return F.interpolate(
        image, size=(height, width), mode='bilinear', align_corners=False
    )


def grid_padding(length: int, window: int, stride: int) -> int:
    """Zero padding at the end of an axis so that windows at ``0, stride, ...``
    reach its end."""
    steps = math.ceil(max(length - window, 0) / stride)
    return window + steps * stride - length


def _dense_to_conv(
    modules: list[nn.Module], in_shape: tuple[int, int, int], stride: int
) -> nn.Sequential:
    """Dense layers as convolutions: the first ``Linear`` becomes a conv whose
    kernel covers the flattened ``in_shape`` (C, h, w) and steps by ``stride``,
    later ones 1x1 convs; ``BatchNorm1d`` becomes ``BatchNorm2d`` with the same
    statistics; dropout is dropped (inference only)."""
    layers: list[nn.Module] = []
    shape = in_shape
    for module in modules:
        if isinstance(module, nn.Linear):
            channels, height, width = shape
            conv = nn.Conv2d(
                channels,
                module.out_features,
                (height, width),
                stride=stride if shape == in_shape else 1,
            )
            conv.weight.data.copy_(
                module.weight.data.view(
                    module.out_features, channels, height, width
                )
            )
            conv.bias.data.copy_(module.bias.data)
            layers.append(conv)
            shape = (module.out_features, 1, 1)
        elif isinstance(module, nn.BatchNorm1d):
            norm = nn.BatchNorm2d(module.num_features, eps=module.eps)
            norm.load_state_dict(module.state_dict())
            layers.append(norm)
        elif isinstance(module, nn.Dropout):
            continue
        elif isinstance(module, (nn.ReLU, nn.ELU)):
            layers.append(module)
        else:
            raise TypeError(
                f'cannot express {type(module).__name__} as a convolution'
            )
    return nn.Sequential(*layers)


def convolutional_layout(
    classifier: nn.Module, window_stride: int
) -> tuple[nn.Module, list[nn.Module], int]:
    """The classifier's convolutional part, its dense layers and its total
    pooling stride; ``ValueError`` when the network cannot score a
    ``window_stride`` grid exactly.
    """
    backbone = classifier.backbone
    features = getattr(backbone, 'features', None)
    if features is None:
        features, dense, pool_stride = nn.Identity(), list(backbone.layers), 1
    else:
        for module in features.modules():
            if isinstance(module, nn.Conv2d) and module.padding != (0, 0):
                raise ValueError(
                    'the fully convolutional path needs a classifier with'
                    " padding='valid' convolutions: with zero padding a window"
                    ' sees different borders in the scene than alone (use'
                    ' fully_convolutional=False or retrain)'
                )
        dense = list(backbone.classifier)
        pool_stride = 2 ** sum(
            isinstance(m, nn.MaxPool2d) for m in features.modules()
        )
    if window_stride % pool_stride:
        raise ValueError(
            f'window stride {window_stride} px (at the classifier input size) '
            f'must be a multiple of the network stride {pool_stride}'
        )
    return features, dense, pool_stride


class ConvolutionalWindowScorer(nn.Module):
    """A ``ChipClassifier`` (``RecognitionCNN`` with valid convolutions, or
    ``RecognitionFFNN``) rewritten as a fully convolutional network: for an
    image it returns the class logits of every ``input_size`` window whose
    top-left corner lies on a ``window_stride`` grid, the same numbers the
    classifier gives each cropped window (up to float round-off).

    Args:
        classifier: the trained classifier (its weights are copied; it is not
            modified).
        window_stride: grid step in pixels of the classifier's input; a
            multiple of the network's total pooling stride.
    """

    def __init__(self, classifier: nn.Module, window_stride: int) -> None:
        super().__init__()
        backbone = classifier.backbone
        height, width, channels = backbone.input_size
        features, dense, pool_stride = convolutional_layout(
            classifier, window_stride
        )
        self.features = features
        with torch.no_grad():
            was_training = features.training
            features.eval()
            flat_shape = tuple(
                features(torch.zeros(1, channels, height, width)).shape[1:]
            )
            features.train(was_training)
        self.dense = _dense_to_conv(
            dense + [classifier.head], flat_shape, window_stride // pool_stride
        )
        self.input_size = (height, width)
        self.window_stride = window_stride
        self.eval()

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> logits (N, classes, rows, cols) of the windows at
        ``(row * stride, col * stride)``."""
        return self.dense(self.features(image))
