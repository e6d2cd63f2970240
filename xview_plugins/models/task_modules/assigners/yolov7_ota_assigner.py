"""YOLOv7's label assignment (``ComputeLossOTA.build_targets`` of the official
code).

1. Candidates: each ground truth goes to the anchors whose width and height
   ratios to it are within ``anchor_t`` on every level, in its own cell and the
   two neighbouring cells nearest its centre (``find_3_positive``).
2. SimOTA: per image, cost = BCE(sqrt(cls x obj), one-hot) + 3 x -log(IoU);
   each ground truth takes its ``k`` cheapest candidates, ``k`` = sum of its
   top-10 IoUs (at least 1); a candidate claimed twice goes to the cheaper
   ground truth.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import torch
import torch.nn.functional as F
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_overlaps

_NEIGHBOURS = torch.tensor(
    [[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1]], dtype=torch.float32
)


class OTAAssignment(NamedTuple):
    """The positive samples of each level (one entry per level; None where a
    level has none): their image, anchor and grid cell, the ground truth each
    was assigned (rows of the targets: image, class, cx, cy, w, h) and its
    anchor in grid units."""

    batch_index: list[Optional[torch.Tensor]]
    anchor_index: list[Optional[torch.Tensor]]
    grid_y: list[Optional[torch.Tensor]]
    grid_x: list[Optional[torch.Tensor]]
    targets: list[Optional[torch.Tensor]]
    anchors: list[Optional[torch.Tensor]]


@TASK_UTILS.register_module()
class YOLOv7OTAAssigner:
    """The official ``ComputeLossOTA.build_targets``: candidates by anchor
    shape (``anchor_t``), then SimOTA with ``k`` = the sum of a ground
    truth's ``candidate_topk`` best IoUs and cost = class BCE +
    ``iou_weight`` x -log(IoU) (see the module's notes).

    Args:
        anchor_t: largest width or height ratio between a ground truth and an
            anchor that may predict it (``hyp['anchor_t']``).
        candidate_topk: IoUs summed for a ground truth's dynamic ``k``.
        iou_weight: weight of the IoU cost against the class cost.
        neighbour_range: a neighbouring cell is a candidate when the centre
            lies within this fraction of a cell from it: 0.5, the two nearest
            (``find_3_positive``); 1.0, all four (``find_5_positive``, the
            auxiliary head's ``build_targets2``).
    """

    def __init__(
        self,
        anchor_t: float = 4.0,
        candidate_topk: int = 10,
        iou_weight: float = 3.0,
        neighbour_range: float = 0.5,
    ) -> None:
        self.anchor_t = anchor_t
        self.candidate_topk = candidate_topk
        self.iou_weight = iou_weight
        self.neighbour_range = neighbour_range

    def find_candidates(
        self,
        raw: list[torch.Tensor],
        targets: torch.Tensor,
        anchors: torch.Tensor,
    ):
        """Per level: (image, anchor, grid y, grid x) of candidate positives
        and their anchors.

        ``targets``: (n, 6) image index, class, cx, cy, w, h (normalized);
        ``anchors``: (levels, na, 2) in grid units of each level.
        """
        na, nt = anchors.shape[1], targets.shape[0]
        device = targets.device
        anchor_ids = (
            torch.arange(na, device=device).float().view(na, 1).repeat(1, nt)
        )
        targets = torch.cat(
            (targets.repeat(na, 1, 1), anchor_ids[:, :, None]), 2
        )
        g = self.neighbour_range
        offsets_table = _NEIGHBOURS.to(device) * g
        gain = torch.ones(7, device=device)
        indices, matched_anchors = [], []
        for level, pred in enumerate(raw):
            level_anchors = anchors[level]
            height, width = pred.shape[2:4]
            gain[2:6] = torch.tensor(
                [width, height, width, height], device=device, dtype=gain.dtype
            )
            t = targets * gain
            if nt:
                ratio = t[:, :, 4:6] / level_anchors[:, None]
                t = t[torch.max(ratio, 1 / ratio).max(2)[0] < self.anchor_t]
                gxy = t[:, 2:4]
                gxi = gain[[2, 3]] - gxy
                # the cell's left / top neighbour, then its right / bottom one
                left, top = ((gxy % 1 < g) & (gxy > 1)).T
                right, bottom = ((gxi % 1 < g) & (gxi > 1)).T
                chosen = torch.stack(
                    (torch.ones_like(left), left, top, right, bottom)
                )
                t = t.repeat((5, 1, 1))[chosen]
                offsets = (
                    torch.zeros_like(gxy)[None] + offsets_table[:, None]
                )[chosen]
            else:
                t = targets[0]
                offsets = 0
            image, _ = t[:, :2].long().T
            gij = (t[:, 2:4] - offsets).long()
            gi, gj = gij.T
            anchor = t[:, 6].long()
            indices.append(
                (
                    image,
                    anchor,
                    gj.clamp_(0, height - 1),
                    gi.clamp_(0, width - 1),
                )
            )
            matched_anchors.append(level_anchors[anchor])
        return indices, matched_anchors

    def assign(
        self,
        raw: list[torch.Tensor],
        targets: torch.Tensor,
        anchors: torch.Tensor,
        strides: list[float],
        num_classes: int,
        image_size: tuple[int, int],
    ) -> OTAAssignment:
        """Positive samples per level (:class:`OTAAssignment`). ``image_size``
        is the batch input (H, W).
        """
        indices, candidate_anchors = self.find_candidates(
            raw, targets, anchors
        )
        levels = len(raw)
        matched = [[[] for _ in range(levels)] for _ in range(6)]
        height, width = image_size
        scale = targets.new_tensor([width, height, width, height])
        for batch_index in range(raw[0].shape[0]):
            this_target = targets[targets[:, 0] == batch_index]
            if not len(this_target):
                continue
            gt_xyxy = bbox_cxcywh_to_xyxy(this_target[:, 2:6] * scale)
            boxes, obj, cls, layer_of, parts = (
                [],
                [],
                [],
                [],
                [[] for _ in range(5)],
            )
            for level, pred in enumerate(raw):
                b, a, gj, gi = indices[level]
                keep = b == batch_index
                b, a, gj, gi = b[keep], a[keep], gj[keep], gi[keep]
                for store, value in zip(
                    parts, (b, a, gj, gi, candidate_anchors[level][keep])
                ):
                    store.append(value)
                layer_of.append(
                    torch.full((len(b),), level, device=targets.device)
                )
                fg = pred[b, a, gj, gi]
                obj.append(fg[:, 4:5])
                cls.append(fg[:, 5:])
                grid = torch.stack([gi, gj], dim=1)
                xy = (fg[:, :2].sigmoid() * 2 - 0.5 + grid) * strides[level]
                wh = (
                    (fg[:, 2:4].sigmoid() * 2) ** 2
                    * candidate_anchors[level][keep]
                    * strides[level]
                )
                boxes.append(bbox_cxcywh_to_xyxy(torch.cat([xy, wh], dim=-1)))
            boxes = torch.cat(boxes)
            if not len(boxes):
                continue
            obj, cls, layer_of = (
                torch.cat(obj),
                torch.cat(cls),
                torch.cat(layer_of),
            )
            b, a, gj, gi, cand_anchors = (torch.cat(p) for p in parts)

            iou = bbox_overlaps(gt_xyxy, boxes)
            iou_cost = -torch.log(iou + 1e-8)
            top_k, _ = torch.topk(
                iou, min(self.candidate_topk, iou.shape[1]), dim=1
            )
            dynamic_ks = torch.clamp(top_k.sum(1).int(), min=1)
            num_gt = len(this_target)
            one_hot = F.one_hot(this_target[:, 1].long(), num_classes).float()
            one_hot = one_hot.unsqueeze(1).repeat(1, len(boxes), 1)
            joint = (
                cls.float().unsqueeze(0).repeat(num_gt, 1, 1).sigmoid_()
                * obj.unsqueeze(0).repeat(num_gt, 1, 1).sigmoid_()
            ).sqrt_()
            cls_cost = F.binary_cross_entropy_with_logits(
                torch.log(joint / (1 - joint)), one_hot, reduction='none'
            ).sum(-1)
            cost = cls_cost + self.iou_weight * iou_cost
            matching = torch.zeros_like(cost)
            for gt in range(num_gt):
                _, chosen = torch.topk(
                    cost[gt], k=int(dynamic_ks[gt]), largest=False
                )
                matching[gt][chosen] = 1.0
            claimed = matching.sum(0)
            if (claimed > 1).any():
                _, cheapest = torch.min(cost[:, claimed > 1], dim=0)
                matching[:, claimed > 1] = 0.0
                matching[cheapest, claimed > 1] = 1.0
            foreground = matching.sum(0) > 0
            matched_gt = matching[:, foreground].argmax(0)
            layer_of = layer_of[foreground]
            values = (
                b[foreground],
                a[foreground],
                gj[foreground],
                gi[foreground],
                this_target[matched_gt],
                cand_anchors[foreground],
            )
            for level in range(levels):
                on_level = layer_of == level
                for store, value in zip(matched, values):
                    store[level].append(value[on_level])
        return OTAAssignment(
            *(
                [torch.cat(v) if v else None for v in store]
                for store in matched
            )
        )
