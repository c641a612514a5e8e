# CamVid at half resolution (180x240) for training on a CPU. Images are resized with bilinear
# and labels with nearest; evaluation is on the half-resolution labels (ResizeAsOriginal makes
# mmseg return predictions at that size).
_base_ = './camvid_360x480.py'
crop_size = (180, 240)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckLabelValues', num_classes=11),
    dict(type='RandomResize', scale=(240, 180), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckLabelValues', num_classes=11),
    dict(type='ResizeAsOriginal', scale=(240, 180), keep_ratio=True),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
