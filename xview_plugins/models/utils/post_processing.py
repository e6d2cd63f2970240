"""The one post-processing of detections used by every detector of the
project: class-wise NMS (mmcv's ``batched_nms``) keeping the strongest boxes,
then rescaling to the original image."""

from __future__ import annotations

import copy
from typing import Any, Optional, Sequence

from mmcv.ops import batched_nms
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from xview_data.deprecation import renamed_setting
from xview_data.errors import InputError


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_test_cfg(test_cfg: dict) -> dict:
    """``test_cfg`` itself, or :class:`InputError` (a ValueError the tools
    print as one line) naming the setting when a value
    cannot work (e.g. ``--cfg-options model.test_cfg.score_thr=abc``, which
    would otherwise fail on the first comparison): ``score_thr`` and the NMS
    ``iou_threshold`` numbers from 0 (above 1: nothing kept, nothing
    suppressed; a wrapper's ``score_thr`` may be None: the wrapped
    detector's), ``max_per_img`` and ``nms_pre`` positive integers (or
    None)."""
    nms = test_cfg.get('nms') or {}
    for name, value in (
        ('score_thr', test_cfg.get('score_thr', 0.0)),
        ('nms.iou_threshold', nms.get('iou_threshold', 0.5)),
    ):
        if value is None and name == 'score_thr':
            continue
        if not _is_number(value) or value < 0:
            raise InputError(
                f'test_cfg.{name} must be a number of at least 0, not'
                f' {value!r}'
            )
    for name in ('max_per_img', 'nms_pre'):
        value = test_cfg.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 1
        ):
            raise InputError(
                f'test_cfg.{name} must be a positive integer or None, not'
                f' {value!r}'
            )
    return test_cfg


# where each deprecated keyword of a detector lives in mmdet's test_cfg
TEST_CFG_PLACES = {
    'score_thr': ('score_thr',),
    'iou_threshold': ('nms', 'iou_threshold'),
    'nms_iou': ('nms', 'iou_threshold'),
    'max_per_img': ('max_per_img',),
}


def detector_test_cfg(
    owner: str, test_cfg: Optional[dict], defaults: dict, **old: Any
) -> ConfigDict:
    """mmdet's ``test_cfg`` of a detector (``score_thr``,
    ``nms=dict(type='nms', iou_threshold=...)``, ``max_per_img``): the
    ``defaults`` updated by ``test_cfg``, checked by :func:`check_test_cfg`.
    ``old`` are the detector's deprecated keywords of the same settings
    (``score_thr``, ``iou_threshold``/``nms_iou``, ``max_per_img``; None: not
    given), placed where :data:`TEST_CFG_PLACES` says, with a warning."""
    cfg = ConfigDict(copy.deepcopy(defaults))
    given = ConfigDict(copy.deepcopy(dict(test_cfg or {})))
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key].update(value)
        else:
            cfg[key] = value
    for name, value in old.items():
        *parents, leaf = TEST_CFG_PLACES[name]
        node, mine = cfg, given
        for parent in parents:
            node = node.setdefault(parent, ConfigDict())
            mine = (mine or {}).get(parent) or {}
        if value is not None:
            node[leaf] = renamed_setting(
                owner,
                name,
                'test_cfg.' + '.'.join(TEST_CFG_PLACES[name]),
                value,
                (mine or {}).get(leaf),
            )
    return check_test_cfg(cfg)


def classwise_nms(
    results: InstanceData,
    nms_cfg: Optional[dict],
    max_per_img: Optional[int] = None,
) -> InstanceData:
    """Class-wise NMS of ``results`` (``bboxes``, ``scores``, ``labels``),
    strongest first, at most ``max_per_img`` kept (None: all); scores stay as
    they are. ``nms_cfg`` None only caps."""
    if not len(results):
        return results
    if nms_cfg is None:
        order = results.scores.argsort(descending=True)
        return results[order[:max_per_img]]
    _, keep = batched_nms(
        results.bboxes, results.scores, results.labels, dict(nms_cfg)
    )
    return results[keep[:max_per_img]]


def rescale_boxes(
    results: InstanceData, scale_factor: Optional[Sequence[float]]
) -> InstanceData:
    """Boxes of the resized network input back in original image pixels
    (``scale_factor`` is mmdet's ``(w_scale, h_scale)``; None: unchanged)."""
    if scale_factor is not None and len(results):
        results.bboxes = results.bboxes / results.bboxes.new_tensor(
            scale_factor
        ).repeat(2)
    return results


def post_process(
    results: InstanceData,
    nms_cfg: Optional[dict],
    max_per_img: Optional[int] = None,
    scale_factor: Optional[Sequence[float]] = None,
) -> InstanceData:
    """:func:`classwise_nms` in network pixels (as the official YOLOv7 does),
    then :func:`rescale_boxes`."""
    return rescale_boxes(
        classwise_nms(results, nms_cfg, max_per_img), scale_factor
    )
