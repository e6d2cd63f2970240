from .box_fusion import weighted_box_fusion
from .incremental_nms import IncrementalNMS
from .post_processing import (
    check_test_cfg,
    classwise_nms,
    nms_test_cfg,
    post_process,
    rescale_boxes,
)

__all__ = [
    'IncrementalNMS',
    'weighted_box_fusion',
    'check_test_cfg',
    'classwise_nms',
    'nms_test_cfg',
    'post_process',
    'rescale_boxes',
]
