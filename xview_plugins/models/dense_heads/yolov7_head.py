"""YOLOv7's ``IDetect`` head with the official OTA loss and decoding."""

from __future__ import annotations

import math
import warnings
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmdet.models.dense_heads.base_dense_head import BaseDenseHead
from mmdet.registry import MODELS, TASK_UTILS
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from ..layers.yolov7_blocks import ImplicitA, ImplicitM
from ..task_modules.assigners.yolov7_ota_assigner import OTAAssignment
from ..utils.post_processing import check_test_cfg, post_process

# ComputeLossAuxOTA's weight of the auxiliary outputs' terms
AUX_WEIGHT = 0.25


def official_loss_weights(
    num_classes: int,
    num_levels: int,
    loss_bbox: dict,
    loss_cls: dict,
    loss_obj: dict,
    box_weight: Optional[float] = None,
    cls_weight: Optional[float] = None,
    obj_weight: Optional[float] = None,
    img_size: Optional[int] = None,
) -> tuple[dict, dict, dict]:
    """The loss configs with ``loss_weight`` computed from a hyper-parameter
    file's ``box``/``cls``/``obj`` gains (default: hyp.scratch.p5) and the
    input size (default 640) as the official ``train.py`` scales them: what
    the configs write, and what the deprecated ``box_weight``/``cls_weight``/
    ``obj_weight``/``img_size`` of :class:`YOLOv7Head` mean."""
    box = 0.05 if box_weight is None else box_weight
    cls = 0.3 if cls_weight is None else cls_weight
    obj = 0.7 if obj_weight is None else obj_weight
    size = 640 if img_size is None else img_size
    return (
        # train.py's expressions, in its order
        dict(loss_bbox, loss_weight=box * (3.0 / num_levels)),
        dict(
            loss_cls, loss_weight=cls * (num_classes / 80.0 * 3.0 / num_levels)
        ),
        dict(
            loss_obj, loss_weight=obj * ((size / 640) ** 2 * 3.0 / num_levels)
        ),
    )


@MODELS.register_module()
class YOLOv7Head(BaseDenseHead):
    """``IDetect``: per level ``ImplicitA`` -> 1x1 conv -> ``ImplicitM``; raw
    outputs ``[B, na, H, W, 5 + nc]`` as the official layout (x, y, w, h, obj,
    classes).

    The loss is the official ``ComputeLossOTA``: positives assigned by
    ``train_cfg.assigner`` (``YOLOv7OTAAssigner``), per level ``loss_bbox``
    (the official CIoU), ``loss_cls`` and ``loss_obj`` (the official
    ``BCEWithLogitsLoss`` with ``pos_weight``: ``YOLOv7BCELoss``) and the
    objectness weighted per level by ``obj_level_weights``. Each sum over
    levels is weighted by its loss's ``loss_weight``, which the configs write
    as the official ``train.py`` computes it from the hyper-parameter file
    (``hyp.scratch.p5``: box 0.05, cls 0.3, obj 0.7; ``hyp.scratch.tiny``:
    0.05, 0.5, 1.0): box x 3/nl, cls x nc/80 x 3/nl, obj x (img_size/640)^2 x
    3/nl (the defaults: p5 at 80 classes, 3 levels, 640 px).

    ``box_weight``, ``cls_weight``, ``obj_weight`` and ``img_size`` are the
    old names of those weights (deprecated: they still compute the official
    scaling, with a warning).

    With ``aux_in_channels`` (``IAuxDetect``, the P6 models) the loss is the
    official ``ComputeLossAuxOTA``: the auxiliary outputs assigned by
    ``train_cfg.aux_assigner`` (default: the assigner with
    ``neighbour_range=1.0``) from the lead predictions add their terms
    weighted 0.25; the official recipe sets ``candidate_topk=20``.
    """

    def __init__(
        self,
        num_classes: int = 80,
        in_channels: Sequence[int] = (256, 512, 1024),
        anchors: Sequence[Sequence[int]] = (
            (12, 16, 19, 36, 40, 28),
            (36, 75, 76, 55, 72, 146),
            (142, 110, 192, 243, 459, 401),
        ),
        strides: Sequence[float] = (8, 16, 32),
        obj_level_weights: Sequence[float] = (4.0, 1.0, 0.4),
        loss_cls: dict = dict(type='YOLOv7BCELoss', loss_weight=0.3),
        loss_obj: dict = dict(type='YOLOv7BCELoss', loss_weight=0.7),
        loss_bbox: dict = dict(type='YOLOv7CIoULoss', loss_weight=0.05),
        label_smoothing: float = 0.0,
        iou_ratio: float = 1.0,
        aux_in_channels: Optional[Sequence[int]] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        init_cfg=None,
        box_weight: Optional[float] = None,
        cls_weight: Optional[float] = None,
        obj_weight: Optional[float] = None,
        img_size: Optional[int] = None,
    ) -> None:
        super().__init__(init_cfg)
        self.num_classes = num_classes
        self.num_outputs = num_classes + 5
        self.num_levels = len(in_channels)
        self.num_anchors = len(anchors[0]) // 2
        self.strides = [float(s) for s in strides]
        pixel_anchors = torch.tensor(anchors, dtype=torch.float32).view(
            self.num_levels, -1, 2
        )
        self.register_buffer('anchor_pixels', pixel_anchors, persistent=False)
        self.m = nn.ModuleList(
            nn.Conv2d(c, self.num_outputs * self.num_anchors, 1)
            for c in in_channels
        )
        self.ia = nn.ModuleList(ImplicitA(c) for c in in_channels)
        self.im = nn.ModuleList(
            ImplicitM(self.num_outputs * self.num_anchors) for _ in in_channels
        )
        # IAuxDetect (the P6 models): a plain 1x1 conv per level on other
        # neck outputs, used only in training
        self.m2 = nn.ModuleList(
            nn.Conv2d(c, self.num_outputs * self.num_anchors, 1)
            for c in aux_in_channels or ()
        )
        if self.m2 and len(self.m2) != self.num_levels:
            raise ValueError(
                f'aux_in_channels must give {self.num_levels} numbers, got'
                f' {list(aux_in_channels)}'
            )
        old = (box_weight, cls_weight, obj_weight, img_size)
        if any(value is not None for value in old):
            warnings.warn(
                'YOLOv7Head: box_weight, cls_weight, obj_weight and img_size '
                'are deprecated; write the official scaling in the loss_bbox,'
                ' loss_cls and loss_obj loss_weight (as in '
                'configs/_base_/models/yolov7_l.py)',
                FutureWarning,
                stacklevel=2,
            )
            loss_bbox, loss_cls, loss_obj = official_loss_weights(
                num_classes,
                self.num_levels,
                loss_bbox,
                loss_cls,
                loss_obj,
                *old,
            )
        self.obj_level_weights = list(obj_level_weights)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_obj = MODELS.build(loss_obj)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.cls_positive = 1.0 - 0.5 * label_smoothing
        self.cls_negative = 0.5 * label_smoothing
        self.iou_ratio = iou_ratio
        self.train_cfg = ConfigDict(
            train_cfg or dict(assigner=dict(type='YOLOv7OTAAssigner'))
        )
        self.assigner = TASK_UTILS.build(self.train_cfg.assigner)
        # the auxiliary outputs' assignment (build_targets2): by default the
        # lead's with all four neighbouring cells
        self.aux_assigner = TASK_UTILS.build(
            self.train_cfg.get(
                'aux_assigner',
                dict(self.train_cfg.assigner, neighbour_range=1.0),
            )
        )
        self.test_cfg = check_test_cfg(
            ConfigDict(
                test_cfg
                or dict(
                    multi_label=True,
                    score_thr=0.001,
                    nms=dict(type='nms', iou_threshold=0.65),
                    max_per_img=300,
                )
            )
        )
        self._init_biases()

    @torch.no_grad()
    def _init_biases(self) -> None:
        """Official prior: objectness for ~8 objects per 640 image, class prior
        0.6/nc."""
        convs = [*zip(self.m, self.strides), *zip(self.m2, self.strides)]
        for conv, stride in convs:
            bias = conv.bias.view(self.num_anchors, -1)
            bias[:, 4] += math.log(8 / (640 / stride) ** 2)
            bias[:, 5:] += math.log(0.6 / (self.num_classes - 0.99))

    def init_weights(self) -> None:
        # Modules keep PyTorch's default initialization, as the official model
        # does.
        pass

    def forward(
        self, feats: Sequence[torch.Tensor]
    ) -> tuple[list[torch.Tensor]]:
        """The raw outputs of the lead levels; in training with auxiliary
        convs, followed by those of the auxiliary levels (the official
        ``IAuxDetect``: lead then auxiliary), which evaluation, the deploy
        form and export never use."""
        raw = [
            self._layout(self.im[level](self.m[level](self.ia[level](x))))
            for level, x in enumerate(feats[: self.num_levels])
        ]
        if self.training and self.m2:
            raw += [
                self._layout(conv(x))
                for conv, x in zip(self.m2, feats[self.num_levels :])
            ]
        return (raw,)

    def drop_auxiliary(self) -> None:
        """The deploy form: without the auxiliary convs."""
        self.m2 = nn.ModuleList()

    def _layout(self, y: torch.Tensor) -> torch.Tensor:
        """(B, na * no, H, W) -> the official (B, na, H, W, no)."""
        b, _, h, w = y.shape
        return (
            y.view(b, self.num_anchors, self.num_outputs, h, w)
            .permute(0, 1, 3, 4, 2)
            .contiguous()
        )

    # ------------------------------------------------------------------
    # decoding
    def decode(self, raw: list[torch.Tensor]) -> torch.Tensor:
        """Official inference decoding: (B, sum(na*H*W), 5 + nc) with xy, wh in
        pixels of the network input and sigmoid objectness and class scores."""
        decoded = []
        for level, pred in enumerate(raw):
            b, na, h, w, no = pred.shape
            ys, xs = torch.meshgrid(
                torch.arange(h, device=pred.device),
                torch.arange(w, device=pred.device),
                indexing='ij',
            )
            grid = torch.stack((xs, ys), 2).view(1, 1, h, w, 2).float()
            anchor_grid = (
                self.anchor_pixels[level].view(1, na, 1, 1, 2).to(pred)
            )
            y = pred.sigmoid()
            xy = (y[..., 0:2] * 2 - 0.5 + grid) * self.strides[level]
            wh = (y[..., 2:4] * 2) ** 2 * anchor_grid
            decoded.append(torch.cat((xy, wh, y[..., 4:]), -1).view(b, -1, no))
        return torch.cat(decoded, 1)

    def predict_by_feat(
        self,
        raw: list[torch.Tensor],
        batch_img_metas: list[dict],
        cfg: Optional[dict] = None,
        rescale: bool = False,
        with_nms: bool = True,
    ) -> list[InstanceData]:
        cfg = ConfigDict(cfg) if cfg else self.test_cfg
        results = []
        for prediction, meta in zip(self.decode(raw), batch_img_metas):
            results.append(
                self._select(prediction, meta, cfg, rescale, with_nms)
            )
        return results

    def _select(
        self,
        prediction: torch.Tensor,
        meta: dict,
        cfg,
        rescale: bool,
        with_nms: bool = True,
    ) -> InstanceData:
        """Official ``non_max_suppression``: objectness pre-filter, score = obj
        x cls, multi-label or best class, class-wise NMS (skipped without
        ``with_nms``, e.g. for mmdet's test-time augmentation, which merges
        first), at most ``max_per_img``."""
        threshold = cfg.get('score_thr', 0.001)
        prediction = prediction[prediction[:, 4] > threshold]
        scores = prediction[:, 5:] * prediction[:, 4:5]
        boxes = torch.cat(
            [
                prediction[:, :2] - prediction[:, 2:4] / 2,
                prediction[:, :2] + prediction[:, 2:4] / 2,
            ],
            1,
        )
        if cfg.get('multi_label', True):
            rows, labels = (scores > threshold).nonzero(as_tuple=True)
            boxes, scores = boxes[rows], scores[rows, labels]
        else:
            scores, labels = scores.max(1)
            keep = scores > threshold
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
        max_candidates = cfg.get('max_candidates', 30000)
        if len(scores) > max_candidates:
            order = scores.argsort(descending=True)[:max_candidates]
            boxes, scores, labels = boxes[order], scores[order], labels[order]
        return post_process(
            InstanceData(bboxes=boxes, scores=scores, labels=labels),
            cfg.get('nms') if with_nms else None,
            cfg.get('max_per_img', 300),
            meta.get('scale_factor') if rescale else None,
        )

    # ------------------------------------------------------------------ loss
    def loss_by_feat(
        self,
        raw: list[torch.Tensor],
        batch_gt_instances: list[InstanceData],
        batch_img_metas: list[dict],
        batch_gt_instances_ignore=None,
    ) -> dict[str, torch.Tensor]:
        height, width = batch_img_metas[0]['batch_input_shape']
        targets = self.targets_from_instances(
            batch_gt_instances, (height, width), raw[0]
        )
        items = self.official_loss(raw, targets, (height, width))
        batch = raw[0].shape[0]
        return dict(
            loss_bbox=items[0] * batch,
            loss_obj=items[1] * batch,
            loss_cls=items[2] * batch,
        )

    @staticmethod
    def targets_from_instances(
        instances: list[InstanceData],
        image_size: tuple[int, int],
        like: torch.Tensor,
    ) -> torch.Tensor:
        """(n, 6) rows image index, class, cx, cy, w, h normalized by the batch
        input."""
        height, width = image_size
        rows = []
        for index, gt in enumerate(instances):
            boxes = gt.bboxes
            boxes = boxes.tensor if hasattr(boxes, 'tensor') else boxes
            if not len(boxes):
                continue
            cxcy = (boxes[:, :2] + boxes[:, 2:]) / 2
            wh = boxes[:, 2:] - boxes[:, :2]
            norm = boxes.new_tensor([width, height])
            rows.append(
                torch.cat(
                    [
                        boxes.new_full((len(boxes), 1), index),
                        gt.labels[:, None].to(boxes),
                        cxcy / norm,
                        wh / norm,
                    ],
                    1,
                )
            )
        return torch.cat(rows).to(like) if rows else like.new_zeros((0, 6))

    def official_loss(
        self,
        raw: list[torch.Tensor],
        targets: torch.Tensor,
        image_size: tuple[int, int],
    ) -> torch.Tensor:
        """``ComputeLossOTA`` per item: tensor [lbox, lobj, lcls, lbox + lobj +
        lcls]; with auxiliary outputs (``raw`` lead then auxiliary levels)
        ``ComputeLossAuxOTA``: the auxiliary levels assigned by
        ``aux_assigner`` (on the lead predictions) add their terms weighted
        0.25."""
        device = raw[0].device
        lead = raw[: self.num_levels]
        anchors = self.anchor_pixels.to(device) / torch.tensor(
            self.strides, device=device
        ).view(-1, 1, 1)
        # (assigner, weight, outputs): the lead, then the auxiliary outputs,
        # both assigned from the lead predictions
        parts = [(self.assigner, 1.0, lead)]
        if len(raw) > self.num_levels:
            parts.append((self.aux_assigner, AUX_WEIGHT, raw[len(lead) :]))
        assigned = [
            assigner.assign(
                lead,
                targets,
                anchors,
                self.strides,
                self.num_classes,
                image_size,
            )
            for assigner, _, _ in parts
        ]
        lbox = torch.zeros(1, device=device)
        lobj = torch.zeros(1, device=device)
        lcls = torch.zeros(1, device=device)
        for level in range(self.num_levels):
            objectness = 0
            for assignment, (_, weight, preds) in zip(assigned, parts):
                pred = preds[level]
                box, cls, tobj = self._level_terms(pred, level, assignment)
                # x 1.0 is exact: the lead terms are the official sums
                if box is not None:
                    lbox += weight * box
                if cls is not None:
                    lcls += weight * cls
                objectness = (
                    objectness
                    + weight
                    * self.loss_obj.unweighted(pred[..., 4], tobj)
                    * self.obj_level_weights[level]
                )
            lobj += objectness
        # the official weights each sum over the levels
        lbox = lbox * self.loss_bbox.loss_weight
        lobj = lobj * self.loss_obj.loss_weight
        lcls = lcls * self.loss_cls.loss_weight
        return torch.cat((lbox, lobj, lcls, lbox + lobj + lcls))

    def _level_terms(
        self, pred: torch.Tensor, level: int, assignment: OTAAssignment
    ):
        """One level's box loss, class loss (None without positives; the
        class loss also for one class) and objectness target."""
        tobj = torch.zeros_like(pred[..., 0])
        b = assignment.batch_index[level]
        if b is None or not len(b):
            return None, None, tobj
        a = assignment.anchor_index[level]
        gj, gi = assignment.grid_y[level], assignment.grid_x[level]
        targets = assignment.targets[level]
        ps = pred[b, a, gj, gi]
        grid = torch.stack([gi, gj], dim=1)
        pxy = ps[:, :2].sigmoid() * 2 - 0.5
        pwh = (ps[:, 2:4].sigmoid() * 2) ** 2 * assignment.anchors[level]
        gain = torch.tensor(pred.shape, device=pred.device)[[3, 2, 3, 2]]
        tbox = targets[:, 2:6] * gain
        tbox[:, :2] -= grid
        box_loss, iou = self.loss_bbox.unweighted(
            torch.cat((pxy, pwh), 1), tbox
        )
        tobj[b, a, gj, gi] = (
            1.0 - self.iou_ratio
        ) + self.iou_ratio * iou.detach().clamp(0).type(tobj.dtype)
        cls_loss = None
        if self.num_classes > 1:
            t = torch.full_like(ps[:, 5:], self.cls_negative)
            t[range(len(b)), targets[:, 1].long()] = self.cls_positive
            cls_loss = self.loss_cls.unweighted(ps[:, 5:], t)
        return box_loss, cls_loss, tobj
