from .box_fusion import weighted_box_fusion

__all__ = ['weighted_box_fusion']
