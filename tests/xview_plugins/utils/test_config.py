from mmengine.config import Config

from tests.conftest import ROOT
from xview_plugins.utils.config import name_run

CONFIG = str(ROOT / 'configs' / 'yolov7-tiny_synthetic-xview.py')


def test_runs_sharing_a_process_get_their_own_names():
    """mmengine keys loggers and visualizers by name: a second run in the
    same second would write to the first's (closed) streams."""
    names = set()
    for _ in range(3):
        cfg = Config.fromfile(CONFIG)
        name_run(cfg)
        names.add(cfg.get('experiment_name'))
        if cfg.get('experiment_name'):
            assert cfg.visualizer.name == cfg.experiment_name
    # the process's first run (perhaps an earlier test) keeps mmengine's
    # default; every later one is named apart
    assert len(names - {None}) >= 2


def test_a_given_name_is_kept_and_a_config_s_own_too():
    cfg = Config.fromfile(CONFIG)
    name_run(cfg, 'exp01_train')
    assert cfg.experiment_name.startswith('exp01_train_')
    cfg = Config.fromfile(CONFIG)
    cfg.experiment_name = 'mine'
    name_run(cfg)
    assert cfg.experiment_name == 'mine'
