# ProtoSeg, HRNetV2-W48, Cityscapes: the released recipe (1024x512 crops, 80k iterations of
# 2 images x 4 GPUs, SGD 0.01 / momentum 0.9 / wd 5e-4, poly 0.9; whole 2048x1024 test).
# The released run also weighted the CE per class; left out here, as in mmseg's baselines.
_base_ = [
    '../_base_/models/protoseg_hrnet-w48.py', '../_base_/datasets/cityscapes_768x768.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
crop_size = (512, 1024)
# The Cityscapes training pipeline (_base_ is the parsed base config) with 512x1024 crops.
train_pipeline = [
    dict(step, crop_size=crop_size) if step.type == 'RandomCrop' else step
    for step in _base_.train_pipeline
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
model = dict(data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=19))
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=80000, by_epoch=False),
]
