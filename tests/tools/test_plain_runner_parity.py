"""A config behaves the same under tools/train.py and under a plain mmengine
Runner: the project's runtime is stated in the configs, not injected by the
tools or by an import.
"""

import re
import subprocess
import sys
import textwrap

import pytest
import torch

from tests.conftest import ROOT, run_tool

# end to end (training, processes, installs): deselected by
# -m "not slow"
pytestmark = pytest.mark.slow

PLAIN_RUNNER = textwrap.dedent("""
    import sys
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(sys.argv[1])
    cfg.work_dir = sys.argv[2]
    Runner.from_cfg(cfg).train()
""")
PLAIN_TEST = textwrap.dedent("""
    import sys
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(sys.argv[1])
    cfg.work_dir, cfg.load_from = sys.argv[2], sys.argv[3]
    cfg.train_dataloader.dataset.data_root = sys.argv[2] + '/no_training_data/'
    print('metrics', Runner.from_cfg(cfg).test())
""")


def tiny_classification_config(tmp_path, recognition):
    config = tmp_path / 'tiny_ffnn.py'
    loader = 'num_workers=0, persistent_workers=False, batch_size=16'
    config.write_text(
        textwrap.dedent(f"""
        _base_ = ['{ROOT}/configs/classification/ffnn_base.py']
        data_root = '{recognition}/'
        train_cfg = dict(max_epochs=2)
        few = dict(data_root=data_root, max_per_class=8)
        train_dataloader = dict({loader}, dataset=few)
        val_dataloader = dict({loader}, dataset=few)
        test_dataloader = dict({loader}, dataset=dict(data_root=data_root))
    """)
    )
    return config


def hook_order(log: str) -> str:
    """mmengine's table of hooks per stage, as the runner logs it at
    start-up."""
    found = re.search(
        r'Hooks will be executed in the following order:\n(.*?)\n(?=\S+ '
        r'\d\d:\d\d:\d\d - mmengine)',
        log,
        re.S,
    )
    assert found, log[-2000:]
    return found.group(1)


def run_plain(code, *args, cwd):
    result = subprocess.run(
        [sys.executable, '-c', code, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:]
    )
    return result.stdout + result.stderr


def test_tools_and_a_plain_runner_run_a_config_the_same_way(
    synthetic_release, tmp_path
):
    config = tiny_classification_config(
        tmp_path, synthetic_release / 'recognition'
    )
    tool_log = run_tool('train.py', config, '--work-dir', tmp_path / 'tool')
    plain_log = run_plain(
        PLAIN_RUNNER, config, tmp_path / 'plain', cwd=tmp_path
    )

    hooks = hook_order(tool_log)
    assert hooks == hook_order(plain_log)
    for hook in (
        'PlainCheckpointHook',
        'CheckpointHook',
        'KerasEarlyStoppingHook',
        'ClassWeightsHook',
        'ConfusionMatrixHook',
    ):
        assert hook in hooks
    for work in ('tool', 'plain'):
        checkpoint = tmp_path / work / 'epoch_2.pth'
        saved = torch.load(
            checkpoint, weights_only=True
        )  # plain types only, no allow-list
        assert (
            saved['meta']['epoch'] == 2
            and saved['meta']['dataset_meta']['classes']
        )
        assert sorted(saved) == sorted(
            torch.load(tmp_path / 'tool' / 'epoch_2.pth', weights_only=True)
        )
        assert list(
            (tmp_path / work).glob('best_cls_mean_accuracy_epoch_*.pth')
        )
        # no temporary file of the atomic writes is left behind
        assert not [
            p for p in (tmp_path / work).iterdir() if p.name.startswith('.')
        ]

    # Testing needs neither the training data nor the tools: the plain runner
    # loads the tool's checkpoint with mmengine's own loader (torch's
    # weights_only=True).
    tested = run_plain(
        PLAIN_TEST,
        config,
        tmp_path / 'plain_test',
        tmp_path / 'tool' / 'epoch_2.pth',
        cwd=tmp_path,
    )
    assert re.search(r"metrics \{'cls/mean_accuracy': [\d.]+", tested), tested[
        -2000:
    ]
    assert 'WeightsUnpickler' not in tested and 'Traceback' not in tested


def test_importing_the_package_changes_no_loader_and_no_backend():
    code = textwrap.dedent("""
        from mmengine.fileio.backends import backends
        from mmengine.runner.checkpoint import CheckpointLoader
        before = (dict(CheckpointLoader._schemes), set(backends))
        import xview_plugins
        loaders, names = dict(CheckpointLoader._schemes), set(backends)
        assert loaders == before[0], 'checkpoint loaders changed on import'
        assert names - before[1] == {'atomic_local'}, names - before[1]
        from xview_plugins.utils import register_safe_checkpoint_loader
        register_safe_checkpoint_loader()
        loader = CheckpointLoader._schemes['']
        assert loader.__name__ == 'load_from_local'
        assert loader.__module__ == 'xview_plugins.utils.checkpoint'
        print('ok')
    """)
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT
    )
    assert result.stdout.strip() == 'ok', result.stderr[-2000:]
