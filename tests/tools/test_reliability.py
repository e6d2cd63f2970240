"""The tools under real archives, shared folders and full disks: no tool
deletes or overwrites a file it was given, whatever OUT is; a folder being
written is locked; the machine's errors (read-only folder, full disk, symlink
loop, a file where a folder goes) and bad settings end in one ``error:`` line
and exit code 2, with nothing partial left."""

import contextlib
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import (
    ROOT,
    TINY,
    assert_one_error_line,
    convert_command,
    run_convert,
    run_main,
    save_checkpoint,
    write_geojson,
    write_tif,
    yolov7_tiny_state,
)
from xview_data.io import output_lock


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def no_leftovers(folder: Path) -> list:
    """Staging folders, partial files and locks left in ``folder``."""
    return [
        p.name
        for p in folder.iterdir()
        if any(m in p.name for m in ('.partial', '.ready-', '.old-', '.lock'))
    ]


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp('ckpt') / 'tiny.pth'
    return save_checkpoint(path, yolov7_tiny_state(12))


def infer_args(checkpoint, scene, out, *extra):
    return [
        TINY,
        checkpoint,
        scene,
        '--out',
        out,
        '--tile-size',
        64,
        '--tile-overlap',
        16,
        '--no-progress',
        *extra,
    ]


@pytest.fixture
def annotations(tmp_path):
    write_tif(tmp_path / 'img' / '1.tif', 128, 128)
    return write_geojson(
        tmp_path / 'a.geojson', [([10, 10, 40, 40], 18, '1.tif')]
    )


# --- no tool deletes or overwrites its inputs -------------------------------


INFER_INPUTS = ['checkpoint', 'onnx', 'config', 'scene']


@pytest.mark.parametrize('which', INFER_INPUTS)
def test_infer_never_replaces_a_folder_holding_an_input(
    which, checkpoint, tmp_path, capsys
):
    # the one input under test lies in OUT, the others elsewhere
    work, elsewhere = tmp_path / 'work', tmp_path / 'elsewhere'
    work.mkdir()
    elsewhere.mkdir()
    home = {k: work if k == which else elsewhere for k in INFER_INPUTS}
    model = home['checkpoint'] / 'tiny.pth'
    model.write_bytes(checkpoint.read_bytes())
    config = home['config'] / 'config.py'
    config.write_text(f"_base_ = ['{TINY}']\n")
    scene = write_tif(home['scene'] / 'scene.tif', 96, 96)
    onnx = home['onnx'] / 'm.onnx'
    onnx.write_bytes(b'not read: refused before')
    inputs = dict(checkpoint=model, onnx=onnx, config=config, scene=scene)
    before = {k: digest(p) for k, p in inputs.items()}
    args = infer_args(model, scene, work, '--overwrite')
    args[0] = config
    args += ['--backend', 'onnxruntime', '--onnx', onnx]
    code, err = run_main('infer.py', args, capsys)
    assert_one_error_line(
        code, err, 'would overwrite the input', inputs[which].name
    )
    assert {k: digest(p) for k, p in inputs.items()} == before


def test_convert_never_replaces_a_folder_holding_its_class_map(
    annotations, tmp_path
):
    out = tmp_path / 'out'
    out.mkdir()
    classes = out / 'classes.json'
    classes.write_text('[18, 73]')
    result = run_convert(
        annotations,
        out,
        '--from',
        'xview',
        '--to',
        'coco',
        '--images',
        tmp_path / 'img',
        '--classes',
        classes,
        '--overwrite',
    )
    assert_one_error_line(
        result.returncode,
        result.stderr,
        'would overwrite the input',
        'classes.json',
    )
    assert classes.read_text() == '[18, 73]'


def test_export_never_writes_over_its_checkpoint(checkpoint, tmp_path, capsys):
    model = tmp_path / 'tiny.pth'
    model.write_bytes(checkpoint.read_bytes())
    before = digest(model)
    code, err = run_main(
        'deploy/export_onnx.py',
        [TINY, model, model, '--tile-size', 64],
        capsys,
    )
    assert_one_error_line(code, err, 'would overwrite the input', 'tiny.pth')
    assert digest(model) == before


def test_test_py_never_dumps_over_its_checkpoint(
    checkpoint, synthetic_release, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    model = tmp_path / 'tiny.pkl'  # a checkpoint may carry any name
    model.write_bytes(checkpoint.read_bytes())
    before = digest(model)
    code, err = run_main(
        'test.py',
        [
            TINY,
            model,
            '--out',
            model,
            '--work-dir',
            tmp_path / 'w',
            '--data-root',
            synthetic_release,
        ],
        capsys,
    )
    assert_one_error_line(code, err, 'would overwrite the input', 'tiny.pkl')
    assert digest(model) == before


def test_score_never_writes_into_its_predictions(tmp_path, capsys):
    from xview_data.cli.score import main

    predictions = tmp_path / 'pred'
    predictions.mkdir()
    (predictions / '1.tif.txt').write_text('10 10 40 40 18 0.9\n')
    truth = write_geojson(
        tmp_path / 'gt.geojson', [([10, 10, 40, 40], 18, '1.tif')]
    )
    code = main([str(predictions), str(truth), '-o', str(predictions)])
    assert_one_error_line(
        code, capsys.readouterr().err, 'would overwrite the input'
    )
    assert sorted(p.name for p in predictions.iterdir()) == ['1.tif.txt']


# --- one run at a time into a folder ----------------------------------------


def test_a_second_run_into_a_locked_folder_is_refused(annotations, tmp_path):
    out = tmp_path / 'out'
    args = (
        annotations,
        out,
        '--from',
        'xview',
        '--to',
        'coco',
        '--images',
        tmp_path / 'img',
    )
    with output_lock(out):  # another run writing OUT
        result = run_convert(*args)
    assert_one_error_line(
        result.returncode,
        result.stderr,
        str(out),
        'being written by another run',
        str(os.getpid()),
    )
    assert not out.exists()
    # the lock is free again: the same command runs
    assert run_convert(*args).returncode == 0
    assert no_leftovers(tmp_path) == []


def test_infer_into_a_locked_folder_is_refused(checkpoint, tmp_path, capsys):
    scene = write_tif(tmp_path / 'scene.tif', 96, 96)
    with output_lock(tmp_path / 'out'):
        code, err = run_main(
            'infer.py', infer_args(checkpoint, scene, tmp_path / 'out'), capsys
        )
    assert_one_error_line(code, err, 'being written by another run')
    assert not (tmp_path / 'out').exists()


def test_a_stale_lock_of_a_killed_run_is_taken_over(annotations, tmp_path):
    out = tmp_path / 'out'
    child = subprocess.Popen(
        [
            sys.executable,
            '-c',
            'import sys, time; from xview_data.io import output_lock\n'
            'with output_lock(sys.argv[1]):\n'
            ' print("held", flush=True); time.sleep(60)',
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert child.stdout.readline().strip() == 'held'
    child.kill()
    child.wait()
    assert (tmp_path / '.out.lock').exists()  # left behind by the kill
    result = run_convert(
        annotations,
        out,
        '--from',
        'xview',
        '--to',
        'coco',
        '--images',
        tmp_path / 'img',
    )
    assert result.returncode == 0, result.stderr
    assert (out / 'summary.json').exists() and no_leftovers(tmp_path) == []


def test_two_runs_started_together_into_one_folder_one_is_refused(
    annotations, tmp_path
):
    out = tmp_path / 'out'
    command = convert_command(
        annotations, out, '--from', 'xview', '--to', 'coco', 'yolo',
        '--images', tmp_path / 'img', '--tile-size', 32, '--keep-empty',
    )  # fmt: skip
    runs = [
        subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [run.communicate()[1] for run in runs]
    codes = sorted(run.returncode for run in runs)
    # whichever comes second finds OUT locked or already written: never two
    # runs reporting success with one output lost
    assert codes == [0, 2], errors
    assert any(
        'being written by another run' in e or 'is not empty' in e
        for e in errors
    ), errors


# --- the machine's errors ---------------------------------------------------


@contextlib.contextmanager
def mounted_tmpfs(path: Path, size: str, read_only: bool = False):
    """A small tmpfs at ``path`` (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip('needs root to mount a small tmpfs (CI runs as root)')
    path.mkdir(parents=True, exist_ok=True)
    options = f'size={size}' + (',ro' if read_only else '')
    done = subprocess.run(
        ['mount', '-t', 'tmpfs', '-o', options, 'tmpfs', str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        pytest.skip(f'cannot mount a tmpfs here: {done.stderr.strip()}')
    try:
        yield path
    finally:
        subprocess.run(['umount', '-l', str(path)], check=False)


def run_each_tool(tool, out, checkpoint, annotations, tmp_path, capsys):
    """Run ``tool`` writing to ``out``: its exit code and stderr."""
    if tool == 'convert':
        result = run_convert(
            annotations,
            out,
            '--from',
            'xview',
            '--to',
            'coco',
            'yolo',
            '--images',
            tmp_path / 'img',
            '--tile-size',
            '64',
            '--keep-empty',
        )
        return result.returncode, result.stderr
    if tool == 'infer':
        scene = write_tif(tmp_path / 'scene.tif', 300, 300)
        return run_main('infer.py', infer_args(checkpoint, scene, out), capsys)
    if tool == 'score':
        from xview_data.cli.score import main

        predictions = tmp_path / 'pred'
        predictions.mkdir(exist_ok=True)
        (predictions / '1.tif.txt').write_text('10 10 40 40 18 0.9\n')
        code = main([str(predictions), str(annotations), '-o', str(out)])
        return code, capsys.readouterr().err
    if tool == 'export':
        return run_main(
            'deploy/export_onnx.py',
            [
                TINY,
                checkpoint,
                out / 'm.onnx',
                '--tile-size',
                64,
                '--batch-size',
                1,
            ],
            capsys,
        )
    if tool == 'synth':
        return run_main(
            'make_synthetic_xview.py',
            [out, '--num-images', 2, '--size', 256],
            capsys,
        )
    raise ValueError(tool)


TOOLS = ['convert', 'infer', 'score', 'export', 'synth']


@pytest.mark.parametrize('tool', TOOLS)
def test_a_read_only_folder_is_one_line(
    tool, checkpoint, annotations, tmp_path, capsys
):
    with mounted_tmpfs(tmp_path / 'ro', '1m', read_only=True) as folder:
        code, err = run_each_tool(
            tool, folder / 'out', checkpoint, annotations, tmp_path, capsys
        )
        assert_one_error_line(code, err, 'read-only file system', str(folder))
        assert list(folder.iterdir()) == []


@pytest.mark.parametrize('tool', TOOLS)
def test_a_full_disk_is_one_line_and_leaves_nothing(
    tool, checkpoint, annotations, tmp_path, capsys
):
    # room for the lock and a little more, not for the outputs
    with mounted_tmpfs(tmp_path / 'small', '12k') as folder:
        code, err = run_each_tool(
            tool, folder / 'out', checkpoint, annotations, tmp_path, capsys
        )
        assert_one_error_line(code, err, 'the disk is full')
        assert list(folder.iterdir()) == []


@pytest.mark.parametrize('disk', ['full', 'read-only'])
def test_train_on_a_full_or_read_only_disk_is_one_line(
    disk, synthetic_release, tmp_path
):
    words = {'full': 'the disk is full', 'read-only': 'read-only file system'}
    with mounted_tmpfs(
        tmp_path / 'small', '16k', read_only=disk == 'read-only'
    ) as folder:
        result = subprocess.run(
            [
                sys.executable,
                str(ROOT / 'tools' / 'train.py'),
                TINY,
                '--work-dir',
                str(folder / 'work'),
                '--data-root',
                str(synthetic_release),
                '--cfg-options',
                'train_cfg.max_epochs=1',
                'train_dataloader.num_workers=0',
                'train_dataloader.persistent_workers=False',
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=600,
        )
    assert_one_error_line(result.returncode, result.stderr, words[disk])


@pytest.mark.parametrize('tool', TOOLS)
def test_out_that_is_a_symlink_loop_is_one_line(
    tool, checkpoint, annotations, tmp_path, capsys
):
    loop = tmp_path / 'loop'
    loop.symlink_to(loop)
    out = loop if tool != 'export' else loop / 'x'
    code, err = run_each_tool(
        tool, out, checkpoint, annotations, tmp_path, capsys
    )
    assert_one_error_line(code, err, 'loop')
    assert loop.is_symlink()


def test_score_into_an_existing_file_is_one_line(
    annotations, tmp_path, capsys
):
    taken = tmp_path / 'scores'
    taken.write_text('mine')
    code, err = run_each_tool(
        'score', taken, None, annotations, tmp_path, capsys
    )
    assert_one_error_line(code, err, str(taken))
    assert taken.read_text() == 'mine'


def test_the_onnx_file_follows_the_umask(checkpoint, tmp_path, capsys):
    old = os.umask(0o022)
    try:
        code, err = run_main(
            'deploy/export_onnx.py',
            [
                TINY,
                checkpoint,
                tmp_path / 'm.onnx',
                '--tile-size',
                64,
                '--batch-size',
                1,
            ],
            capsys,
        )
    finally:
        os.umask(old)
    assert code == 0, err
    assert (tmp_path / 'm.onnx').stat().st_mode & 0o777 == 0o644


# --- settings that cannot work ----------------------------------------------


def train_args(root, work, *options):
    return [
        TINY,
        '--work-dir',
        work,
        '--data-root',
        root,
        '--cfg-options',
        'train_cfg.max_epochs=1',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        *options,
    ]


@pytest.mark.parametrize(
    'options, words',
    [
        (
            ['train_dataloader.batch_size=-1'],
            ['train_dataloader.batch_size', '-1'],
        ),
        (['model.bbox_head.no_such_setting=1'], ['no_such_setting']),
        (['train_dataloader.dataset.dataset.tile_size=0'], ['tile_size', '0']),
        (
            ['train_dataloader.persistent_workers=True'],
            ['train_dataloader.persistent_workers', 'num_workers'],
        ),
    ],
)
def test_train_refuses_settings_that_cannot_work(
    options, words, synthetic_release, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    code, err = run_main(
        'train.py',
        train_args(synthetic_release, tmp_path / 'w', *options),
        capsys,
    )
    assert_one_error_line(code, err, *words)


def test_a_data_root_without_images_is_one_line(
    synthetic_release, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / 'root'
    root.mkdir()
    (root / 'xView_train.geojson').write_bytes(
        (synthetic_release / 'xView_train.geojson').read_bytes()
    )
    code, err = run_main('train.py', train_args(root, tmp_path / 'w'), capsys)
    assert_one_error_line(
        code, err, 'none of the', 'images', 'xView_train.geojson'
    )


@pytest.mark.parametrize(
    'option, words',
    [
        ('model.test_cfg.score_thr=abc', ['score_thr', 'abc']),
        ('model.test_cfg.max_per_img=0', ['max_per_img']),
        ('model.no_such_setting=1', ['no_such_setting']),
    ],
)
def test_infer_refuses_settings_that_cannot_work(
    option, words, checkpoint, tmp_path, capsys
):
    scene = write_tif(tmp_path / 'scene.tif', 96, 96)
    code, err = run_main(
        'infer.py',
        infer_args(
            checkpoint, scene, tmp_path / 'out', '--cfg-options', option
        ),
        capsys,
    )
    assert_one_error_line(code, err, *words)
    assert not (tmp_path / 'out').exists()


def test_a_bad_threshold_is_refused_on_any_detector(
    synthetic_release, tmp_path, capsys, monkeypatch
):
    """mmdet's own heads too (RTMDet): checked before anything is built."""
    monkeypatch.chdir(tmp_path)
    config = ROOT / 'configs' / 'rtmdet-tiny_synthetic-xview.py'
    code, err = run_main(
        'test.py',
        [
            config, tmp_path / 'absent.pth', '--work-dir', tmp_path / 'w',
            '--data-root', synthetic_release,
            '--cfg-options', 'model.test_cfg.score_thr=abc',
        ],
        capsys,
    )  # fmt: skip
    assert_one_error_line(code, err, 'score_thr', 'abc')


def test_convert_refuses_a_visible_fraction_above_one(annotations, tmp_path):
    result = run_convert(
        annotations,
        tmp_path / 'out',
        '--from',
        'xview',
        '--to',
        'coco',
        '--images',
        tmp_path / 'img',
        '--tile-size',
        '64',
        '--min-visible',
        '1.5',
    )
    assert_one_error_line(
        result.returncode, result.stderr, '--min-visible', '1.5'
    )


def test_train_never_starts_from_weights_in_its_own_work_dir(
    checkpoint, synthetic_release, tmp_path, capsys, monkeypatch
):
    """A new run writes (and, past max_keep_ckpts, deletes) epoch_<n>.pth
    in its work dir: load_from there is refused; resuming is not."""
    monkeypatch.chdir(tmp_path)
    work = tmp_path / 'w'
    work.mkdir()
    start = work / 'epoch_1.pth'
    start.write_bytes(checkpoint.read_bytes())
    code, err = run_main(
        'train.py',
        train_args(synthetic_release, work, f'load_from={start}'),
        capsys,
    )
    assert_one_error_line(
        code, err, 'would overwrite the input', 'epoch_1.pth'
    )
    assert digest(start) == digest(checkpoint)


def test_the_progress_bar_counts_tiles(checkpoint, tmp_path, capsys):
    """Two scenes of 4 x 3 and 2 x 2 tiles: one bar of 16 tiles, which
    moves within a scene."""
    first = write_tif(tmp_path / 'in' / 'a.tif', 200, 130)
    second = write_tif(tmp_path / 'in' / 'b.tif', 96, 96)
    args = infer_args(checkpoint, first, tmp_path / 'out', '--batch-size', 3)
    args.remove('--no-progress')
    args.insert(3, second)
    code, err = run_main('infer.py', args, capsys)
    assert code == 0, err
    # (the bar within a scene: tqdm redraws at most every 0.1 s, so the
    # batches are counted through SceneInferencer's callback, tested there)
    assert 'tiles: 100%' in err and '16/16' in err and 'scene 2/2' in err
