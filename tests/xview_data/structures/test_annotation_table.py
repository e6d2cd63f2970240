import numpy as np

from xview_data.structures import AnnotationTable, ImageRecord, concat_tables


def make_table():
    images = [ImageRecord('a.tif', 100, 50), ImageRecord('b.tif', None, None)]
    boxes = [
        [-5, 10, 20, 30],
        [90, 40, 120, 60],
        [10, 10, 11, 30],
        [0, 0, 500, 500],
    ]
    return AnnotationTable(
        images, [0, 0, 0, 1], boxes, [18, 73, 18, 86], [1, 2, 3, 4]
    )


def test_clean_clips_to_known_sizes_and_drops_small_boxes():
    table = make_table().clean(min_size=2)
    np.testing.assert_array_equal(
        table.boxes, [[0, 10, 20, 30], [90, 40, 100, 50], [0, 0, 500, 500]]
    )
    assert table.skipped['clipped (kept)'] == 2
    assert table.skipped['too small or outside the image'] == 1


def test_groups_and_subsets_keep_objects_with_their_images():
    table = make_table()
    assert [list(objs) for _, objs in table.groups()] == [[0, 1, 2], [3]]
    sub = table.subset_images([1])
    assert [r.file_name for r in sub.images] == ['b.tif']
    assert sub.image_index.tolist() == [0] and sub.type_ids.tolist() == [86]


def test_concat_shifts_image_positions():
    both = concat_tables([make_table(), make_table()])
    assert len(both.images) == 4 and both.image_index.tolist() == [
        0,
        0,
        0,
        1,
        2,
        2,
        2,
        3,
    ]
