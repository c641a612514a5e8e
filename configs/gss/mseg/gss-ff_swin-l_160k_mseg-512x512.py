# GSS-FF, swin-l, MSeg universal taxonomy (194 classes, posterior-learning palette), 160k
# iterations. Model and schedule only: MSeg's dataset definitions are not in this toolbox yet,
# so add train/val/test dataloaders (512x512 crops) for your MSeg copy before training.
_base_ = [
    '../../_base_/models/gss-ff_swin-l.py', '../../_base_/default_runtime.py',
    '../../_base_/schedules/schedule_160k.py'
]
# This run's last checkpoint, where its GSS-FT-W config starts (load_from): iter_N must be
# train_cfg.max_iters of the schedule above (schedule_160k.py: 160000).
gss_ff_checkpoint = 'work_dirs/{{ fileBasenameNoExtension }}/iter_160000.pth'
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=194,
                     palette='{{ fileDirname }}/../../_base_/palettes/mseg_194.json'))
