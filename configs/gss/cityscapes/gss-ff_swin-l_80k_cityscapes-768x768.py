# GSS-FF, swin-l, Cityscapes (19 classes, their usual colours + black for ignore), 80k iterations
# of 2 images x 8 GPUs; sliding-window inference (768, stride 512) as the original.
_base_ = [
    '../../_base_/models/gss_swin-l.py', '../../_base_/datasets/cityscapes_768x768.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_80k.py'
]
crop_size = (768, 768)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(type='GSSFFHead', num_classes=19,
                     palette='{{ fileDirname }}/../../_base_/palettes/cityscapes_19.json'),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(512, 512)))
