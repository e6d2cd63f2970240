from .yolov7_ota import find_candidates, ota_assign

__all__ = ['find_candidates', 'ota_assign']
