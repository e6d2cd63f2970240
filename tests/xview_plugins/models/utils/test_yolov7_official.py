"""YOLOv7 against the official implementation's fixture and layouts."""

import json

import pytest
import torch

import xview_plugins  # noqa: F401
from tests.conftest import FLOAT32_EPS, build_yolov7, network_tolerance
from xview_plugins.models import (
    load_official_state_dict,
    official_key_map,
    official_outputs,
)


@pytest.fixture(scope='module')
def fixture(reference_dir):
    return torch.load(
        reference_dir / 'yolov7-tiny_official_reference.pt', weights_only=True
    )


@pytest.mark.parametrize(
    'arch, layout',
    [
        ('tiny', 'yolov7-tiny_official_layout.json'),
        ('l', 'yolov7_official_layout.json'),
        ('x', 'yolov7x_official_layout.json'),
        ('w6', 'yolov7-w6_official_layout.json'),
        ('e6', 'yolov7-e6_official_layout.json'),
        ('d6', 'yolov7-d6_official_layout.json'),
        ('e6e', 'yolov7-e6e_official_layout.json'),
    ],
)
def test_layout_and_parameter_count_match_the_official(
    reference_dir, arch, layout
):
    official = json.loads((reference_dir / layout).read_text())
    model = build_yolov7(arch, anchors=official['anchors'])
    assert sum(p.numel() for p in model.parameters()) == official['num_params']
    keys = [k for k, _ in official['state_dict_keys']]
    mapping = official_key_map(model, keys)
    own = model.state_dict()
    for key, shape in official['state_dict_keys']:
        if key in mapping:
            assert list(own[mapping[key]].shape) == shape, key
    mapped = set(mapping.values())
    assert not [k for k in own if k not in mapped], (
        'model keys without an official source'
    )
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            assert module.eps == 1e-3 and module.momentum == 0.03
    act = torch.nn.LeakyReLU if arch == 'tiny' else torch.nn.SiLU
    first_conv = next(m for m in model.backbone.layers if hasattr(m, 'act'))
    assert isinstance(first_conv.act, act)


def reproduce_fixture(model, fixture, image_size: int):
    """The fixture's weights converted into ``model``: evaluation outputs,
    their decoding, training outputs and the loss items of the official
    code, each to the float32 round-off of its own computation (bit for bit
    where this machine's kernels are the fixture's: the README's figures).
    Returns the loss items of the official outputs and of the model's own
    training outputs (with their graph)."""
    report = load_official_state_dict(model, fixture['state_dict'])
    assert report == dict(mismatched=[], missing=[])
    model.eval()
    with torch.no_grad():
        raw = official_outputs(model, fixture['imgs'])
        assert len(raw) == len(fixture['eval_raw'])
        for ours, ref in zip(raw, fixture['eval_raw']):
            # another kernel set rounds each convolution otherwise
            bound = network_tolerance(model, ref.abs().max())
            assert (ours - ref).abs().max() <= bound
        # decoding is elementwise (sigmoid, a product, a square): a few
        # ulps of each value, of 1 for scores near 0
        torch.testing.assert_close(
            model.bbox_head.decode(fixture['eval_raw']),
            fixture['eval_decoded'],
            rtol=8 * FLOAT32_EPS,
            atol=8 * FLOAT32_EPS,
        )
    model.train()
    raw = official_outputs(model, fixture['imgs'])
    assert len(raw) == len(fixture['train_raw'])
    batch, _, height, width = fixture['imgs'].shape
    for ours, ref in zip(raw, fixture['train_raw']):
        # BatchNorm's batch statistics sum over N x H x W as well
        bound = network_tolerance(
            model, ref.abs().max(), summed=batch * height * width
        )
        assert (ours.detach() - ref).abs().max() <= bound
    # the loss of the official outputs: elementwise terms (a few ulps each)
    # in sums of up to ~10^6 terms (pairwise: about log2(n) = 20 ulps)
    official = model.bbox_head.official_loss(
        fixture['train_raw'], fixture['targets'], (image_size, image_size)
    )
    torch.testing.assert_close(
        official, fixture['loss_items'], rtol=32 * FLOAT32_EPS, atol=0
    )
    return official, model.bbox_head.official_loss(
        raw, fixture['targets'], (image_size, image_size)
    )


def test_outputs_and_loss_reproduce_the_official_fixture(fixture):
    model = build_yolov7('tiny', hyp=(0.05, 0.5, 1.0), img_size=320)
    official, items = reproduce_fixture(model, fixture, 320)
    # The mmdet loss (what the optimizer sees) is the official ``loss * batch
    # size`` (a power of two: exact on top of the items' round-off)
    torch.testing.assert_close(
        (official[3] * fixture['imgs'].shape[0]).view(1),
        fixture['loss'],
        rtol=32 * FLOAT32_EPS,
        atol=0,
    )
    (items[3] * fixture['imgs'].shape[0]).backward()  # reaches the weights
    assert model.backbone.layers[0].conv.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('arch', ['l', 'tiny'])
def test_deploy_fusion_keeps_outputs(arch):
    torch.manual_seed(0)
    model = build_yolov7(arch, num_classes=12)
    for module in model.modules():  # non-trivial BN statistics
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    imgs = torch.rand(1, 3, 128, 128)
    with torch.no_grad():
        before = official_outputs(model, imgs)
        # folded weights round otherwise than conv-then-BatchNorm
        bounds = [network_tolerance(model, b.abs().max()) for b in before]
        model.switch_to_deploy()
        after = official_outputs(model, imgs)
    assert not any(
        isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()
    )
    for a, b, bound in zip(before, after, bounds):
        assert (a - b).abs().max() <= bound


def test_deploy_switch_predicts_like_the_unfused_model():
    from mmdet.structures import DetDataSample

    torch.manual_seed(0)
    model = build_yolov7('tiny', num_classes=12).eval()
    inputs = torch.rand(1, 3, 128, 128)
    samples = [
        DetDataSample(
            metainfo=dict(img_shape=(128, 128), scale_factor=(1.0, 1.0))
        )
    ]
    with torch.no_grad():
        raw = official_outputs(model, inputs)
        plain = model.predict(inputs, [s.clone() for s in samples])[
            0
        ].pred_instances
        model.deploy = True
        fused = model.predict(inputs, [s.clone() for s in samples])[
            0
        ].pred_instances
    assert any(
        isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()
    )  # model untouched
    assert len(plain) == len(fused) > 0
    # the raw outputs' round-off (folded BatchNorm) times the decoding's
    # steepest slope: d(wh)/d(raw) <= 2 x the largest anchor
    slope = 2 * model.bbox_head.anchor_pixels.max()
    bound = slope * max(network_tolerance(model, r.abs().max()) for r in raw)
    assert (plain.bboxes - fused.bboxes).abs().max() <= bound


def test_yolov7_w6_outputs_reproduce_the_official_fixture(reference_dir):
    """yolov7-w6 at width 0.25 (ReOrg stem, 4 levels, IAuxDetect): the lead
    outputs in evaluation, their decoding, and lead then auxiliary outputs
    in training, exactly."""
    fixture = torch.load(
        reference_dir / 'yolov7-w6-w0.25_official_reference.pt',
        weights_only=True,
    )
    # hyp.scratch.p6's box 0.05, cls 0.3, obj 0.7, scaled as train.py does
    # for 4 levels and 384 px (the fixture's 0.0375 / 0.225 / 0.189)
    model = build_yolov7(
        'w6',
        widen_factor=0.25,
        anchors=fixture['yaml']['anchors'],
        hyp=(0.05, 0.3, 0.7),
        img_size=384,
    )
    assert sum(p.numel() for p in model.parameters()) == fixture['num_params']
    # 4 lead outputs in evaluation, lead then auxiliary in training, the loss
    # the official ComputeLossAuxOTA's
    _, items = reproduce_fixture(model, fixture, 384)
    items[3].backward()  # the auxiliary convs learn too
    assert model.bbox_head.m2[0].weight.grad.abs().sum() > 0


@pytest.mark.parametrize(
    'arch, first, last_lead',
    [('w6', 47, 117), ('e6', 57, 139), ('d6', 67, 161), ('e6e', 112, 260)],
)
def test_the_deploy_form_of_p6_models_drops_the_auxiliary_head(
    arch, first, last_lead
):
    """Evaluation never runs the auxiliary convs; the deploy switch removes
    them (the neck ends at the last lead conv) and keeps the lead
    outputs."""
    torch.manual_seed(0)
    model = build_yolov7(arch, widen_factor=0.25, num_classes=12).eval()
    imgs = torch.rand(1, 3, 128, 128)
    with torch.no_grad():
        before = official_outputs(model, imgs)
        bounds = [network_tolerance(model, b.abs().max()) for b in before]
        model.switch_to_deploy()
        after = official_outputs(model, imgs)
    assert len(before) == len(after) == 4
    for a, b, bound in zip(before, after, bounds):
        assert (a - b).abs().max() <= bound
    assert len(model.bbox_head.m2) == 0
    assert len(model.neck.layers) == last_lead - first + 1
