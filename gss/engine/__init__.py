"""Glue between the command-line tools and mmengine's Runner."""
from gss.engine.anomaly_scores import AnomalyScoreWriterHook
from gss.engine.config_setup import (SUPPORTED_EVAL_METRICS, ConfigOptionsAction,
                                     add_launcher_arguments, apply_cfg_options, build_runner,
                                     check_eval_metrics, close_distributed, prepare_config,
                                     run_tool, set_eval_metrics, use_amp)
from gss.engine.weight_files import check_weight_files

__all__ = ['AnomalyScoreWriterHook', 'ConfigOptionsAction', 'SUPPORTED_EVAL_METRICS',
           'add_launcher_arguments',
           'apply_cfg_options', 'build_runner', 'check_eval_metrics', 'check_weight_files',
           'close_distributed', 'prepare_config', 'run_tool', 'set_eval_metrics', 'use_amp']
