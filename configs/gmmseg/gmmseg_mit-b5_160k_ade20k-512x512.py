# GMMSeg, SegFormer MiT-B5, ADE20K: the released recipe (8 components, 512x512 crops, 160k
# iterations of 2 images x 8 GPUs, whole-image test).
_base_ = [
    '../_base_/datasets/ade20k_512x512.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_160k.py', '../_base_/models/gmmseg_mit-b5.py'
]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=150, num_components=8))
train_dataloader = dict(batch_size=2)
# The released optimiser (the model base's gmmseg_optim_wrapper).
optim_wrapper = {{_base_.gmmseg_optim_wrapper}}
