# GSS-FF, Swin-L, ADE20K (150 classes, posterior-learning palette), 160k iterations of
# 4 images x 8 GPUs, AdamW lr 1.2e-4; whole-image inference.
_base_ = [
    '../../_base_/models/gss_swin-l.py', '../../_base_/datasets/ade20k_512x512.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_160k.py'
]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(type='GSSFFHead', num_classes=150,
                     palette='{{ fileDirname }}/../../_base_/palettes/ade20k_150.json'))
