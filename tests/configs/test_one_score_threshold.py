"""One score threshold per model, where mmdet users look for it: ``--cfg-
options model.test_cfg.score_thr=...`` reaches the threshold the model
filters with, on every detection config (the whole-scene wrapper too)."""

import warnings

import pytest
from mmdet.registry import MODELS
from mmengine.registry import init_default_scope

import xview_plugins  # noqa: F401
from tests.conftest import ROOT
from xview_plugins.utils.config import load_config

DETECTION_CONFIGS = sorted(
    str(p.relative_to(ROOT / 'configs'))
    for pattern in ('yolov7*.py', 'rtmdet*.py', 'sliding_window/sliding-*.py')
    for p in (ROOT / 'configs').glob(pattern)
)


def threshold_in_use(model) -> float:
    """The score threshold the model's boxes are filtered with."""
    model = getattr(model, 'detector', model)  # SlicedInference
    head = getattr(model, 'bbox_head', None)
    return (head or model).test_cfg.score_thr


def test_every_detection_config_is_covered():
    assert len(DETECTION_CONFIGS) == 11


@pytest.mark.parametrize('config', DETECTION_CONFIGS)
def test_cfg_options_set_the_one_threshold(config, tmp_path):
    cfg = load_config(
        str(ROOT / 'configs' / config),
        str(tmp_path),
        {'model.test_cfg.score_thr': 0.123},
    )
    init_default_scope('mmdet')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        model = MODELS.build(cfg.model)
    assert threshold_in_use(model) == 0.123
    # the configs use no setting under an old name
    assert not [
        str(w.message)
        for w in caught
        if 'deprecated' in str(w.message)
        and issubclass(w.category, FutureWarning)
        and 'torch' not in str(w.message)
    ]
