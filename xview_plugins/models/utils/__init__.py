from .box_fusion import weighted_box_fusion
from .incremental_nms import IncrementalNMS
from .post_processing import (
    check_test_cfg,
    classwise_nms,
    detector_test_cfg,
    post_process,
    rescale_boxes,
)
from .yolov7_official import (
    load_official_state_dict,
    official_key_map,
    official_outputs,
)

__all__ = [
    'load_official_state_dict',
    'official_key_map',
    'official_outputs',
    'IncrementalNMS',
    'weighted_box_fusion',
    'check_test_cfg',
    'classwise_nms',
    'detector_test_cfg',
    'post_process',
    'rescale_boxes',
]
