from .xview_scoring import (
    Boxes,
    ClassCurve,
    XViewScores,
    match_detections,
    official_order,
    score_xview,
    validate_detections,
    voc_ap,
)

__all__ = [
    'Boxes',
    'ClassCurve',
    'XViewScores',
    'match_detections',
    'official_order',
    'score_xview',
    'validate_detections',
    'voc_ap',
]
from .submission import (  # noqa: E402
    read_scoring_ground_truth,
    score_submission,
    write_score_files,
)

__all__ += [
    'read_scoring_ground_truth',
    'score_submission',
    'write_score_files',
]
