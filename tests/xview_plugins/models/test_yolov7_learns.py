"""Training learns: YOLOv7-tiny from scratch on two 128-px tiles of the
synthetic release, through the config's own model, pipeline and official xView
metric. The loss falls and the trained detector's mAP on those tiles is far
above the untrained one's (an overfitting check of the whole loss -> gradient
-> decode path, about half a minute on 2 cores).
"""

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from tests.conftest import ROOT

# end to end (training, processes, installs): deselected by
# -m "not slow"
pytestmark = pytest.mark.slow


def test_a_short_training_lowers_the_loss_and_raises_the_map(
    synthetic_release,
):
    from mmdet.registry import DATASETS, METRICS, MODELS

    import xview_plugins  # noqa: F401

    init_default_scope('mmdet')
    torch.manual_seed(0)
    cfg = Config.fromfile(
        str(ROOT / 'configs' / 'yolov7-tiny_synthetic-xview.py')
    )
    dataset_cfg = cfg.val_dataloader.dataset.copy()
    dataset_cfg.update(
        data_root=f'{synthetic_release}/', tile_size=128, val_fraction=0.0
    )
    dataset_cfg.pop('split', None)
    dataset = DATASETS.build(dataset_cfg)
    tiles = sorted(
        (dataset[i] for i in range(len(dataset))),
        key=lambda s: -len(s['data_samples'].gt_instances),
    )[:2]
    assert all(len(t['data_samples'].gt_instances) >= 3 for t in tiles)
    # hyp.scratch.tiny's objectness gain at a 128-px input (train.py's rule)
    cfg.model.bbox_head.loss_obj.loss_weight = 1.0 * (128 / 640) ** 2
    model = MODELS.build(cfg.model)
    batch = dict(
        inputs=[t['inputs'] for t in tiles],
        data_samples=[t['data_samples'] for t in tiles],
    )

    def xview_map() -> float:
        model.eval()
        metric = METRICS.build(dict(type='XViewMetric'))
        metric.dataset_meta = dataset.metainfo
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            predictions = model.predict(data['inputs'], data['data_samples'])
        metric.process(
            {},
            [
                dict(
                    p.to_dict(),
                    instances=t['data_samples'].metainfo['instances'],
                )
                for p, t in zip(predictions, tiles)
            ],
        )
        model.train()
        return metric.evaluate(len(tiles))['xview/map']

    untrained = xview_map()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(160):
        data = model.data_preprocessor(batch, True)
        loss = sum(
            v
            for k, v in model.loss(
                data['inputs'], data['data_samples']
            ).items()
            if 'loss' in k
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    trained = xview_map()
    assert np.mean(losses[-20:]) < np.mean(losses[:20]) / 2, losses
    assert untrained < 0.05 and trained > 0.5, (untrained, trained)
