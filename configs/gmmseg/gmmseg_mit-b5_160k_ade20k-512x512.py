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
# The released optimiser: AdamW 6e-5, head lr x10, no decay on norms and position blocks,
# 1500 warm-up iterations from 1e-6, poly decay (power 1).
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys=dict(pos_block=dict(decay_mult=0.0),
                                        norm=dict(decay_mult=0.0),
                                        head=dict(lr_mult=10.0))))
