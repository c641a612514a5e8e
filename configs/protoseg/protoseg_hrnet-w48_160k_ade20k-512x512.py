# ProtoSeg, HRNetV2-W48, ADE20K (no released recipe: the Cityscapes optimiser over mmseg's
# 160k ADE20K schedule, 512x512 crops, 16 images per iteration).
_base_ = [
    '../_base_/models/protoseg_hrnet-w48.py', '../_base_/datasets/ade20k_512x512.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_160k.py'
]
crop_size = (512, 512)
model = dict(data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=150))
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=160000, by_epoch=False),
]
