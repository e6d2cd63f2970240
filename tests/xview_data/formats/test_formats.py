"""YOLO, COCO and xview-txt readers and writers, and their round trips."""

import numpy as np
import pytest

from tests.conftest import objects_by_image, write_tif
from xview_data.formats import (
    read_coco,
    read_xview_txt,
    read_yolo,
    write_coco,
    write_dataset_yaml,
    write_xview_txt,
    write_yolo_labels,
    yolo_rows,
)
from xview_data.structures import BENCHMARK12, AnnotationTable, ImageRecord


def test_yolo_centre_is_the_mean_of_the_corners():
    rows = yolo_rows(np.array([[100.0, 50.0, 140.0, 70.0]]), 200, 100)
    # cx = (100 + 140) / 2 / 200, not (140 - 100) / 2 / 200 as in the report.
    # two float64 divisions: within assert_allclose's rtol 1e-7
    np.testing.assert_allclose(rows, [[0.6, 0.6, 0.2, 0.2]])


def make_table():
    images = [ImageRecord('s/a.tif', 200, 100), ImageRecord('b.tif', 64, 64)]
    return AnnotationTable(
        images,
        [0, 0, 1],
        [[100, 50, 140, 70], [0, 0, 10.5, 7], [3, 4, 60, 61]],
        [18, 73, 91],
        [5, 6, 7],
    )


def test_yolo_round_trip(tmp_path):
    table = make_table()
    for record in table.images:
        write_tif(
            tmp_path / 'images' / 'train' / record.file_name,
            record.width,
            record.height,
        )
    write_yolo_labels(table, tmp_path, 'train', BENCHMARK12)
    write_dataset_yaml(
        tmp_path / 'dataset.yaml', tmp_path, ['train'], BENCHMARK12
    )
    lines = (
        (tmp_path / 'labels' / 'train' / 's' / 'a.txt')
        .read_text()
        .splitlines()
    )
    assert lines[0] == '2 0.600000 0.600000 0.200000 0.200000'
    back = read_yolo(tmp_path)
    assert sorted(r.file_name for r in back.images) == [
        'train/b.tif',
        'train/s/a.tif',
    ]
    assert objects_by_image(back, 'train/', 2) == objects_by_image(
        table, '', 2
    )


def test_yolo_errors_name_file_and_line(tmp_path):
    write_tif(tmp_path / 'images' / 'train' / 'a.tif', 10, 10)
    (tmp_path / 'labels' / 'train').mkdir(parents=True)
    (tmp_path / 'labels' / 'train' / 'a.txt').write_text(
        '0 0.5 0.5 0.1 0.1\n3 0.5 0.5\n'
    )
    with pytest.raises(ValueError, match=r'a.txt:2'):
        read_yolo(tmp_path, BENCHMARK12)


def test_coco_round_trip(tmp_path):
    table = make_table()
    write_coco(table, tmp_path / 'c.json', BENCHMARK12)
    back = read_coco(tmp_path / 'c.json')
    # COCO boxes are written with two decimals (%.2f): within 0.005 px
    np.testing.assert_allclose(back.boxes, table.boxes, atol=0.01)
    assert back.type_ids.tolist() == [18, 73, 91]
    assert [(r.file_name, r.width) for r in back.images] == [
        ('s/a.tif', 200),
        ('b.tif', 64),
    ]


def test_coco_rejects_unsafe_file_names(tmp_path):
    (tmp_path / 'c.json').write_text(
        '{"images": [{"id": 1, "file_name": "../x.tif"}], '
        '"annotations": [], "categories": []}'
    )
    with pytest.raises(ValueError, match='leaves the image root'):
        read_coco(tmp_path / 'c.json')


def test_xview_txt_round_trip_and_comments(tmp_path):
    table = make_table()
    write_xview_txt(table, tmp_path / 'ann.txt', 'imgs/')
    text = (tmp_path / 'ann.txt').read_text()
    assert (
        text.splitlines()[0]
        == 'imgs/s/a.tif;2;5;100,50,140,70;18;6;0,0,10,7;73'
    )
    (tmp_path / 'ann.txt').write_text('# comment\n@ header\n' + text)
    back = read_xview_txt(tmp_path / 'ann.txt')
    assert [r.file_name for r in back.images] == ['imgs/s/a.tif', 'imgs/b.tif']
    # xView txt holds whole pixels: rounding moves a side by < 1 px
    np.testing.assert_allclose(back.boxes, table.boxes, atol=1)
    assert back.type_ids.tolist() == [
        18,
        73,
        91,
    ] and back.source_ids.tolist() == [5, 6, 7]


@pytest.mark.parametrize(
    'line, message',
    [
        ('a.tif;2;1;0,0,5,5;18', r'ann.txt:1: 2 objects announced'),
        ('a.tif;x;1;0,0,5,5;18', r'ann.txt:1: second field'),
        ('a.tif;1;1;0,0,5;18', r'ann.txt:1: object 1: expected'),
        ('../a.tif;1;1;0,0,5,5;18', r'ann.txt:1: image path'),
    ],
)
def test_xview_txt_errors_name_the_line(tmp_path, line, message):
    (tmp_path / 'ann.txt').write_text(line + '\n')
    with pytest.raises(ValueError, match=message):
        read_xview_txt(tmp_path / 'ann.txt')


def test_vectorized_yolo_lines_match_printf_formatting():
    from xview_data.formats.yolo import format_yolo_lines

    rng = np.random.default_rng(0)
    rows = rng.uniform(0, 1, (500, 4))
    rows[:3] = [
        [0, 1, 0.5, 0.25],
        [1e-7, 0.9999996, 0.123456, 0.0000005],
        [1, 1, 1, 1],
    ]
    classes = rng.integers(0, 60, 500)
    ours = format_yolo_lines(classes, rows).decode().splitlines()
    printf = [
        '%d %.6f %.6f %.6f %.6f' % (c, *r) for c, r in zip(classes, rows)
    ]
    assert len(ours) == len(printf)
    for a, b in zip(ours, printf):
        a_fields, b_fields = a.split(), b.split()
        assert a_fields[0] == b_fields[0] and len(a_fields) == 5
        assert all(len(f) == 8 for f in a_fields[1:])
        # six decimals, rounded otherwise than printf at ties: one unit of
        # the last digit (1e-6) and the float parse's round-off
        np.testing.assert_allclose(
            [float(f) for f in a_fields[1:]],
            [float(f) for f in b_fields[1:]],
            atol=1.01e-6,
        )
    assert ours[0] == f'{classes[0]} 0.000000 1.000000 0.500000 0.250000'
    # Out-of-range values (an unclipped box) fall back to printf formatting.
    assert (
        format_yolo_lines(np.array([3]), np.array([[1.5, -0.1, 0.2, 0.2]]))
        == b'3 1.500000 -0.100000 0.200000 0.200000\n'
    )


def test_numbers_are_read_strictly_and_inverted_boxes_have_their_own_reason(
    tmp_path,
):
    from tests.conftest import write_geojson
    from xview_data.formats import read_xview_geojson

    path = write_geojson(
        tmp_path / 'a.geojson',
        [
            ('1_00,10,120,30', 18, '1.tif', 1),  # not 100
            ('40,10,20,30', 18, '1.tif', 2),  # inverted
            ('20,10,20,30', 18, '1.tif', 3),  # zero width
            ('10,10,20,30', 18, '1.tif', 4),
        ],
    )
    table = read_xview_geojson(path)
    assert len(table) == 1 and table.skipped['malformed bounds_imcoords'] == 1
    assert table.skipped['inverted box (xmax < xmin or ymax < ymin)'] == 1
    assert table.skipped['zero-area box'] == 1
    (tmp_path / 'ann.txt').write_text('a.tif;1;1;1_0,0,5,5;18\n')
    with pytest.raises(ValueError, match='object 1: expected'):
        read_xview_txt(tmp_path / 'ann.txt')
    (tmp_path / 'ann.txt').write_text('a.tif;2;1;9,0,5,5;18;2;0,0,5,5;18\n')
    assert read_xview_txt(tmp_path / 'ann.txt').skipped == {
        'inverted box (xmax < xmin or ymax < ymin)': 1
    }


def yolo_set(tmp_path, labels, yaml_text='names: [a]\nxview_type_ids: [18]\n'):
    from tests.conftest import write_tif

    write_tif(tmp_path / 'images' / 'train' / 'x.tif', 100, 50)
    (tmp_path / 'labels' / 'train').mkdir(parents=True)
    (tmp_path / 'labels' / 'train' / 'x.txt').write_text(labels)
    (tmp_path / 'dataset.yaml').write_text(yaml_text)
    return tmp_path


@pytest.mark.parametrize(
    'row',
    [
        '0 0.5 0.5 1.2 0.1',
        '0 0.5 0.5 0.1 1.5',
        '0 1.3 0.5 0.1 0.1',
        '0 0.5 0.5 0 0.1',
        '0 0.5 0.5 -0.2 0.1',
    ],
)
def test_yolo_boxes_outside_the_image_are_counted_as_malformed(tmp_path, row):
    table = read_yolo(yolo_set(tmp_path, f'0 0.5 0.5 0.2 0.2\n{row}\n'))
    assert len(table) == 1 and sum(table.skipped.values()) == 1
    assert 'malformed YOLO label' in next(iter(table.skipped))


@pytest.mark.parametrize(
    'labels, yaml_text, message',
    [
        (
            '1_0 0.5 0.5 0.2 0.2\n',
            None,
            r"x.txt:1: expected 'class cx cy w h'",
        ),
        (
            '0 0.5 0.5 0.2 0.2\n',
            'names: [a\n  xview_type_ids: {',
            r'dataset.yaml: not YAML',
        ),
        (
            '0 0.5 0.5 0.2 0.2\n',
            '- just\n- a list\n',
            r'dataset.yaml: expected a mapping',
        ),
    ],
)
def test_yolo_errors_name_the_file(tmp_path, labels, yaml_text, message):
    root = yolo_set(tmp_path, labels, *([yaml_text] if yaml_text else []))
    with pytest.raises(ValueError, match=message):
        read_yolo(root)


@pytest.mark.parametrize(
    'document, message',
    [
        (
            {'images': [{'file_name': 'a.tif'}], 'annotations': []},
            r"images\[0\] has no integer 'id'",
        ),
        (
            {'images': [], 'annotations': [], 'categories': [{'name': 'car'}]},
            r"categories\[0\] has no integer 'id'",
        ),
        (
            {'images': ['a.tif'], 'annotations': []},
            r'images\[0\] is not an object',
        ),
        (
            {
                'images': [
                    {'id': 1, 'file_name': 'a.tif'},
                    {'id': 1, 'file_name': 'b.tif'},
                ],
                'annotations': [],
            },
            r'images\[1\]: image id 1 appears twice',
        ),
        (
            {
                'images': [{'id': 1, 'file_name': 'a.tif'}],
                'categories': [{'id': 1, 'type_id': 18}],
                'annotations': [
                    {
                        'id': 7,
                        'image_id': 1,
                        'category_id': 1,
                        'bbox': [1, 2, 3],
                    }
                ],
            },
            r'annotations\[0\] \(id 7\): bbox must be four numbers',
        ),
        (
            {
                'images': [{'id': 1, 'file_name': 'a.tif'}],
                'categories': [{'id': 1, 'type_id': 18}],
                'annotations': [
                    {
                        'id': 7,
                        'image_id': 2,
                        'category_id': 1,
                        'bbox': [1, 2, 3, 4],
                    }
                ],
            },
            r'annotations\[0\] \(id 7\): unknown image_id 2',
        ),
    ],
)
def test_coco_errors_name_the_file_and_the_entry(tmp_path, document, message):
    import json

    (tmp_path / 'c.json').write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r'c\.json: ' + message):
        read_coco(tmp_path / 'c.json')


@pytest.mark.parametrize('name', ['a;b.tif', 'a\nb.tif'])
def test_xview_txt_writer_refuses_names_its_reader_cannot_read(tmp_path, name):
    from xview_data.structures import AnnotationTable, ImageRecord

    table = AnnotationTable(
        [ImageRecord(name, 10, 10)], [0], [[0, 0, 5, 5]], [18], [1]
    )
    with pytest.raises(ValueError, match='cannot represent'):
        write_xview_txt(table, tmp_path / 'ann.txt')
    assert not (tmp_path / 'ann.txt').exists()
