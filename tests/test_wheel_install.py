"""The package as a user installs it: a wheel built from the tree, installed
into a fresh virtual environment outside the source tree, used from there."""

import json
import os
import shutil
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_command

# end to end (training, processes, installs): deselected by
# -m "not slow"
pytestmark = pytest.mark.slow

OWN = ('xview_plugins', 'xview_data', '__editable__', 'xview-plugins')


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """(python, bin folder, work folder) of a fresh venv holding only the built
    wheel; the already-installed stack (torch, mmcv with ops, mmdet, ...) is
    seen read-only through links to the project environment's site-packages,
    without this project's own entries.
    """
    tmp = tmp_path_factory.mktemp('wheel')
    # built from a copy: setuptools writes build/ and *.egg-info beside the
    # sources
    source = tmp / 'source'
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            '.venv',
            '.git',
            'data',
            'work_dirs',
            'build',
            'dist',
            '*.egg-info',
            '__pycache__',
            '.hypothesis',
        ),
    )
    run_command(
        sys.executable,
        '-m',
        'pip',
        'wheel',
        '--no-deps',
        '--no-build-isolation',
        '-q',
        '-w',
        tmp / 'dist',
        source,
        cwd=tmp,
    )
    wheels = list((tmp / 'dist').glob('xview_plugins-*.whl'))
    assert len(wheels) == 1
    stack = tmp / 'stack'
    stack.mkdir()
    for entry in Path(sysconfig.get_paths()['purelib']).iterdir():
        if not entry.name.startswith(OWN) and entry.suffix != '.pth':
            (stack / entry.name).symlink_to(entry)
    venv.create(tmp / 'venv', with_pip=False)
    python = tmp / 'venv' / 'bin' / 'python'
    site = run_command(
        python,
        '-c',
        'import sysconfig; print(sysconfig.get_paths()["purelib"])',
        cwd=tmp,
    ).strip()
    (Path(site) / 'installed_stack.pth').write_text(f'{stack}\n')
    # --no-index: every declared dependency must already be satisfied by the
    # stack
    run_command(
        sys.executable,
        '-m',
        'pip',
        '--python',
        python,
        'install',
        '--no-index',
        '-q',
        wheels[0],
        cwd=tmp,
    )
    work = tmp / 'work'
    work.mkdir()
    return python, python.parent, work


def test_the_wheel_holds_every_package_and_the_console_scripts(installed):
    python, bin_dir, work = installed
    out = run_command(
        python,
        '-c',
        textwrap.dedent("""
        import importlib.metadata as md, pkgutil, json
        import xview_data, xview_plugins
        names = sorted(
            m.name for p in (xview_data, xview_plugins)
            for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.'))
        files = [xview_data.__file__, xview_plugins.__file__]
        print(json.dumps(dict(files=files,
                              modules=names,
                              requires=md.requires('xview-plugins'))))
    """),
        cwd=work,
    )
    found = json.loads(out.strip().splitlines()[-1])
    assert all(
        str(ROOT) not in f and 'site-packages' in f for f in found['files']
    )
    source = sorted(
        '.'.join(p.relative_to(ROOT).with_suffix('').parts).removesuffix(
            '.__init__'
        )
        for package in ('xview_data', 'xview_plugins')
        for p in (ROOT / package).rglob('*.py')
    )
    assert found['modules'] == [
        m for m in source if '.' in m
    ]  # every module of the tree
    assert any(r.startswith('matplotlib') for r in found['requires'])
    for script in (
        'xview-convert',
        'xview-score',
        'xview-synth',
        'xview-train',
        'xview-test',
        'xview-infer',
        'xview-export-onnx',
    ):
        assert 'usage:' in run_command(bin_dir / script, '--help', cwd=work)


def test_every_config_builds_its_model_from_the_installed_package(installed):
    python, _, work = installed
    out = run_command(
        python,
        '-c',
        textwrap.dedent(f"""
        from pathlib import Path
        from mmengine.config import Config
        from mmengine.registry import init_default_scope
        from mmdet.registry import MODELS
        import xview_plugins
        built = []
        for path in sorted(Path({str(ROOT / 'configs')!r}).rglob('*.py')):
            if '_base_' in path.parts:
                continue
            cfg = Config.fromfile(str(path))
            init_default_scope(cfg.get('default_scope', 'mmdet'))
            model = MODELS.build(cfg.model)
            built.append(f'{{path.name}} {{type(model).__name__}}')
        print(xview_plugins.__file__)
        print('\\n'.join(built))
    """),
        cwd=work,
    )
    lines = out.strip().splitlines()
    configs = [
        p for p in (ROOT / 'configs').rglob('*.py') if '_base_' not in p.parts
    ]
    assert str(ROOT) not in lines[-len(configs) - 1]
    assert len(
        [
            line
            for line in lines
            if line.endswith(
                (
                    'YOLOv7',
                    'ChipClassifier',
                    'RTMDet',
                    'SlidingWindowDetector',
                    'SlicedInference',
                )
            )
        ]
    ) == len(configs)


def test_data_command_lines_run_from_the_installed_package(installed):
    _, bin_dir, work = installed
    env = {**os.environ, 'PATH': f'{bin_dir}{os.pathsep}{os.environ["PATH"]}'}
    run_command(
        'xview-synth',
        'release',
        '--num-images',
        2,
        '--size',
        256,
        cwd=work,
        env=env,
    )
    run_command(
        'xview-convert',
        'release/xView_train.geojson',
        'yolo',
        '--from',
        'xview',
        '--to',
        'yolo',
        'coco',
        '--images',
        'release/train_images',
        '--no-progress',
        cwd=work,
        env=env,
    )
    assert (work / 'yolo' / 'dataset.yaml').is_file()
    # near-perfect detections: every well-formed ground-truth box with score 1
    from xview_data.formats.xview_geojson import read_xview_geojson

    table = read_xview_geojson(work / 'release' / 'xView_train.geojson')
    predictions = work / 'predictions'
    predictions.mkdir()
    for position, objects in table.groups():
        boxes = table.boxes
        lines = [
            ' '.join(f'{v:g}' for v in boxes[k]) + f' {table.type_ids[k]} 1'
            for k in objects
            if boxes[k].min() >= 0
            and boxes[k][2] > boxes[k][0]
            and boxes[k][3] > boxes[k][1]
        ]
        (predictions / f'{table.images[position].file_name}.txt').write_text(
            '\n'.join(lines) + '\n'
        )
    out = run_command(
        'xview-score',
        predictions,
        'release/xView_train.geojson',
        '-o',
        'score',
        cwd=work,
        env=env,
    )
    assert 'map_score   1.00000000' in out  # every detection a true positive
    assert 0.5 < float((work / 'score' / 'score.txt').read_text()) <= 1
    assert (
        work / 'score' / 'precision_recall.png'
    ).stat().st_size > 1000  # matplotlib
