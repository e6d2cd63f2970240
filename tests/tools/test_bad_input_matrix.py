"""The bad-input matrix, through the command lines users run. Each case has one
documented outcome (docs/architecture.md, 'Bad input'): an error naming the
file and what is wrong (exit code 2, no output written), or a skip counted in
the summary (the run goes on)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import rasterio
import torch

from tests.conftest import ROOT, run_convert, write_geojson, write_tif


def assert_refused(result, out, *words):
    assert result.returncode == 2, result.stdout + result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if '.partial-' in p.name]


@pytest.fixture
def scene(tmp_path):
    write_tif(tmp_path / 'img' / '1.tif', 128, 128)
    return tmp_path / 'img'


@pytest.mark.parametrize(
    'content, words',
    [
        ('', ('a.geojson', 'empty file')),
        (
            '{"type": "Feature", "geometry": null, "properties": {}}',
            ('a.geojson', 'FeatureCollection'),
        ),
        (
            '{"type": "FeatureCollection", "features": [',
            ('a.geojson', 'not valid JSON'),
        ),
    ],
)
def test_broken_geojson_files_are_refused(tmp_path, scene, content, words):
    (tmp_path / 'a.geojson').write_text(content)
    out = tmp_path / 'out'
    assert_refused(
        run_convert(
            tmp_path / 'a.geojson',
            out,
            '--from',
            'xview',
            '--to',
            'coco',
            '--images',
            scene,
        ),
        out,
        *words,
    )


def test_unreadable_annotation_file_is_refused(tmp_path, scene):
    (tmp_path / 'a.geojson').mkdir()  # a folder where a file should be
    out = tmp_path / 'out'
    assert_refused(
        run_convert(
            tmp_path / 'a.geojson',
            out,
            '--from',
            'xview',
            '--to',
            'coco',
            '--images',
            scene,
        ),
        out,
        'a.geojson',
        'cannot read',
    )


def test_defective_features_are_skipped_and_counted(tmp_path, scene):
    src = write_geojson(
        tmp_path / 'a.geojson',
        [
            ('10,10,40,30', 18, '1.tif', 1),
            {'type': 'Feature', 'geometry': None},  # no properties
            ('10,10,x,30', 18, '1.tif', 2),  # non-numeric bounds
            ('10,10,40', 18, '1.tif', 3),  # three numbers
            ('10,10,40,30', 18, '1.tif', 1),  # duplicate feature
            ('10,10,40,30', 999, '1.tif', 4),  # type id outside the mapping
            (
                '10,10,40,30',
                21,
                '1.tif',
                5,
            ),  # an xView class outside benchmark12
            ('10,10,40,30', 18, 'absent.tif', 6),  # missing image
        ],
    )
    out = tmp_path / 'out'
    result = run_convert(
        src, out, '--from', 'xview', '--to', 'coco', '--images', scene
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / 'summary.json').read_text())
    skipped = summary['skipped']
    assert skipped['feature without properties'] == 1
    assert skipped['malformed bounds_imcoords'] == 2
    assert skipped['duplicate feature_id'] == 1
    assert skipped['unknown type_id'] == 1
    assert skipped['missing image'] == 1
    assert (
        sum(summary['objects'].values()) == 1
    )  # type 21 is not a benchmark12 class
    assert 'skipped' in result.stdout


def test_a_truncated_geotiff_is_named(tmp_path):
    path = write_tif(tmp_path / 'img' / '1.tif', 256, 256)
    path.write_bytes(path.read_bytes()[:3000])
    src = write_geojson(tmp_path / 'a.geojson', [('10,10,40,30', 18, '1.tif')])
    out = tmp_path / 'out'
    result = run_convert(
        src,
        out,
        '--from',
        'xview',
        '--to',
        'coco',
        '--images',
        tmp_path / 'img',
        '--tile-size',
        128,
    )
    assert_refused(result, out, '1.tif')


@pytest.mark.parametrize(
    'bands, dtype', [(1, 'uint8'), (4, 'uint8'), (8, 'uint8'), (3, 'uint16')]
)
def test_other_band_counts_and_uint16_become_3_band_uint8_chips(
    tmp_path, bands, dtype
):
    write_tif(tmp_path / 'img' / '1.tif', 128, 128, bands=bands, dtype=dtype)
    src = write_geojson(tmp_path / 'a.geojson', [('10,10,40,30', 18, '1.tif')])
    out = tmp_path / 'out'
    result = run_convert(
        src,
        out,
        '--from',
        'xview',
        '--to',
        'coco',
        '--images',
        tmp_path / 'img',
        '--tile-size',
        64,
    )
    assert result.returncode == 0, result.stderr
    chip = next((out / 'images' / 'train').rglob('*.tif'))
    with rasterio.open(chip) as src_chip:
        assert src_chip.count == 3 and src_chip.dtypes[0] == 'uint8'


def test_a_converter_killed_mid_run_leaves_no_output(
    synthetic_release, tmp_path
):
    out = tmp_path / 'out'
    args = [
        sys.executable,
        str(ROOT / 'tools' / 'convert_annotations.py'),
        str(synthetic_release / 'xView_train.geojson'),
        str(out),
        '--from',
        'xview',
        '--to',
        'coco',
        'yolo',
        'recognition',
        '--images',
        str(synthetic_release / 'train_images'),
        '--no-progress',
    ]
    process = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 60
    while not list(tmp_path.glob('.out.partial-*')) and time.time() < deadline:
        time.sleep(0.01)
    staging = list(tmp_path.glob('.out.partial-*'))
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert staging, 'the converter never started writing'
    assert not out.exists()
    # the next run removes the killed run's staging folder and writes the
    # output
    result = subprocess.run(args, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (out / 'train.json').is_file()
    assert not list(tmp_path.glob('.out.partial-*'))


def test_a_checkpoint_for_another_number_of_classes_is_refused_by_test_py(
    synthetic_release, tmp_path
):
    import xview_plugins  # noqa: F401
    from xview_plugins.models import ChipClassifier

    backbone = dict(type='RecognitionFFNN', model=4)
    checkpoint = tmp_path / 'twelve.pth'
    torch.save(
        dict(
            state_dict=ChipClassifier(backbone, num_classes=12).state_dict(),
            meta=dict(epoch=1),
        ),
        checkpoint,
    )
    root = f'{synthetic_release}/recognition/'
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / 'tools' / 'test.py'),
            str(ROOT / 'configs' / 'classification' / 'ffnn_base.py'),
            str(checkpoint),
            '--work-dir',
            str(tmp_path / 'work'),
            '--cfg-options',
            'model.backbone.model=4',
            'model.num_classes=13',
            f'test_dataloader.dataset.data_root={root}',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert 'twelve.pth: the checkpoint does not fit the model' in result.stderr
    assert (
        '(12, 32) in the checkpoint and (13, 32) in the model' in result.stderr
    )


def test_counts_survive_when_no_chip_keeps_an_object(tmp_path, scene):
    src = write_geojson(
        tmp_path / 'a.geojson',
        [
            ('10,10,40,30', 18, '1.tif', 1),
            ('10,10,40', 18, '1.tif', 2),  # one malformed
            ('10,10,40,30', 18, 'absent.tif', 3),
        ],
    )  # one missing image
    out = tmp_path / 'out'
    result = run_convert(
        src,
        out,
        '--from',
        'xview',
        '--to',
        'coco',
        '--images',
        scene,
        '--tile-size',
        8,
        '--min-visible',
        0.9,
    )
    assert result.returncode == 0, result.stderr
    skipped = json.loads((out / 'summary.json').read_text())['skipped']
    assert (
        skipped['malformed bounds_imcoords'] == 1
        and skipped['missing image'] == 1
    )
    assert skipped['below --min-visible in every chip'] == 1


@pytest.mark.parametrize(
    'option, value, words',
    [
        ('--chip-size', 0, '--chip-size must be at least 1'),
        ('--chip-size', -5, '--chip-size must be at least 1'),
        ('--tile-size', 0, '--tile-size must be at least 1'),
        ('--val-fraction', 1.5, '--val-fraction must be in [0, 1)'),
        ('--images', 'misspelt_folder', 'misspelt_folder: no such folder'),
    ],
)
def test_nonsense_options_are_refused(tmp_path, scene, option, value, words):
    src = write_geojson(
        tmp_path / 'a.geojson', [('10,10,40,30', 18, '1.tif', 1)]
    )
    out = tmp_path / 'out'
    args = ['--images', scene] if option != '--images' else []
    assert_refused(
        run_convert(
            src, out, '--from', 'xview', '--to', 'coco', *args, option, value
        ),
        out,
        words,
    )


@pytest.mark.parametrize(
    'out, options, words',
    [
        ('new', ['--num-images', '0'], '--num-images must be at least 1'),
        (
            'new',
            ['--num-images', '2', '--size', '8'],
            '--size must be at least 64',
        ),
        (
            'existing',
            ['--num-images', '2', '--size', '64'],
            'exists and is not empty',
        ),
        (
            'file',
            ['--num-images', '2', '--size', '64'],
            'exists and is not a folder',
        ),
    ],
)
def test_synthetic_generator_refuses_clearly(tmp_path, out, options, words):
    (tmp_path / 'existing').mkdir()
    (tmp_path / 'existing' / 'keep.txt').write_text('x')
    (tmp_path / 'file').write_text('x')
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / 'tools' / 'make_synthetic_xview.py'),
            str(tmp_path / out),
            *options,
        ],
        capture_output=True,
        text=True,
    )
    assert (
        result.returncode == 2
        and words in result.stderr
        and 'Traceback' not in result.stderr
    )
    assert (tmp_path / 'existing' / 'keep.txt').exists() and not (
        tmp_path / 'new'
    ).exists()


def test_line_breaks_huge_integers_and_nul_bytes_are_counted_skips(
    tmp_path, scene
):
    src = write_geojson(
        tmp_path / 'a.geojson',
        [
            ('10,10,40,30', 18, '1.tif', 1),
            (
                '10,10,\n40,30',
                18,
                '1.tif',
                2,
            ),  # a line break inside the bounds
            ('10,10,40,30', 2**64, '1.tif', 3),  # a type id beyond 64 bits
            ('10,10,40,30', 18, '1.tif', 2**70),  # a feature id beyond 64 bits
            ('10,10,40,30', 18, '1\x00.tif', 5),  # a NUL in the image id
        ],
    )
    out = tmp_path / 'out'
    result = run_convert(
        src, out, '--from', 'xview', '--to', 'coco', '--images', scene
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['skipped']['malformed bounds_imcoords'] == 1
    assert summary['skipped']['unknown type_id'] == 1
    assert summary['skipped']['unsafe or missing image_id'] == 1
    assert (
        sum(summary['objects'].values()) == 2
    )  # the huge feature id is just not an id
    # the scorer reads the same file without a crash
    (tmp_path / 'pred').mkdir()
    (tmp_path / 'pred' / '1.tif.txt').write_text('10 10 40 30 18 0.9\n')
    scored = subprocess.run(
        [
            sys.executable,
            str(ROOT / 'tools' / 'xview_score.py'),
            str(tmp_path / 'pred'),
            str(src),
            '-o',
            str(tmp_path / 'score'),
            '--no-plot',
        ],
        capture_output=True,
        text=True,
    )
    assert scored.returncode == 0, scored.stderr


@pytest.mark.parametrize('content', [b'', b'just some text\n'])
def test_a_file_that_is_not_an_image_is_unreadable_not_missing(
    tmp_path, scene, content
):
    (scene / '2.tif').write_bytes(content)
    src = write_geojson(
        tmp_path / 'a.geojson',
        [('10,10,40,30', 18, '1.tif', 1), ('10,10,40,30', 18, '2.tif', 2)],
    )
    out = tmp_path / 'out'
    result = run_convert(
        src, out, '--from', 'xview', '--to', 'coco', '--images', scene
    )
    assert result.returncode == 0, result.stderr
    skipped = json.loads((out / 'summary.json').read_text())['skipped']
    assert skipped == {'unreadable image': 1}
    # reading pixels (chipping) refuses it, naming the image
    out = tmp_path / 'chips'
    assert_refused(
        run_convert(
            src,
            out,
            '--from',
            'xview',
            '--to',
            'coco',
            '--images',
            scene,
            '--tile-size',
            64,
        ),
        out,
        '2.tif',
        'not a readable image',
    )


def test_a_png_named_tif_is_read_as_the_image_it_is(tmp_path, scene):
    import cv2
    import numpy as np

    cv2.imwrite(str(tmp_path / 'x.png'), np.full((64, 64, 3), 90, np.uint8))
    (tmp_path / 'x.png').rename(
        scene / '2.tif'
    )  # GDAL and PIL read files by content
    src = write_geojson(
        tmp_path / 'a.geojson', [('10,10,40,30', 18, '2.tif', 1)]
    )
    out = tmp_path / 'out'
    result = run_convert(
        src,
        out,
        '--from',
        'xview',
        '--to',
        'coco',
        '--images',
        scene,
        '--tile-size',
        32,
    )
    assert result.returncode == 0, result.stderr
    assert (
        sum(json.loads((out / 'summary.json').read_text())['objects'].values())
        == 1
    )
