"""Class-wise NMS of boxes that arrive band by band (the tile rows of a
streamed scene), settling the boxes no later band can affect."""

from __future__ import annotations

import numpy as np
import torch
from mmdet.structures.bbox import bbox_overlaps
from mmengine.structures import InstanceData

from .post_processing import classwise_nms

# IoU margin of the links: mmcv's NMS and mmdet's bbox_overlaps compute the
# same IoU in different orders; a pair at the threshold must be linked even
# if the two round differently (a link too many only joins two groups)
LINK_MARGIN = 1e-3
# pairs compared at a time: bbox_overlaps' intermediates take some 40 bytes
# a pair, and a long row of tiles can hold tens of thousands of boxes
CHUNK_PAIRS = 1 << 20


class IncrementalNMS:
    """Class-wise NMS (``nms_cfg``, mmcv's ``batched_nms`` class by class)
    over boxes given in parts, with exactly the boxes one NMS of all of them
    keeps, holding only the boxes still undecided.

    NMS decides a box by the stronger boxes of its class that overlap it by
    more than the IoU threshold, and by nothing else: linked by such overlaps
    (transitively) the boxes fall into groups that NMS treats independently.
    :meth:`add` links each new box to the waiting ones (every pair is compared
    once); :meth:`settle` runs NMS on the groups that no box still to come can
    reach: boxes still to come start at or below ``boundary`` (the next tile
    row's top, boxes are clipped to their tiles), so a group whose every box
    ends above it is complete.
    """

    def __init__(self, nms_cfg: dict) -> None:
        self.nms_cfg = nms_cfg
        self.link_thr = max(float(nms_cfg['iou_threshold']) - LINK_MARGIN, 0)
        self.waiting = None
        # group id of each waiting box (ids of connected components)
        self.group = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return 0 if self.waiting is None else len(self.waiting)

    def add(self, found: InstanceData) -> None:
        """Add boxes (``bboxes``, ``scores``, ``labels``) to the waiting
        ones."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        if not len(found):
            return
        old = len(self)
        merged = (
            found
            if self.waiting is None
            else InstanceData.cat([self.waiting, found])
        )
        links = [self._anchors()] + self._links(merged, old)
        rows = np.concatenate([r for r, _ in links])
        cols = np.concatenate([c for _, c in links])
        _, self.group = connected_components(
            coo_matrix(
                (np.ones(len(rows), dtype=np.int8), (rows, cols)),
                shape=(len(merged), len(merged)),
            ),
            directed=False,
        )
        self.waiting = merged

    def _anchors(self) -> tuple[np.ndarray, np.ndarray]:
        """Links keeping the waiting boxes' groups: each box to its group's
        first box."""
        if not len(self.group):
            return np.empty(0, np.int64), np.empty(0, np.int64)
        _, first, inverse = np.unique(
            self.group, return_index=True, return_inverse=True
        )
        return np.arange(len(self.group)), first[inverse]

    def _links(
        self, merged: InstanceData, old: int
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Pairs (new box, any box) of one class overlapping by more than
        ``link_thr``, as indices into ``merged``."""
        links = []
        boxes, labels = merged.bboxes, merged.labels
        for label in labels[old:].unique():
            new = old + torch.nonzero(labels[old:] == label).flatten()
            reach = boxes[new]
            # only boxes meeting the new boxes' extent can overlap them
            x1, y1 = reach[:, 0].min(), reach[:, 1].min()
            x2, y2 = reach[:, 2].max(), reach[:, 3].max()
            near = torch.nonzero(
                (labels == label)
                & (boxes[:, 0] < x2)
                & (boxes[:, 2] > x1)
                & (boxes[:, 1] < y2)
                & (boxes[:, 3] > y1)
            ).flatten()
            rows = max(1, CHUNK_PAIRS // max(len(near), 1))
            for start in range(0, len(new), rows):
                part = new[start : start + rows]
                i, j = torch.nonzero(
                    bbox_overlaps(boxes[part], boxes[near]) > self.link_thr,
                    as_tuple=True,
                )
                links.append((part[i].cpu().numpy(), near[j].cpu().numpy()))
        return links

    def settle(self, boundary: float) -> InstanceData:
        """NMS of the groups whose boxes all end at or above ``boundary``
        (no box still to come reaches them); they leave the waiting boxes."""
        if self.waiting is None:
            return InstanceData(
                bboxes=torch.zeros(0, 4),
                scores=torch.zeros(0),
                labels=torch.zeros(0, dtype=torch.long),
            )
        if not len(self.waiting):
            return self.waiting
        bottom = self.waiting.bboxes[:, 3].cpu().numpy()
        lowest = np.full(self.group.max() + 1, -np.inf)
        np.maximum.at(lowest, self.group, bottom)
        waits = lowest[self.group] > boundary
        mask = torch.from_numpy(waits).to(self.waiting.bboxes.device)
        done = self.waiting[~mask]
        self.waiting = self.waiting[mask]
        self.group = self.group[waits]
        return classwise_nms(done, self.nms_cfg)

    def finish(self) -> InstanceData:
        """NMS of every box still waiting (no more boxes come)."""
        return self.settle(float('inf'))
