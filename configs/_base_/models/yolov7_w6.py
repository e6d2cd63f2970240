# yolov7-w6.yaml (cfg/training): ReOrg stem, 4 detection levels (strides 8 to
# 64) and the IAuxDetect head, trained with ComputeLossAuxOTA on the
# hyp.scratch.p6 loss weights (p5's) scaled for 4 levels at 1280 px; 12 xView
# classes.
_base_ = ['yolov7_l.py']

num_classes = 12
num_levels = 4
img_size = 1280
model = dict(
    data_preprocessor=dict(pad_size_divisor=64),
    backbone=dict(arch='w6'),
    neck=dict(arch='w6', in_channels=[256, 512, 768, 1024]),
    bbox_head=dict(
        in_channels=[256, 512, 768, 1024],
        # the auxiliary head's inputs, used in training only
        aux_in_channels=[320, 640, 960, 1280],
        anchors=[
            [19, 27, 44, 40, 38, 94],
            [96, 68, 86, 152, 180, 137],
            [140, 301, 303, 264, 238, 542],
            [436, 615, 739, 380, 925, 792],
        ],
        strides=[8, 16, 32, 64],
        obj_level_weights=[4.0, 1.0, 0.25, 0.06],
        loss_bbox=dict(loss_weight=0.05 * (3.0 / num_levels)),
        loss_cls=dict(
            loss_weight=0.3 * (num_classes / 80.0 * 3.0 / num_levels)
        ),
        loss_obj=dict(
            loss_weight=0.7 * ((img_size / 640) ** 2 * 3.0 / num_levels)
        ),
    ),
    # ComputeLossAuxOTA keeps each ground truth's top 20 IoUs for its k (10 in
    # ComputeLossOTA); the auxiliary outputs take the same assigner with all
    # four neighbouring cells (the head's default aux_assigner)
    train_cfg=dict(assigner=dict(candidate_topk=20)),
)
