# ProtoSeg on the built-in toy scenes: same backbone and schedule as the baseline and GSS-FF there.
_base_ = [
    '../_base_/models/protoseg_effnet-lite0.py', '../_base_/datasets/toy_scenes.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_toy_1k.py'
]
crop_size = (128, 128)
model = dict(data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=7))
