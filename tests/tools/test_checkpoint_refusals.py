"""Every checkpoint refusal (another number of classes, malicious, corrupt,
text, zero bytes, truncated, missing) ends train.py, test.py and infer.py with
exit code 2 and one line naming the file and what is wrong, without a traceback
and without output."""

import os
import pickle
import subprocess
import sys

import pytest
import torch

from tests.conftest import (
    ROOT,
    TINY,
    assert_one_error_line,
    run_main,
    write_tif,
    yolov7_tiny_state,
)

FFNN = str(ROOT / 'configs' / 'classification' / 'ffnn_base.py')


class Exploit:
    def __reduce__(self):
        return (os.system, ('touch EXPLOITED_MARKER',))


@pytest.fixture(scope='module')
def bad_checkpoints(tmp_path_factory):
    """kind -> (path, words the one-line message must hold)"""
    root = tmp_path_factory.mktemp('checkpoints')
    good = root / 'good.pth'
    torch.save(
        dict(state_dict=yolov7_tiny_state(12), meta=dict(epoch=1)), good
    )
    torch.save(
        dict(state_dict=yolov7_tiny_state(13), meta=dict(epoch=1)),
        root / 'thirteen.pth',
    )
    with open(root / 'evil.pth', 'wb') as f:
        pickle.dump({'state_dict': Exploit()}, f)
    state = yolov7_tiny_state(12)
    torch.save(
        dict(ema_state_dict=state, meta=dict(epoch=1)), root / 'ema.pth'
    )
    # an official YOLOv7 state_dict, not converted: no key matches
    torch.save(
        {f'model.{i}.conv.weight': v for i, v in enumerate(state.values())},
        root / 'official.pth',
    )
    half = dict(list(state.items())[: len(state) // 2])
    torch.save(dict(state_dict=half, meta=dict(epoch=1)), root / 'half.pth')
    (root / 'text.pth').write_text('this is not a checkpoint\n')
    (root / 'random.pth').write_bytes(os.urandom(4096))
    (root / 'empty.pth').write_bytes(b'')
    (root / 'truncated.pth').write_bytes(
        good.read_bytes()[: len(good.read_bytes()) // 2]
    )
    return {
        'wrong classes': (
            root / 'thirteen.pth',
            (
                'thirteen.pth',
                'does not fit the model',
                'in the checkpoint and',
            ),
        ),
        'ema only': (root / 'ema.pth', ('ema.pth', "no 'state_dict'", 'EMA')),
        'official keys': (
            root / 'official.pth',
            ('official.pth', 'not in it', 'convert_yolov7_weights.py'),
        ),
        'half the tensors': (
            root / 'half.pth',
            ('half.pth', 'does not fit the model', 'not in it', 'untrained'),
        ),
        'malicious': (
            root / 'evil.pth',
            ('evil.pth', 'refusing to load', 'system'),
        ),
        'text': (root / 'text.pth', ('text.pth', 'corrupt')),
        'random bytes': (root / 'random.pth', ('random.pth', 'corrupt')),
        'zero bytes': (root / 'empty.pth', ('empty.pth', 'empty file')),
        'truncated': (root / 'truncated.pth', ('truncated.pth', 'corrupt')),
        'missing': (
            root / 'absent.pth',
            ('absent.pth', 'no such checkpoint file'),
        ),
    }


def assert_one_line_refusal(code, err, words):
    line = assert_one_error_line(code, err, *words)
    if 'corrupt' in words:
        # not steered to the security escape hatch
        assert '--trust' not in line


KINDS = [
    'wrong classes',
    'ema only',
    'official keys',
    'half the tensors',
    'malicious',
    'text',
    'random bytes',
    'zero bytes',
    'truncated',
    'missing',
]


@pytest.mark.parametrize('kind', KINDS)
def test_infer_refuses(kind, bad_checkpoints, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path, words = bad_checkpoints[kind]
    scene = write_tif(tmp_path / 'scene.tif', 96, 96)
    code, err = run_main(
        'infer.py',
        [
            TINY,
            path,
            scene,
            '--out',
            tmp_path / 'out',
            '--tile-size',
            64,
            '--tile-overlap',
            16,
            '--no-progress',
        ],
        capsys,
    )
    assert_one_line_refusal(code, err, words)
    assert (
        not (tmp_path / 'out').exists()
        and not (tmp_path / 'EXPLOITED_MARKER').exists()
    )


@pytest.mark.parametrize(
    'kind',
    [
        'wrong classes',
        'ema only',
        'official keys',
        'half the tensors',
        'malicious',
        'truncated',
        'missing',
    ],
)
def test_test_py_refuses(
    kind, bad_checkpoints, synthetic_release, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    path, words = bad_checkpoints[kind]
    root = f'{synthetic_release}/'
    code, err = run_main(
        'test.py',
        [
            TINY,
            path,
            '--work-dir',
            tmp_path / 'work',
            '--cfg-options',
            f'test_dataloader.dataset.data_root={root}',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
        ],
        capsys,
    )
    assert_one_line_refusal(code, err, words)
    assert not (tmp_path / 'EXPLOITED_MARKER').exists()


@pytest.mark.parametrize('kind', ['wrong classes', 'half the tensors'])
def test_train_py_refuses_as_a_command(
    kind, bad_checkpoints, synthetic_release, tmp_path
):
    path, words = bad_checkpoints[kind]
    root = f'{synthetic_release}/'
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / 'tools' / 'train.py'),
            TINY,
            '--work-dir',
            str(tmp_path / 'work'),
            '--cfg-options',
            f'load_from={path}',
            f'train_dataloader.dataset.dataset.data_root={root}',
            'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False',
            f'val_dataloader.dataset.data_root={root}',
            'val_dataloader.num_workers=0',
            'val_dataloader.persistent_workers=False',
            'train_cfg.max_epochs=1',
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert_one_line_refusal(result.returncode, result.stderr, words)


def test_a_bare_state_dict_loads_in_test_py_as_in_infer(
    synthetic_release, tmp_path, capsys, monkeypatch
):
    """The same rule everywhere: a checkpoint that is a state_dict itself
    (every value a tensor) is its weights (mmengine's rule), in test.py too."""
    monkeypatch.chdir(tmp_path)
    bare = tmp_path / 'bare.pth'
    torch.save(yolov7_tiny_state(12), bare)
    root = f'{synthetic_release}/'
    code, err = run_main(
        'test.py',
        [
            TINY,
            bare,
            '--work-dir',
            tmp_path / 'work',
            '--cfg-options',
            f'test_dataloader.dataset.data_root={root}',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
        ],
        capsys,
    )
    assert code == 0, err
