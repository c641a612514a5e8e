"""Evaluation metrics registered for configs' evaluators."""
from gss.evaluation.mseg_metric import MSegMetric, harmonic_mean

__all__ = ['MSegMetric', 'harmonic_mean']
