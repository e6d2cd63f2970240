"""tools/infer.py writes its folder like the converter (staged, renamed at the
end, a non-empty one only with --overwrite), refuses scenes that would
overwrite each other, and the documented route for official weights works:
convert -> infer -> xview_score.
"""

import json
import runpy
import subprocess
import sys
from contextlib import nullcontext

import pytest
import torch

from tests.conftest import (
    ROOT,
    TINY,
    save_checkpoint,
    write_tif,
    yolov7_tiny_state,
)


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp('ckpt') / 'tiny.pth'
    return save_checkpoint(path, yolov7_tiny_state(12))


def infer(argv, capsys):
    main = runpy.run_path(str(ROOT / 'tools' / 'infer.py'))['main']
    code = main(
        [
            str(a)
            for a in [
                TINY,
                *argv,
                '--tile-size',
                64,
                '--tile-overlap',
                16,
                '--no-progress',
                '--cfg-options',
                'model.test_cfg.score_thr=0.0',
            ]
        ]
    )
    return code, capsys.readouterr().err


def test_a_non_empty_out_needs_overwrite_and_is_replaced_whole(
    checkpoint, tmp_path, capsys
):
    scene = write_tif(tmp_path / 'a' / 'scene.tif', 96, 96)
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'stale.txt').write_text('from an earlier run')
    code, err = infer([checkpoint, scene, '--out', out], capsys)
    assert code == 2 and 'not empty' in err and '--overwrite' in err
    code, err = infer([checkpoint, scene, '--out', out, '--overwrite'], capsys)
    assert code == 0, err
    assert not (out / 'stale.txt').exists()
    assert (out / 'submission' / 'scene.tif.txt').is_file()
    assert (out / 'detections_coco.json').is_file()


def test_two_scenes_with_one_name_are_refused(checkpoint, tmp_path, capsys):
    first = write_tif(tmp_path / 'a' / 'scene.tif', 96, 96)
    second = write_tif(tmp_path / 'b' / 'scene.tif', 96, 96)
    code, err = infer(
        [checkpoint, first, second, '--out', tmp_path / 'out'], capsys
    )
    assert code == 2 and 'two scenes named scene' in err
    assert not (tmp_path / 'out').exists()


def test_out_holding_the_scenes_is_refused(checkpoint, tmp_path, capsys):
    scene = write_tif(tmp_path / 'in' / 'a.tif', 96, 96)
    code, err = infer(
        [checkpoint, scene, '--out', tmp_path / 'in', '--overwrite'], capsys
    )
    assert code == 2 and 'would overwrite the input' in err and scene.is_file()


def test_a_failing_scene_leaves_no_output(checkpoint, tmp_path, capsys):
    write_tif(tmp_path / 'in' / 'a.tif', 96, 96)
    (tmp_path / 'in' / 'b.tif').write_text('not an image')
    code, err = infer(
        [checkpoint, tmp_path / 'in', '--out', tmp_path / 'out'], capsys
    )
    assert code == 2 and 'b.tif' in err and 'Traceback' not in err
    assert not (tmp_path / 'out').exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith('.out.')]


def test_a_folder_without_scenes_is_refused(checkpoint, tmp_path, capsys):
    (tmp_path / 'empty').mkdir()
    code, err = infer(
        [checkpoint, tmp_path / 'empty', '--out', tmp_path / 'out'], capsys
    )
    assert code == 2 and 'no .tif or .tiff scenes' in err


@pytest.mark.slow  # three tools in processes
def test_official_weights_convert_infer_and_score(
    reference_dir, synthetic_release, tmp_path
):
    fixture = torch.load(
        reference_dir / 'yolov7-tiny_official_reference.pt', weights_only=True
    )
    torch.save(fixture['state_dict'], tmp_path / 'official.pt')
    converted = tmp_path / 'converted.pth'
    steps = [
        [
            'convert_yolov7_weights.py',
            tmp_path / 'official.pt',
            converted,
            '--config',
            TINY,
        ],
        [
            'infer.py',
            TINY,
            converted,
            sorted((synthetic_release / 'train_images').iterdir())[0],
            '--out',
            tmp_path / 'scenes',
            '--tile-size',
            256,
            '--tile-overlap',
            32,
            '--no-progress',
            '--cfg-options',
            'model.test_cfg.score_thr=0.001',
        ],
        [
            'xview_score.py',
            tmp_path / 'scenes' / 'submission',
            synthetic_release / 'xView_train.geojson',
            '-o',
            tmp_path / 'score',
            '--no-plot',
        ],
    ]
    for tool, *args in steps:
        result = subprocess.run(
            [sys.executable, str(ROOT / 'tools' / tool), *map(str, args)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert result.returncode == 0, (tool, result.stderr[-2000:])
    meta = torch.load(converted, weights_only=True)['meta']['dataset_meta']
    assert (
        meta['classes'][2] == 'Small car' and meta['xview_type_ids'][2] == 18
    )
    images = json.loads((tmp_path / 'scenes' / 'images.json').read_text())
    assert [c['name'] for c in images['categories']] == list(meta['classes'])
    assert 0 <= float((tmp_path / 'score' / 'score.txt').read_text()) <= 1


def test_max_per_img_caps_a_scene_and_says_so(checkpoint, tmp_path, capsys):
    scene = write_tif(tmp_path / 'a' / 'scene.tif', 96, 96)
    main = runpy.run_path(str(ROOT / 'tools' / 'infer.py'))['main']
    common = [TINY, checkpoint, scene, '--tile-size', 64, '--tile-overlap', 16]
    common += [
        '--no-progress',
        '--cfg-options',
        'model.test_cfg.score_thr=0.0',
    ]
    assert main([str(a) for a in [*common, '--out', tmp_path / 'all']]) == 0
    every = (tmp_path / 'all' / 'submission' / 'scene.tif.txt').read_text()
    assert len(every.splitlines()) > 2  # untrained, threshold 0
    capsys.readouterr()
    argv = [*common, '--out', tmp_path / 'two', '--max-per-img', 2]
    assert main([str(a) for a in argv]) == 0
    capped = (tmp_path / 'two' / 'submission' / 'scene.tif.txt').read_text()
    assert len(capped.splitlines()) == 2
    said = capsys.readouterr()
    assert 'dropped' in said.out + said.err


SLIDING = str(
    ROOT
    / 'configs'
    / 'sliding_window'
    / 'sliding-window_cnn-model6_synthetic-xview.py'
)


CLASSIFIER = str(ROOT / 'configs' / 'classification' / 'exp01_ffnn-m1.py')


@pytest.mark.parametrize(
    'options, config, message',
    [
        (['--tile-size', 0], TINY, '--tile-size must be at least 1'),
        (['--batch-size', 0], TINY, '--batch-size must be at least 1'),
        (['--tile-overlap', -1], TINY, '--tile-overlap must be at least 0'),
        (['--max-per-img', 0], TINY, '--max-per-img must be at least 1'),
        (
            ['--tile-size', 64, '--tile-overlap', 64],
            TINY,
            'tile_overlap must be in',
        ),
        (['--device', 'cuda:0'], TINY, 'cuda:0'),
        (['--device', 'gpu'], TINY, "'gpu'"),
        (
            ['--backend', 'onnxruntime', '--onnx', 'nope.onnx'],
            TINY,
            'nope.onnx',
        ),
        (['--backend', 'onnxruntime', '--onnx', 'bad.onnx'], TINY, 'bad.onnx'),
        (
            ['--backend', 'onnxruntime', '--onnx', 'x.onnx'],
            SLIDING,
            'dense head',
        ),
        ([], CLASSIFIER, 'ChipClassifier is not a detector'),
    ],
)
def test_every_option_applies_or_is_refused_in_one_line(
    checkpoint, tmp_path, capsys, options, config, message
):
    """Whatever the config: a setting that cannot run is a message (exit 2),
    never a traceback nor silently ignored."""
    if torch.cuda.is_available() and 'cuda:0' in options:
        pytest.skip('this machine has a CUDA device')
    scene = write_tif(tmp_path / 'in' / 'scene.tif', 96, 96)
    (tmp_path / 'bad.onnx').write_bytes(b'not a model')
    (tmp_path / 'x.onnx').write_bytes(b'unused')
    options = [
        tmp_path / o if str(o).endswith('.onnx') else o for o in options
    ]
    main = runpy.run_path(str(ROOT / 'tools' / 'infer.py'))['main']
    argv = [config, checkpoint, scene, *options, '--out', tmp_path / 'out']
    try:
        code = main([str(a) for a in argv + ['--no-progress']])
    except SystemExit as done:  # argparse's refusal
        code = done.code
    error = capsys.readouterr().err
    assert code == 2
    assert message in error, error
    assert not (tmp_path / 'out').exists()


def test_the_old_option_names_still_work_with_a_warning(
    checkpoint, tmp_path, capsys
):
    """--overlap, --max-dets and --score-thr are the old names of
    --tile-overlap, --max-per-img and --pred-score-thr: the same files."""
    scene = write_tif(tmp_path / 'a' / 'scene.tif', 96, 96)
    main = runpy.run_path(str(ROOT / 'tools' / 'infer.py'))['main']
    common = [TINY, checkpoint, scene, '--tile-size', 64, '--no-progress']
    common += ['--cfg-options', 'model.test_cfg.score_thr=0.0']
    outputs = {}
    for name, options in (
        ('old', ['--overlap', 16, '--max-dets', 3, '--score-thr', 0.2]),
        (
            'new',
            [
                '--tile-overlap',
                16,
                '--max-per-img',
                3,
                '--pred-score-thr',
                0.2,
            ],
        ),
    ):
        argv = [*common, *options, '--out', tmp_path / name]
        with pytest.warns(FutureWarning) if name == 'old' else nullcontext():
            assert main([str(a) for a in argv]) == 0
        outputs[name] = tmp_path / name
    for part in ('submission/scene.tif.txt', 'drawn/scene.png'):
        assert (outputs['old'] / part).read_bytes() == (
            outputs['new'] / part
        ).read_bytes()
    assert (
        len(
            (outputs['new'] / 'submission/scene.tif.txt')
            .read_text()
            .splitlines()
        )
        == 3
    )
    capsys.readouterr()
    argv = [
        *common,
        '--overlap',
        8,
        '--tile-overlap',
        8,
        '--out',
        tmp_path / 'x',
    ]
    assert main([str(a) for a in argv]) == 2
    assert 'give only --tile-overlap' in capsys.readouterr().err


def test_no_draw_writes_everything_but_the_drawing(
    checkpoint, tmp_path, capsys
):
    scene = write_tif(tmp_path / 'a' / 'scene.tif', 96, 96)
    for name, extra in (('drawn', []), ('plain', ['--no-draw'])):
        code, err = infer(
            [checkpoint, scene, '--out', tmp_path / name, *extra], capsys
        )
        assert code == 0, err
    drawn, plain = tmp_path / 'drawn', tmp_path / 'plain'
    assert (drawn / 'drawn' / 'scene.png').is_file()
    assert not (plain / 'drawn').exists()
    files = sorted(
        p.relative_to(plain) for p in plain.rglob('*') if p.is_file()
    )
    assert files and all(
        (plain / f).read_bytes() == (drawn / f).read_bytes() for f in files
    )
