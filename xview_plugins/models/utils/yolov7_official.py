"""Bridges to the official YOLOv7: its state_dict keys and its raw output
layout."""

from __future__ import annotations

import re

import torch

from ...utils.checkpoint import CheckpointError


def official_outputs(model, imgs: torch.Tensor) -> list[torch.Tensor]:
    """The raw per-level outputs ``[B, 3, H, W, 5 + nc]`` exactly as the
    official ``IDetect`` / ``IAuxDetect`` returns them (before sigmoid; in
    training the auxiliary outputs follow the lead ones); ``imgs`` are RGB in
    [0, 1]. Useful to compare with, or export to, existing YOLOv7 deployment
    tools."""
    return model.bbox_head(model.neck(model.backbone(imgs)))[0]


def official_key_map(model, official_keys) -> dict[str, str]:
    """official key (``model.<i>.<rest>``) -> key of ``model``'s state_dict."""
    first_neck = model.neck.first
    head_index = first_neck + len(model.neck.layers)
    mapping = {}
    for key in official_keys:
        found = re.match(r'model\.(\d+)\.(.+)$', key)
        if not found:
            continue
        index, rest = int(found.group(1)), found.group(2)
        if index < first_neck:
            mapping[key] = f'backbone.layers.{index}.{rest}'
        elif index < head_index:
            mapping[key] = f'neck.layers.{index - first_neck}.{rest}'
        elif index == head_index and rest not in ('anchors', 'anchor_grid'):
            mapping[key] = f'bbox_head.{rest}'
    return mapping


def load_official_state_dict(model, state_dict: dict) -> dict[str, list[str]]:
    """Copy an official state_dict into ``model``. Returns the keys that were
    skipped because their shapes differ (a different number of classes) or that
    are missing.
    """
    mapping = official_key_map(model, state_dict)
    own = model.state_dict()
    converted, mismatched = {}, []
    for key, target in mapping.items():
        if target not in own:
            raise CheckpointError(
                f'official key {key} has no counterpart {target} in the model:'
                ' the weights are of another architecture than the config'
                f' ({model.backbone.arch!r})'
            )
        if own[target].shape != state_dict[key].shape:
            # only the class-dependent head tensors (lead and auxiliary
            # detection convs, ImplicitM) may differ: another number of
            # classes
            if not re.match(r'bbox_head\.(m|m2|im)\.\d+\.', target):
                raise CheckpointError(
                    f'{key} is {tuple(state_dict[key].shape)} in the weights'
                    f' and {tuple(own[target].shape)} in the model: the'
                    ' weights are of another architecture than the config'
                    f' ({model.backbone.arch!r})'
                )
            mismatched.append(key)
            continue
        converted[target] = state_dict[key]
    missing = [
        k
        for k in own
        if k not in converted
        and not k.endswith('num_batches_tracked')
        and k not in {mapping[m] for m in mismatched}
    ]
    model.load_state_dict(converted, strict=False)
    head = state_dict.get(
        f'model.{model.neck.first + len(model.neck.layers)}.anchor_grid'
    )
    if head is not None and not torch.allclose(
        head.flatten().float(), model.bbox_head.anchor_pixels.flatten().cpu()
    ):
        mismatched.append(
            'anchors (the config anchors differ from the checkpoint)'
        )
    return dict(mismatched=mismatched, missing=missing)
