# GMMSeg, SegFormer MiT-B5, Cityscapes: the released recipe (5 components, 768x768 crops,
# 80k iterations of 2 images x 8 GPUs, sliding-window test 768 / stride 512).
_base_ = [
    '../_base_/datasets/cityscapes_768x768.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_80k.py', '../_base_/models/gmmseg_mit-b5.py'
]
crop_size = (768, 768)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=19, num_components=5),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(512, 512)))
# The released optimiser (the model base's gmmseg_optim_wrapper).
optim_wrapper = {{_base_.gmmseg_optim_wrapper}}
