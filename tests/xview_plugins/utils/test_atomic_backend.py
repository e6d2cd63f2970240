import os

import pytest
from mmengine.fileio import get_file_backend

from tests.conftest import ROOT
from xview_plugins.utils import ATOMIC_BACKEND, AtomicLocalBackend
from xview_plugins.utils.config import load_config


def test_writes_are_all_or_nothing(tmp_path, monkeypatch):
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend=ATOMIC_BACKEND)
    )
    assert isinstance(backend, AtomicLocalBackend)
    target = tmp_path / 'epoch_1.pth'
    backend.put(b'old', target)
    backend.put_text('epoch_1.pth', tmp_path / 'last_checkpoint')

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, 'replace', interrupted)
    with pytest.raises(KeyboardInterrupt):
        backend.put(b'new, half written', target)
    assert target.read_bytes() == b'old'
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'epoch_1.pth',
        'last_checkpoint',
    ]


def test_every_run_saves_checkpoints_through_it(tmp_path):
    cfg = load_config(
        str(ROOT / 'configs' / 'classification' / 'ffnn_base.py'),
        str(tmp_path),
        None,
        'none',
    )
    assert cfg.default_hooks.checkpoint.backend_args == dict(
        backend=ATOMIC_BACKEND
    )
