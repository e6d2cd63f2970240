"""Property tests (hypothesis): format round trips keep boxes, chipping keeps
exactly the objects that are visible enough."""

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xview_data.formats import (
    read_coco,
    read_yolo,
    write_coco,
    write_dataset_yaml,
    write_yolo_labels,
)
from xview_data.geometry import chip_scenes
from xview_data.structures import BENCHMARK12, AnnotationTable, ImageRecord

SIZES = {'a.tif': (300, 200), 'b.tif': (640, 480)}


@st.composite
def tables(draw, max_objects=30):
    """Random scenes of SIZES with random benchmark12 boxes of at least 1 px
    inside them."""
    n = draw(st.integers(1, max_objects))
    images = [ImageRecord(name, w, h) for name, (w, h) in SIZES.items()]
    image_index, boxes, type_ids = [], [], []
    for _ in range(n):
        k = draw(st.integers(0, len(images) - 1))
        width, height = images[k].width, images[k].height
        x1 = draw(st.floats(0, width - 1, allow_nan=False))
        y1 = draw(st.floats(0, height - 1, allow_nan=False))
        x2 = draw(st.floats(min(x1 + 1, width), width, allow_nan=False))
        y2 = draw(st.floats(min(y1 + 1, height), height, allow_nan=False))
        image_index.append(k)
        boxes.append([x1, y1, x2, y2])
        type_ids.append(draw(st.sampled_from(BENCHMARK12.type_ids)))
    return AnnotationTable(
        images,
        np.array(image_index),
        np.array(boxes),
        np.array(type_ids),
        np.arange(n),
    )


def by_image(table, strip=''):
    out = {}
    for position, objects in table.groups():
        name = table.images[position].file_name
        name = name[len(strip) :] if name.startswith(strip) else name
        out[name] = sorted(
            (int(table.type_ids[k]), *table.boxes[k].tolist()) for k in objects
        )
    return out


def assert_same_objects(got, expected, tolerance):
    assert got.keys() == expected.keys()
    for name in expected:
        assert len(got[name]) == len(expected[name])
        # match by class and position (sorted rows can swap within rounding)
        remaining = list(got[name])
        for row in expected[name]:
            distances = [
                (
                    max(abs(a - b) for a, b in zip(row[1:], cand[1:]))
                    if cand[0] == row[0]
                    else np.inf
                )
                for cand in remaining
            ]
            best = int(np.argmin(distances))
            assert distances[best] <= tolerance, (name, row, remaining[best])
            remaining.pop(best)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(tables())
def test_coco_round_trip_keeps_boxes_and_classes(table):
    with tempfile.TemporaryDirectory() as tmp:
        write_coco(table, Path(tmp) / 'a.json', BENCHMARK12)
        back = read_coco(Path(tmp) / 'a.json', BENCHMARK12)
    # x and w are written with 2 decimals: x2 = x + w carries both roundings
    assert_same_objects(by_image(back), by_image(table), 0.0101)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(tables())
def test_yolo_round_trip_keeps_boxes_within_rounding(table):
    with tempfile.TemporaryDirectory() as tmp:
        for name in (
            SIZES
        ):  # read_yolo pairs labels with images; sizes come from SIZES
            (Path(tmp) / 'images' / 'train').mkdir(parents=True, exist_ok=True)
            (Path(tmp) / 'images' / 'train' / name).touch()
        write_yolo_labels(table, tmp, 'train', BENCHMARK12)
        write_dataset_yaml(
            Path(tmp) / 'dataset.yaml', tmp, ['train'], BENCHMARK12
        )
        back = read_yolo(tmp, size_reader=lambda path: SIZES[Path(path).name])
    # 6 decimals of a fraction of at most 640 px
    assert_same_objects(
        by_image(back, 'train/'), by_image(table), 640 * 1e-6 + 1e-9
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    tables(),
    st.sampled_from([64, 100, 256]),
    st.sampled_from([0, 16, 32]),
    st.sampled_from([0.25, 0.5, 0.9]),
)
def test_chipping_keeps_exactly_the_objects_visible_enough(
    table, chip, overlap, min_visible
):
    chipped = chip_scenes(table, chip, overlap, min_visible, keep_empty=True)
    positions = {
        (r.scene_name, r.origin): k for k, r in enumerate(chipped.images)
    }
    stride = chip - overlap
    from xview_data.geometry import window_starts

    for position, objects in table.groups():
        scene = table.images[position]
        for y in window_starts(scene.height, chip, stride):
            for x in window_starts(scene.width, chip, stride):
                k = positions[(scene.scene_name, (x, y))]
                kept = sorted(
                    chipped.source_ids[chipped.image_index == k].tolist()
                )
                boxes = table.boxes[objects]
                inside_w = (
                    np.minimum(boxes[:, 2], x + chip)
                    - np.maximum(boxes[:, 0], x)
                ).clip(0)
                inside_h = (
                    np.minimum(boxes[:, 3], y + chip)
                    - np.maximum(boxes[:, 1], y)
                ).clip(0)
                area = (boxes[:, 2] - boxes[:, 0]) * (
                    boxes[:, 3] - boxes[:, 1]
                )
                fraction = inside_w * inside_h / area
                # exact threshold ties are left to shapely's arithmetic
                clear = np.abs(fraction - min_visible) > 1e-9
                expected = set(
                    table.source_ids[objects][
                        (fraction >= min_visible) & (fraction > 0) & clear
                    ].tolist()
                )
                unclear = set(table.source_ids[objects][~clear].tolist())
                assert expected <= set(kept) <= expected | unclear
                # kept boxes are clipped to the chip
                chip_boxes = chipped.boxes[chipped.image_index == k]
                assert (chip_boxes >= -1e-9).all() and (
                    chip_boxes <= chip + 1e-9
                ).all()
