"""CloseRastersHook: no raster handle outlives the epoch that read it."""

from mmengine.config import Config

import xview_plugins  # noqa: F401
from tests.conftest import ROOT, write_tif
from xview_data import imagery
from xview_plugins.engine.hooks import CloseRastersHook


def test_each_epoch_end_closes_the_rasters_kept_open(tmp_path):
    path = write_tif(tmp_path / 'x.tif', 20, 10)
    imagery.close_open_files()  # what earlier tests left open
    hook = CloseRastersHook()
    for end in (
        hook.after_train_epoch,
        hook.after_val_epoch,
        hook.after_test_epoch,
    ):
        imagery.read_image(path, (0, 0, 5, 5))
        (src,) = imagery._shared.files.values()
        end(None)
        assert src.closed and not imagery._shared.files


def test_every_config_runs_it():
    cfg = Config.fromfile(str(ROOT / 'configs' / 'yolov7_xview.py'))
    assert cfg.default_hooks.close_rasters.type == 'CloseRastersHook'
