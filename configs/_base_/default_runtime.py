# Runtime shared by every config: registries, hooks, logging, environment.
default_scope = 'mmseg'
custom_imports = dict(imports=['gss'], allow_failed_imports=False)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # nccl on GPUs. Without CUDA gss.compat starts gloo instead, and the tools' config
    # preparation (gss.engine.config_setup) writes gloo here so the logged config says so.
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
# tools/test.py --aug-test: each dataset base defines its tta_pipeline (scales and flips).
tta_model = dict(type='GSSTTAModel')
