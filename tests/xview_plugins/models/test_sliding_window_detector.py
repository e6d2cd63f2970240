import contextlib

import pytest
import torch
from mmdet.structures import DetDataSample

import xview_plugins  # noqa: F401
from tests.conftest import FLOAT32_EPS, network_tolerance
from xview_plugins.models import ChipClassifier, SlidingWindowDetector
from xview_plugins.models.classifiers.convolutional_window_scorer import (
    resize_windows,
)


def cnn_classifier(padding='valid', size=32, classes=13):
    return dict(
        type='ChipClassifier',
        num_classes=classes,
        backbone=dict(
            type='RecognitionCNN',
            model=4,
            input_size=(size, size, 3),
            padding=padding,
            batch_norm=True,
            dropout=0.2,
        ),
    )


def randomize_batch_norm(model):
    torch.manual_seed(1)
    for module in model.modules():
        if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)


@contextlib.contextmanager
def largest_logit(detector):
    """The largest class logit of each batch of the window loop, collected
    in the yielded list while the block runs."""
    found = []
    hook = detector.head.register_forward_hook(
        lambda module, args, out: found.append(float(out.abs().max()))
    )
    try:
        yield found
    finally:
        hook.remove()


def probability_tolerance(detector, logits: list) -> float:
    """The window loop against the convolutional path: the network's
    round-off on logits of that size, of which softmax passes at most half
    to a probability (|dp_i| <= 2 p_i (1 - p_i) max |dz| <= max |dz| / 2)."""
    return network_tolerance(detector, max(logits)) / 2


@pytest.mark.parametrize(
    'classifier,windows',
    [
        (
            cnn_classifier(),
            [(32, 8), (64, 16)],
        ),  # same size, and an integer down-scale
        (
            dict(
                type='ChipClassifier',
                num_classes=5,
                backbone=dict(
                    type='RecognitionFFNN',
                    model=2,
                    input_size=(16, 16, 3),
                    batch_norm=True,
                ),
            ),
            [(16, 4), (32, 6)],
        ),
    ],
)
def test_convolutional_path_matches_the_window_loop_on_the_grid(
    classifier, windows
):
    torch.manual_seed(0)
    detector = SlidingWindowDetector(classifier, windows=windows).eval()
    randomize_batch_norm(detector)
    image = torch.rand(3, 100, 90) * 2 - 1
    with torch.no_grad(), largest_logit(detector) as logits:
        loop_boxes, loop_probs = detector.window_scores(
            image, fully_convolutional=False
        )
        fcn_boxes, fcn_probs = detector.window_scores(
            image, fully_convolutional=True
        )
    assert torch.equal(loop_boxes, fcn_boxes)
    assert len(loop_boxes) > 100
    bound = probability_tolerance(detector, logits)
    assert (loop_probs - fcn_probs).abs().max() <= bound
    # and the loop is the plain classifier on each crop
    chip_classifier = ChipClassifier(
        **{k: v for k, v in classifier.items() if k != 'type'}
    )
    chip_classifier.load_state_dict(detector.state_dict())
    chip_classifier.eval()
    x1, y1, x2, y2 = loop_boxes[-1].int().tolist()
    padded = torch.nn.functional.pad(image, (0, 200, 0, 200))
    chip = resize_windows(
        padded[None, :, y1:y2, x1:x2], chip_classifier.backbone.input_size[0]
    )
    with torch.no_grad():
        direct = chip_classifier(chip, mode='tensor').softmax(1)[0]
    assert (direct - fcn_probs[-1]).abs().max() <= bound


def test_the_convolutional_path_needs_valid_convolutions_and_grid_strides():
    with pytest.raises(ValueError, match="padding='valid'"):
        SlidingWindowDetector(
            cnn_classifier(padding='same'), windows=[(32, 8)]
        )
    with pytest.raises(ValueError, match='multiple of the network stride 4'):
        SlidingWindowDetector(cnn_classifier(), windows=[(32, 6)])
    # the window loop takes any classifier and stride
    detector = SlidingWindowDetector(
        cnn_classifier(padding='same'),
        windows=[(32, 6)],
        fully_convolutional=False,
    ).eval()
    with torch.no_grad():
        # 32-px windows every 6 px over 64 px, padded to 68: 7 x 7
        assert len(detector.window_scores(torch.rand(3, 64, 64))[0]) == 49
    with pytest.raises(ValueError, match='whole number'):
        SlidingWindowDetector(cnn_classifier(), windows=[(48, 8)])


def biased_detector(favourite, **kwargs):
    detector = SlidingWindowDetector(
        cnn_classifier(), windows=[(32, 16)], **kwargs
    ).eval()
    detector.head.weight.data.zero_()
    detector.head.bias.data.fill_(-5.0)
    detector.head.bias.data[favourite] = 5.0
    return detector


def predict(detector, height=64, width=70):
    sample = DetDataSample(
        metainfo=dict(img_shape=(height, width), scale_factor=(1.0, 1.0))
    )
    with torch.no_grad():
        return detector.predict(torch.rand(1, 3, height, width), [sample])[
            0
        ].pred_instances


def test_background_windows_are_rejected_and_kept_ones_become_centred_boxes():
    assert len(predict(biased_detector(12, background_class=-1))) == 0
    found = predict(
        biased_detector(
            3,
            background_class=-1,
            test_cfg=dict(nms=dict(type='nms', iou_threshold=0.99)),
        )
    )
    # 32-px windows on a 16-px grid over 64 x 70 (padded to 64 x 80): 3 x 4
    assert len(found) == 12 and set(found.labels.tolist()) == {3}
    assert (found.scores > 0.99).all()
    sides = found.bboxes[:, 2:] - found.bboxes[:, :2]
    # a window side over 1.5 and the box arithmetic: a few ulps of 32
    torch.testing.assert_close(
        sides[0],
        torch.tensor([32 / 1.5, 32 / 1.5]),
        rtol=0,
        atol=4 * 32 * FLOAT32_EPS,
    )
    assert (
        found.bboxes[:, 2].max() == 70
    )  # the last column's box is clipped to the image
    # overlapping windows of one class merge under NMS
    assert (
        len(
            predict(
                biased_detector(
                    3,
                    background_class=-1,
                    test_cfg=dict(nms=dict(type='nms', iou_threshold=0.1)),
                )
            )
        )
        < 12
    )
    # without a background class the score threshold decides
    assert len(predict(biased_detector(3, test_cfg=dict(score_thr=1.01)))) == 0


def test_a_classification_checkpoint_loads_into_the_detector():
    classifier = ChipClassifier(
        **{k: v for k, v in cnn_classifier().items() if k != 'type'}
    )
    detector = SlidingWindowDetector(cnn_classifier())
    result = detector.load_state_dict(classifier.state_dict(), strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for key, value in classifier.state_dict().items():
        assert torch.equal(detector.state_dict()[key], value)
    with pytest.raises(NotImplementedError, match='train its classifier'):
        detector.loss(torch.rand(1, 3, 32, 32), [])


def test_the_classifier_weights_come_through_pretrained_init(tmp_path):
    classifier = ChipClassifier(
        **{k: v for k, v in cnn_classifier().items() if k != 'type'}
    )
    randomize_batch_norm(classifier)
    torch.save(
        dict(state_dict=classifier.state_dict(), meta=dict(epoch=3)),
        tmp_path / 'c.pth',
    )
    pretrained = dict(type='Pretrained', checkpoint=str(tmp_path / 'c.pth'))
    detector = SlidingWindowDetector(cnn_classifier(), init_cfg=pretrained)
    assert not torch.equal(detector.head.weight, classifier.head.weight)
    detector.init_weights()
    for key, value in classifier.state_dict().items():
        assert torch.equal(detector.state_dict()[key], value)
    # mmengine loads Pretrained weights non-strictly: ours refuses a misfit
    other = SlidingWindowDetector(
        cnn_classifier(classes=14), init_cfg=pretrained
    )
    with pytest.raises(ValueError, match='c.pth: the checkpoint does not fit'):
        other.init_weights()


def test_the_convolutional_scorer_is_built_once_until_weights_change(
    monkeypatch,
):
    from xview_plugins.models.detectors import (
        sliding_window_detector as sliding_window,
    )

    built = []
    scorer_class = sliding_window.ConvolutionalWindowScorer
    monkeypatch.setattr(
        sliding_window,
        'ConvolutionalWindowScorer',
        lambda *args: built.append(args[1]) or scorer_class(*args),
    )
    torch.manual_seed(0)
    detector = SlidingWindowDetector(
        cnn_classifier(), windows=[(32, 8), (64, 16)]
    ).eval()
    image = torch.rand(3, 70, 90)
    with torch.no_grad():
        first = detector.window_scores(image)
        again = detector.window_scores(torch.rand(3, 50, 40))
    assert built == [8]  # both scales score an 8-px grid at the input size
    assert len(again[0]) < len(first[0])
    trained = ChipClassifier(
        **{k: v for k, v in cnn_classifier().items() if k != 'type'}
    )
    randomize_batch_norm(trained)
    detector.load_state_dict(trained.state_dict())
    with torch.no_grad():
        boxes, probs = detector.window_scores(image)
        with largest_logit(detector) as logits:
            _, loop_probs = detector.window_scores(
                image, fully_convolutional=False
            )
    assert built == [8, 8]  # rebuilt from the loaded weights
    bound = probability_tolerance(detector, logits)
    assert (probs - loop_probs).abs().max() <= bound


def test_sliced_inference_runs_the_sliding_window_detector_over_a_scene():
    from xview_plugins.models import SlicedInference

    wrapper = SlicedInference(
        dict(
            type='SlidingWindowDetector',
            classifier=cnn_classifier(),
            windows=[(32, 16)],
            test_cfg=dict(score_thr=0.0),
        ),
        tile_size=64,
        tile_overlap=16,
        batch_size=2,
    ).eval()
    with torch.no_grad():
        found = wrapper.predict_scene(torch.rand(3, 100, 120) * 255)
    assert len(found) > 0
    assert found.bboxes[:, 2].max() <= 120 and found.bboxes[:, 3].max() <= 100


def test_the_old_keywords_are_deprecated_names_of_test_cfg():
    with pytest.warns(FutureWarning, match='nms_iou is deprecated'):
        old = biased_detector(3, score_thr=0.2, nms_iou=0.4, max_per_img=7)
    new = biased_detector(
        3,
        test_cfg=dict(
            score_thr=0.2,
            nms=dict(type='nms', iou_threshold=0.4),
            max_per_img=7,
        ),
    )
    assert old.test_cfg == new.test_cfg
    assert new.test_cfg.nms.iou_threshold == 0.4
    with pytest.raises(ValueError, match='give only test_cfg.score_thr'):
        biased_detector(3, score_thr=0.2, test_cfg=dict(score_thr=0.3))
