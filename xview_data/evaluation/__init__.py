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
from .submission import (
    read_submission,
    read_submission_file,
    score_submission,  # noqa: E402
    write_score_files,
    write_submission_file,
)

__all__ += [
    'read_submission',
    'read_submission_file',
    'score_submission',
    'write_score_files',
    'write_submission_file',
]
