import pytest
import torch
from mmdet.models.detectors.base import BaseDetector
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import xview_plugins  # noqa: F401
from tests.conftest import FLOAT32_EPS, ROOT, network_tolerance
from xview_plugins.models import SlicedInference
from xview_plugins.models.utils import weighted_box_fusion


@MODELS.register_module(force=True)
class BrightSpotDetector(BaseDetector):
    """Test double: one 'object' box around the brightest pixel of each tile,
    score = its value; records the batch sizes it saw."""

    def __init__(self, data_preprocessor=None, test_cfg=None):
        super().__init__(
            data_preprocessor=dict(type='mmdet.DetDataPreprocessor')
        )
        self.batches = []
        self.score_thr = (test_cfg or {}).get('score_thr', 0.0)

    def predict(self, inputs, samples, rescale=True):
        self.batches.append(len(inputs))
        for image, sample in zip(inputs, samples):
            flat = image[0].flatten()
            value, index = flat.max(0)
            y, x = divmod(int(index), image.shape[-1])
            found = InstanceData()
            found.bboxes = torch.tensor([[x - 2.0, y - 2.0, x + 3.0, y + 3.0]])
            found.scores = value.view(1) / 255
            found.labels = torch.tensor([1])
            sample.pred_instances = found[found.scores > self.score_thr]
        return samples

    def loss(self, *args):
        raise NotImplementedError

    def _forward(self, *args):
        raise NotImplementedError

    def extract_feat(self, *args):
        raise NotImplementedError


def test_tiles_are_batched_shifted_back_and_merged():
    wrapper = SlicedInference(
        dict(type='BrightSpotDetector'),
        tile_size=64,
        tile_overlap=16,
        batch_size=3,
        test_cfg=dict(nms=dict(type='nms', iou_threshold=0.5)),
    ).eval()
    scene = torch.zeros(3, 100, 150)
    scene[:, 20, 100] = (
        255  # x = 100 lies in the tiles at x 48 and 86, y = 20 in row 0 only
    )
    scene[:, 10, 10] = 200
    found = wrapper.predict_scene(scene)
    corners = wrapper.tiles(100, 150)
    assert corners == [(x, y) for y in (0, 36) for x in (0, 48, 86)]
    assert wrapper.detector.batches == [3, 3]
    centres = ((found.bboxes[:, :2] + found.bboxes[:, 2:]) / 2).tolist()
    # the spot at (100, 20) is found in two tiles; merging keeps one box there
    assert sorted(centres) == [[10.5, 10.5], [100.5, 20.5]]
    # without merging (NMS that suppresses nothing) both tiles' boxes would
    # stay
    unmerged = (
        SlicedInference(
            dict(type='BrightSpotDetector'),
            tile_size=64,
            tile_overlap=16,
            batch_size=3,
            test_cfg=dict(nms=dict(type='nms', iou_threshold=1.01)),
        )
        .eval()
        .predict_scene(scene)
    )
    assert len(unmerged) == 3


def test_a_scene_smaller_than_a_tile_is_padded_and_boxes_clipped():
    wrapper = SlicedInference(
        dict(type='BrightSpotDetector'), tile_size=64, tile_overlap=8
    ).eval()
    scene = torch.zeros(3, 30, 40)
    scene[:, 29, 39] = 255
    found = wrapper.predict_scene(scene)
    assert found.bboxes[:, 2:].max(0).values.tolist() == [40.0, 30.0]


def yolov7_tiny_wrapper(**kwargs):
    init_default_scope('mmdet')
    cfg = Config.fromfile(
        str(ROOT / 'configs' / 'yolov7-tiny_synthetic-xview.py')
    )
    return SlicedInference(
        cfg.model.to_dict(),
        tile_size=128,
        tile_overlap=32,
        test_cfg=dict(score_thr=0.0),
        **kwargs,
    ).eval()


@pytest.mark.parametrize('height, width', [(80, 100), (1, 1), (150, 37)])
def test_no_detection_leaves_the_scene_or_has_zero_area(height, width):
    """An untrained network finds boxes everywhere, in the padding past the
    scene's edge too: every box kept lies in the scene with positive area."""
    torch.manual_seed(0)
    wrapper = yolov7_tiny_wrapper()
    with torch.no_grad():
        found = wrapper.predict_scene(torch.rand(3, height, width) * 255)
    boxes = found.bboxes
    assert len(boxes) > 0
    assert (boxes[:, 2] > boxes[:, 0]).all() and (
        boxes[:, 3] > boxes[:, 1]
    ).all()
    assert boxes[:, 0::2].min() >= 0 and boxes[:, 0::2].max() <= width
    assert boxes[:, 1::2].min() >= 0 and boxes[:, 1::2].max() <= height


@MODELS.register_module(force=True)
class FixedBoxesDetector(BrightSpotDetector):
    """Test double: the same two boxes in every tile."""

    def predict(self, inputs, samples, rescale=True):
        for sample in samples:
            sample.pred_instances = InstanceData(
                bboxes=torch.tensor([[50.0, 50, 60, 60], [35, 25, 45, 35]]),
                scores=torch.tensor([0.9, 0.8]),
                labels=torch.tensor([0, 0]),
            )
        return samples


def test_a_box_wholly_in_the_padding_is_dropped():
    wrapper = SlicedInference(
        dict(type='FixedBoxesDetector'), tile_size=64, tile_overlap=8
    ).eval()
    # on a 30 x 40 scene the first box lies in the padding (clamped, it would
    # be the zero-area box 40 30 40 30), the second is clipped to the scene
    found = wrapper.predict_scene(torch.zeros(3, 30, 40))
    assert found.bboxes.tolist() == [[35.0, 25.0, 40.0, 30.0]]


def test_batched_tiles_give_the_same_detections_as_one_by_one():
    wrapper = SlicedInference(
        dict(type='BrightSpotDetector'),
        tile_size=32,
        tile_overlap=8,
        batch_size=5,
        test_cfg=dict(nms=dict(type='nms', iou_threshold=0.3)),
    ).eval()
    scene = torch.rand(3, 100, 90) * 255
    batched = wrapper.predict_scene(scene)
    single = wrapper.predict_scene(scene, batch_size=1)
    assert len(batched) > 5
    assert torch.equal(batched.bboxes, single.bboxes) and torch.equal(
        batched.scores, single.scores
    )
    # and a real network scores a tile the same alone or in a batch
    torch.manual_seed(0)
    detector = yolov7_tiny_wrapper().detector
    tiles = torch.rand(4, 3, 128, 128)
    with torch.no_grad():
        together = detector._forward(tiles)
        alone = [detector._forward(tiles[i : i + 1]) for i in range(4)]
    for level, outputs in enumerate(together):
        for part, tensor in enumerate(outputs):
            # kernels pick other blockings (sum orders) by batch size
            bound = network_tolerance(detector, tensor.abs().max())
            for i in range(4):
                assert (tensor[i] - alone[i][level][part][0]).abs().max() <= (
                    bound
                )


def test_checkpoints_of_the_wrapped_detector_load_and_it_is_not_trainable():
    wrapper = yolov7_tiny_wrapper()
    plain = MODELS.build(
        Config.fromfile(
            str(ROOT / 'configs' / 'yolov7-tiny_synthetic-xview.py')
        ).model
    )
    wrapper.load_state_dict(plain.state_dict(), strict=True)
    key = next(iter(plain.state_dict()))
    assert torch.equal(
        wrapper.state_dict()['detector.' + key], plain.state_dict()[key]
    )
    with pytest.raises(NotImplementedError, match='test-time wrapper'):
        wrapper.loss(None, None)


def test_weighted_box_fusion_averages_overlapping_boxes_by_score():
    boxes = torch.tensor(
        [[0, 0, 10, 10], [2, 0, 12, 10], [50, 50, 60, 60], [0, 0, 10, 10.0]]
    )
    scores = torch.tensor([0.9, 0.3, 0.5, 0.8])
    labels = torch.tensor([0, 0, 0, 1])
    fused, fused_scores, fused_labels = weighted_box_fusion(
        boxes, scores, labels, 0.55
    )
    assert fused_labels.tolist() == [0, 0, 1]
    # weighted means of a few float32 values: a few ulps of each
    torch.testing.assert_close(
        fused[0],
        torch.tensor([0.5, 0, 10.5, 10]),
        rtol=4 * FLOAT32_EPS,
        atol=4 * FLOAT32_EPS,
    )  # (0.9*0 + 0.3*2) / 1.2
    torch.testing.assert_close(
        fused_scores,
        torch.tensor([0.6, 0.5, 0.8]),
        rtol=4 * FLOAT32_EPS,
        atol=0,
    )


def test_no_merged_detection_is_dropped_unless_a_cap_says_so(monkeypatch):
    """One box per 8-px tile of a 512-px scene: 4,096 merged detections, more
    than any per-scene cap would have kept (NMS at IoU 1.01 merges none); a
    cap logs what it drops."""
    from xview_plugins.models.detectors import sliced_inference

    scene = torch.rand(3, 512, 512) * 200 + 1
    logged = []
    monkeypatch.setattr(
        sliced_inference, 'print_log', lambda msg, **kw: logged.append(msg)
    )

    def detections(**cap):
        wrapper = SlicedInference(
            dict(type='BrightSpotDetector'),
            tile_size=8,
            tile_overlap=0,
            batch_size=512,
            test_cfg=dict(nms=dict(type='nms', iou_threshold=1.01), **cap),
        ).eval()
        with torch.no_grad():
            return wrapper.predict_scene(scene)

    assert len(detections()) == 4096
    assert logged == []
    found = detections(max_per_img=1000)
    assert len(found) == 1000
    assert len(logged) == 1 and '3096 dropped' in logged[0]


def test_its_score_thr_is_the_wrapped_detector_s_one_threshold():
    """test_cfg.score_thr of the wrapper is set as the wrapped detector's,
    so that one number decides which boxes are kept."""
    wrapper = yolov7_tiny_wrapper()  # test_cfg=dict(score_thr=0.0)
    assert wrapper.detector.bbox_head.test_cfg.score_thr == 0.0
    init_default_scope('mmdet')
    cfg = Config.fromfile(
        str(ROOT / 'configs' / 'yolov7-tiny_synthetic-xview.py')
    )
    plain = SlicedInference(cfg.model.to_dict(), tile_size=128)
    assert plain.test_cfg.score_thr is None  # the detector's own
    assert plain.detector.bbox_head.test_cfg.score_thr == 0.001


def test_the_old_keywords_are_deprecated_names():
    with pytest.warns(FutureWarning, match='overlap is deprecated'):
        old = SlicedInference(
            dict(type='BrightSpotDetector'),
            tile_size=64,
            overlap=8,
            iou_threshold=0.3,
            max_per_img=5,
        )
    new = SlicedInference(
        dict(type='BrightSpotDetector'),
        tile_size=64,
        tile_overlap=8,
        test_cfg=dict(nms=dict(type='nms', iou_threshold=0.3), max_per_img=5),
    )
    assert old.tile_overlap == new.tile_overlap == 8
    assert old.test_cfg == new.test_cfg


def test_tiles_are_read_ahead_only_beside_a_network_off_torchs_cpu_threads(
    tmp_path, monkeypatch
):
    """A reader thread beside torch's CPU threads oversubscribes the cores
    (torch batch 1 ran at half speed): tiles are then read inline, and ahead
    on a thread beside ONNX Runtime or a GPU; ``read_ahead`` forces either.
    The detections are the same."""
    import threading

    from tests.conftest import write_tif
    from xview_plugins.datasets.transforms import LoadGeoTIFFFromFile

    scene = write_tif(tmp_path / 'scene.tif', 90, 70)
    loader = LoadGeoTIFFFromFile()
    readers = set()
    read = loader.read

    def spy(*args, **kwargs):
        readers.add(threading.current_thread() is threading.main_thread())
        return read(*args, **kwargs)

    monkeypatch.setattr(loader, 'read', spy)

    def wrapper(**options):
        return SlicedInference(
            dict(type='BrightSpotDetector'),
            tile_size=32,
            tile_overlap=8,
            batch_size=2,
            **options,
        ).eval()

    found = {}
    for name, options, inline in (
        ('torch on the CPU', {}, True),
        ('forced ahead', dict(read_ahead=True), False),
    ):
        readers.clear()
        found[name] = wrapper(**options).predict_file(str(scene), loader)
        assert readers == {inline}, name
    assert torch.equal(
        found['torch on the CPU'].bboxes, found['forced ahead'].bboxes
    )
    # ONNX Runtime (and a GPU) run beside the reader thread
    assert not wrapper().reads_ahead()
    from xview_plugins.models.detectors import sliced_inference

    monkeypatch.setattr(
        sliced_inference, 'ONNXRuntimeDetector', BrightSpotDetector
    )
    assert wrapper().reads_ahead()
    assert not wrapper(read_ahead=False).reads_ahead()
