"""The one post-processing of detections used by every detector of the
project: class-wise NMS (mmcv's ``batched_nms``) keeping the strongest boxes,
then rescaling to the original image."""

from __future__ import annotations

from typing import Optional, Sequence

from mmcv.ops import batched_nms
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from xview_data.errors import InputError


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_test_cfg(test_cfg: dict) -> dict:
    """``test_cfg`` itself, or :class:`InputError` (a ValueError the tools
    print as one line) naming the setting when a value
    cannot work (e.g. ``--cfg-options model.test_cfg.score_thr=abc``, which
    would otherwise fail on the first comparison): ``score_thr`` and the NMS
    ``iou_threshold`` numbers from 0 (above 1: nothing kept, nothing
    suppressed), ``max_per_img`` and ``nms_pre`` positive integers (or
    None)."""
    nms = test_cfg.get('nms') or {}
    for name, value in (
        ('score_thr', test_cfg.get('score_thr', 0.0)),
        ('nms.iou_threshold', nms.get('iou_threshold', 0.5)),
    ):
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


def nms_test_cfg(
    score_thr: float, iou_threshold: float, max_per_img: Optional[int]
) -> ConfigDict:
    """mmdet's ``test_cfg`` of a detector whose boxes go through
    :func:`post_process`: kept above ``score_thr``, class-wise NMS at
    ``iou_threshold``, at most ``max_per_img`` (checked by
    :func:`check_test_cfg`)."""
    return check_test_cfg(
        ConfigDict(
            score_thr=score_thr,
            nms=dict(type='nms', iou_threshold=iou_threshold),
            max_per_img=max_per_img,
        )
    )


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
