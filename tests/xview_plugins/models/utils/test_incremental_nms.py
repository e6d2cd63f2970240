"""NMS by bands keeps exactly the boxes of one NMS of everything, and holds
only the boxes a later band can still affect."""

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from xview_plugins.models.utils import IncrementalNMS, classwise_nms


def nms_cfg(iou_threshold=0.5):
    # class by class, as SlicedInference sets it
    return ConfigDict(type='nms', iou_threshold=iou_threshold, split_thr=0)


def tile_rows(seed, rows=6, tiles=5, size=100, stride=80, per_tile=60):
    """Boxes of a grid of overlapping tiles, clipped to their tile, row by
    row: (top of the row, its boxes)."""
    generator = torch.Generator().manual_seed(seed)
    out = []
    for row in range(rows):
        y = row * stride
        found = []
        for column in range(tiles):
            x = column * stride
            corner = torch.rand(per_tile, 2, generator=generator) * size
            side = 4 + torch.rand(per_tile, 2, generator=generator) * 30
            boxes = torch.cat([corner, corner + side], 1)
            boxes[:, 0::2] = boxes[:, 0::2].clamp(0, size) + x
            boxes[:, 1::2] = boxes[:, 1::2].clamp(0, size) + y
            found.append(
                InstanceData(
                    bboxes=boxes,
                    scores=torch.rand(per_tile, generator=generator),
                    labels=torch.randint(
                        0, 3, (per_tile,), generator=generator
                    ),
                )
            )
        out.append((y, found))
    return out


def rows_of(found):
    return sorted(
        zip(
            found.labels.tolist(), found.scores.tolist(), found.bboxes.tolist()
        )
    )


@pytest.mark.parametrize('seed', range(5))
@pytest.mark.parametrize('iou_threshold', [0.0, 0.3, 0.5, 0.7])
def test_settling_by_bands_keeps_the_boxes_of_one_nms(seed, iou_threshold):
    cfg = nms_cfg(iou_threshold)
    rows = tile_rows(seed)
    merger, settled = IncrementalNMS(cfg), []
    for number, (_, tiles) in enumerate(rows):
        # tiles in batches that cross rows, as SlicedInference sends them
        for tile in tiles:
            merger.add(tile)
        boundary = (
            rows[number + 1][0] if number + 1 < len(rows) else float('inf')
        )
        settled.append(merger.settle(boundary))
    assert len(merger) == 0
    everything = InstanceData.cat([t for _, tiles in rows for t in tiles])
    expected = classwise_nms(everything, cfg)
    got = InstanceData.cat(settled)
    assert len(got) == len(expected) > 0
    assert rows_of(got) == rows_of(expected)


def test_only_boxes_a_later_band_can_reach_wait():
    """Boxes overlapping by less than the threshold do not hold each other
    back: a dense row settles except for what reaches below the boundary."""
    merger = IncrementalNMS(nms_cfg(0.5))
    # a chain of boxes down the scene, each overlapping the next by IoU 1/3
    top = torch.arange(0, 1000, 10.0)
    boxes = torch.stack(
        [torch.zeros_like(top), top, torch.full_like(top, 20), top + 20], 1
    )
    merger.add(
        InstanceData(
            bboxes=boxes,
            scores=torch.linspace(1, 0.5, len(top)),
            labels=torch.zeros(len(top), dtype=torch.long),
        )
    )
    done = merger.settle(500.0)
    assert len(done) == (top + 20 <= 500).sum()
    assert len(merger) == (top + 20 > 500).sum()
    assert len(merger.finish()) > 0 and len(merger) == 0
    assert len(merger.settle(2000.0)) == 0


def test_the_cut_is_safe_at_the_threshold():
    """A pair at IoU 0.5 exactly (NMS keeps both at threshold 0.5) and one
    just above it (one suppressed) give one NMS's boxes when the second box
    of each pair comes in a later band."""
    cfg = nms_cfg(0.5)
    first = torch.tensor([[0.0, 0, 30, 30], [100.0, 0, 130, 30]])
    # IoU 450 / 1350 = 1/3 and 600 / 1200 = 0.5
    second = torch.tensor([[0.0, 15, 30, 45], [100.0, 10, 130, 40]])
    parts = [
        InstanceData(
            bboxes=b, scores=torch.tensor(s), labels=torch.zeros(2).long()
        )
        for b, s in ((first, [0.9, 0.8]), (second, [0.7, 0.6]))
    ]
    merger = IncrementalNMS(cfg)
    merger.add(parts[0])
    settled = [merger.settle(10.0)]
    merger.add(parts[1])
    settled.append(merger.finish())
    expected = classwise_nms(InstanceData.cat(parts), cfg)
    assert rows_of(InstanceData.cat(settled)) == rows_of(expected)
