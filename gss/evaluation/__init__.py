"""Evaluation metrics registered for configs' evaluators."""
from gss.evaluation.boundary_iou import (BoundaryIoUMetric, boundary_band,
                                         boundary_intersect_and_union, boundary_width_px,
                                         class_boundary_bands, erode_masks)
from gss.evaluation.calibration import (CalibrationMetric, calibration_sums,
                                        expected_calibration_error)
from gss.evaluation.mseg_metric import MSegMetric, harmonic_mean

__all__ = ['BoundaryIoUMetric', 'CalibrationMetric', 'MSegMetric', 'boundary_band',
           'boundary_intersect_and_union', 'boundary_width_px', 'calibration_sums',
           'class_boundary_bands', 'erode_masks', 'expected_calibration_error', 'harmonic_mean']
