"""Weighted box fusion (Solovyev et al., 2021) for merging overlapping
detections."""

from __future__ import annotations

import torch
from mmdet.structures.bbox import bbox_overlaps
from torch import Tensor


def weighted_box_fusion(
    boxes: Tensor, scores: Tensor, labels: Tensor, iou_threshold: float = 0.55
) -> tuple[Tensor, Tensor, Tensor]:
    """Per class, in descending score, each box joins the cluster whose fused
    box overlaps it most (IoU above ``iou_threshold``) or starts a new one; a
    cluster's box is the score-weighted mean of its members and its score their
    mean (one model)."""
    out_boxes, out_scores, out_labels = [], [], []
    for label in labels.unique():
        members = (labels == label).nonzero().flatten()
        members = members[
            scores[members].argsort(descending=True, stable=True)
        ]
        fused = boxes.new_zeros(len(members), 4)
        weighted = boxes.new_zeros(len(members), 4)
        score_sum = boxes.new_zeros(len(members))
        count = boxes.new_zeros(len(members))
        clusters = 0
        for index in members.tolist():
            box, score = boxes[index], scores[index]
            target = clusters
            if clusters:
                ious = bbox_overlaps(box[None], fused[:clusters])[0]
                best = int(ious.argmax())
                if ious[best] > iou_threshold:
                    target = best
            if target == clusters:
                clusters += 1
            weighted[target] += score * box
            score_sum[target] += score
            count[target] += 1
            fused[target] = weighted[target] / score_sum[target]
        out_boxes.append(fused[:clusters])
        out_scores.append(score_sum[:clusters] / count[:clusters])
        out_labels.append(labels.new_full((clusters,), int(label)))
    if not out_boxes:
        return boxes[:0], scores[:0], labels[:0]
    return torch.cat(out_boxes), torch.cat(out_scores), torch.cat(out_labels)
