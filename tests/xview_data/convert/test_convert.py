"""The conversion command line end to end, on the synthetic release."""

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import (
    objects_by_image,
    run_convert,
    write_geojson,
    write_tif,
)
from xview_data.convert import ConvertOptions, convert
from xview_data.formats import (
    attach_images,
    read_coco,
    read_xview_geojson,
    read_xview_txt,
    read_yolo,
)
from xview_data.structures import BENCHMARK12


def reference_objects(release: Path) -> dict:
    table = read_xview_geojson(release / 'xView_train.geojson')
    table = attach_images(table, release / 'train_images')
    return objects_by_image(
        table.restrict_classes(BENCHMARK12.type_ids).clean(2.0)
    )


def test_cli_writes_every_format_with_a_summary(synthetic_release, tmp_path):
    out = tmp_path / 'all'
    result = run_convert(
        synthetic_release / 'xView_train.geojson',
        out,
        '--from',
        'xview',
        '--to',
        'coco',
        'yolo',
        'xview',
        'xview-txt',
        '--images',
        synthetic_release / 'train_images',
    )
    assert result.returncode == 0, result.stderr
    assert 'objects kept' in result.stdout and 'missing image' in result.stdout
    assert 'not-scored type_id' in result.stdout
    for name in (
        'train.json',
        'dataset.yaml',
        'xView_train.geojson',
        'xview_ann_train.txt',
        'summary.json',
        'class_histogram.png',
    ):
        assert (out / name).is_file(), name
    expected = reference_objects(synthetic_release)
    # Round trips back to the source boxes (1 px) and classes.
    assert (
        objects_by_image(read_coco(out / 'train.json'), 'train/') == expected
    )
    assert objects_by_image(read_yolo(out), 'train/') == expected
    assert (
        objects_by_image(
            read_xview_txt(out / 'xview_ann_train.txt'), 'images/train/'
        )
        == expected
    )
    assert (
        objects_by_image(read_xview_geojson(out / 'xView_train.geojson'))
        == expected
    )
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['objects']['train'] == sum(
        len(v) for v in expected.values()
    )


@pytest.mark.parametrize('source_format', ['coco', 'xview-txt'])
def test_format_to_format_and_back(synthetic_release, tmp_path, source_format):
    first = tmp_path / 'first'
    target = {'coco': 'coco', 'xview-txt': 'xview-txt'}[source_format]
    assert (
        run_convert(
            synthetic_release / 'xView_train.geojson',
            first,
            '--from',
            'xview',
            '--to',
            target,
            '--images',
            synthetic_release / 'train_images',
        ).returncode
        == 0
    )
    src = first / (
        'train.json' if source_format == 'coco' else 'xview_ann_train.txt'
    )
    images = first / 'images' if source_format == 'coco' else None
    second = tmp_path / 'second'
    args = [src, second, '--from', source_format, '--to', 'xview']
    result = run_convert(*args, *(['--images', images] if images else []))
    assert result.returncode == 0, result.stderr
    back = read_xview_geojson(second / 'xView_train.geojson')
    prefix = 'train/' if source_format == 'coco' else 'images/train/'
    assert objects_by_image(back, prefix) == reference_objects(
        synthetic_release
    )


def test_chips_and_grouped_split(synthetic_release, tmp_path):
    out = tmp_path / 'chips'
    result = run_convert(
        synthetic_release / 'xView_train.geojson',
        out,
        '--from',
        'xview',
        '--to',
        'coco',
        'yolo',
        '--images',
        synthetic_release / 'train_images',
        '--tile-size',
        256,
        '--tile-overlap',
        32,
        '--val-fraction',
        0.3,
        '--split-seed',
        1,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / 'summary.json').read_text())
    assert set(summary['scenes']['train']).isdisjoint(summary['scenes']['val'])
    assert len(summary['scenes']['val']) == 1
    for split in ('train', 'val'):
        coco = json.loads((out / f'{split}.json').read_text())
        for image in coco['images']:
            assert (out / 'images' / image['file_name']).is_file()
            assert image['width'] <= 256 and image['height'] <= 256
        scenes = {
            Path(i['file_name']).name.rsplit('_', 2)[0] + '.tif'
            for i in coco['images']
        }
        assert scenes <= set(summary['scenes'][split])
        boxes = np.array([a['bbox'] for a in coco['annotations']])
        assert (boxes[:, 0] >= 0).all() and (
            boxes[:, 0] + boxes[:, 2] <= 256.01
        ).all()
    assert (out / 'labels' / 'val').is_dir()


def test_recognition_chips(synthetic_release, tmp_path):
    out = tmp_path / 'rec'
    result = run_convert(
        synthetic_release / 'xView_train.geojson',
        out,
        '--from',
        'xview',
        '--to',
        'recognition',
        '--images',
        synthetic_release / 'train_images',
    )
    assert result.returncode == 0, result.stderr
    ann = json.loads((out / 'xview_ann_train.json').read_text())
    assert len(ann['images']) == len(ann['annotations']) > 0
    first = ann['images'][0]
    assert (
        first['file_name'].startswith('xview_train/') and first['width'] == 224
    )
    from xview_data.imagery import image_size

    assert image_size(out / first['file_name']) == (224, 224)
    x, y, w, h = ann['annotations'][0]['bbox']
    # Object-centred: the box sits in the middle third of the chip (context
    # 1.5).
    assert abs(x + w / 2 - 112) < 2 and abs(y + h / 2 - 112) < 2


def test_recognition_with_background_chips(synthetic_release, tmp_path):
    out = tmp_path / 'rec_bg'
    result = run_convert(
        synthetic_release / 'xView_train.geojson',
        out,
        '--from',
        'xview',
        '--to',
        'recognition',
        '--images',
        synthetic_release / 'train_images',
        '--background',
        4,
        '--chip-size',
        64,
    )
    assert result.returncode == 0, result.stderr
    ann = json.loads((out / 'xview_ann_train.json').read_text())
    background = [c for c in ann['categories'] if c['name'] == 'Background']
    assert (
        background
        and background[0]['type_id'] == 0
        and background[0]['id'] == 13
    )
    negatives = [a for a in ann['annotations'] if a['category_id'] == 13]
    assert len(negatives) == 4 * 3  # per scene, 3 scenes
    names = {i['id']: i['file_name'] for i in ann['images']}
    from xview_data.imagery import image_size

    assert all(
        image_size(out / names[a['image_id']]) == (64, 64) for a in negatives
    )
    assert 'Background' in result.stdout


def test_traversal_is_never_written_and_inputs_are_not_overwritten(tmp_path):
    write_tif(tmp_path / 'img' / '1.tif', 64, 64)
    # ids that would land outside OUT from images/<split>/ (../../../../) or
    # anywhere (/), and one that would stay inside it (../../): all refused
    # alike
    src = write_geojson(
        tmp_path / 'a.geojson',
        [
            ('1,1,20,20', 18, '1.tif'),
            ('1,1,20,20', 18, '../../../../x.tif'),
            ('1,1,20,20', 18, f'{tmp_path}/y.tif'),
            ('1,1,20,20', 18, '../../x.tif'),
        ],
    )
    out = tmp_path / 'deep' / 'out'
    before = set(tmp_path.parent.rglob('*'))
    result = run_convert(
        src,
        out,
        '--from',
        'xview',
        '--to',
        'yolo',
        'coco',
        'xview-txt',
        '--images',
        tmp_path / 'img',
    )
    assert result.returncode == 0, result.stderr
    assert 'unsafe or missing image_id' in result.stdout
    assert (
        json.loads((out / 'summary.json').read_text())['skipped'][
            'unsafe or missing image_id'
        ]
        == 3
    )
    new = set(tmp_path.parent.rglob('*')) - before
    assert new and all(
        p == out or out in p.parents or p == out.parent for p in new
    )
    result = run_convert(
        src, tmp_path, '--from', 'xview', '--to', 'coco', '--overwrite'
    )
    assert result.returncode == 2 and 'overwrite the input' in result.stderr
    assert src.is_file()


def test_failure_leaves_no_partial_output(tmp_path):
    write_tif(tmp_path / 'img' / '1.tif', 64, 64)
    src = write_geojson(tmp_path / 'a.geojson', [('1,1,20,20', 18, '1.tif')])
    out = tmp_path / 'out'
    # YOLO needs image sizes: without --images the run fails after reading.
    result = run_convert(src, out, '--from', 'xview', '--to', 'coco', 'yolo')
    assert result.returncode == 2 and 'pass --images' in result.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if 'partial' in p.name]


def test_existing_output_needs_overwrite(tmp_path):
    write_tif(tmp_path / 'img' / '1.tif', 64, 64)
    src = write_geojson(tmp_path / 'a.geojson', [('1,1,20,20', 18, '1.tif')])
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'keep.txt').write_text('x')
    options = ConvertOptions(
        'xview', ['coco'], images=tmp_path / 'img', progress=False
    )
    with pytest.raises(FileExistsError):
        convert(src, out, options)
    assert (out / 'keep.txt').read_text() == 'x'
    options.overwrite = True
    convert(src, out, options)
    assert (out / 'train.json').is_file() and not (out / 'keep.txt').exists()


def test_scene_tiles_and_recognition_chips_in_one_run(
    synthetic_release, tmp_path
):
    # --tile-size tiles the scenes for COCO, --chip-size sizes the
    # recognition chips; the recognition chips are cut from the source
    # scenes, one per object, split by the same scenes
    out = tmp_path / 'both'
    result = run_convert(
        synthetic_release / 'xView_train.geojson',
        out,
        '--from',
        'xview',
        '--to',
        'coco',
        'recognition',
        '--tile-size',
        256,
        '--chip-size',
        256,
        '--val-fraction',
        0.34,
        '--images',
        synthetic_release / 'train_images',
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / 'summary.json').read_text())
    expected = sum(
        len(v) for v in reference_objects(synthetic_release).values()
    )
    chips = {
        split: json.loads((out / f'xview_ann_{split}.json').read_text())
        for split in ('train', 'val')
    }
    assert sum(len(c['annotations']) for c in chips.values()) == expected
    assert all(
        image['width'] == 256 for c in chips.values() for image in c['images']
    )
    tiles = json.loads((out / 'val.json').read_text())
    val_scenes = set(summary['scenes']['val'])
    assert {
        image['file_name'].split('/')[1].rsplit('_', 2)[0] + '.tif'
        for image in tiles['images']
    } <= val_scenes


def test_the_old_option_names_still_work_with_a_warning(
    synthetic_release, tmp_path
):
    """--chip-size (tiling), --overlap and --seed are the old names of
    --tile-size, --tile-overlap and --split-seed: same outputs, a warning."""
    common = [
        synthetic_release / 'xView_train.geojson',
        None,
        '--from',
        'xview',
        '--to',
        'coco',
        '--images',
        synthetic_release / 'train_images',
        '--val-fraction',
        0.3,
        '--no-plot',
    ]
    runs = {}
    for name, options in (
        ('old', ['--chip-size', 200, '--overlap', 20, '--seed', 2]),
        ('new', ['--tile-size', 200, '--tile-overlap', 20, '--split-seed', 2]),
    ):
        common[1] = tmp_path / name
        result = run_convert(*common, *options)
        assert result.returncode == 0, result.stderr
        runs[name] = result.stderr
    for old, new in (
        ('chip_size (tiling scenes)', 'tile_size'),
        ('overlap', 'tile_overlap'),
        ('seed', 'split_seed'),
    ):
        assert f'{old} is deprecated, use {new}' in runs['old']
    assert 'deprecated' not in runs['new']
    for name in ('train.json', 'val.json'):
        assert (tmp_path / 'old' / name).read_bytes() == (
            tmp_path / 'new' / name
        ).read_bytes()
    both = run_convert(
        *common[:1],
        tmp_path / 'both',
        *common[2:],
        '--seed',
        1,
        '--split-seed',
        1,
    )
    assert both.returncode == 2
    assert 'seed is the old name of split_seed' in both.stderr
