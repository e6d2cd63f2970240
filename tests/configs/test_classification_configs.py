"""Every classification config builds: its model, and its training data on a
synthetic set."""

import pytest
import torch
from mmdet.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import xview_plugins  # noqa: F401  (registers the plugins)
from tests.conftest import ROOT

CONFIGS = sorted(
    p
    for p in (ROOT / 'configs' / 'classification').rglob('*.py')
    if '_base_' not in p.parts and not p.name.startswith('exp')
)


@pytest.mark.parametrize(
    'path', CONFIGS, ids=lambda p: str(p.relative_to(ROOT / 'configs'))
)
def test_config_builds_its_model_and_training_data(path, synthetic_release):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.default_scope)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.data_root = f'{synthetic_release}/recognition/'
    dataset = DATASETS.build(dataset_cfg)
    sample = dataset[0]
    model = MODELS.build(cfg.model)
    height, width = sample['inputs'].shape[1:]
    assert (height, width) == model.backbone.input_size[:2]
    model.eval()
    with torch.no_grad():
        assert model(sample['inputs'][None].float(), mode='tensor').shape == (
            1,
            12,
        )
