# CamVid at half resolution (180x240) for training on a CPU. Images are resized with bilinear
# and labels with nearest; evaluation is on the half-resolution labels (ResizeAsOriginal makes
# mmseg return predictions at that size).
_base_ = './camvid_360x480.py'
crop_size = (180, 240)
# The 360x480 training pipeline (_base_ is the parsed base config) with the random resize and
# the crop at half resolution.
train_pipeline = [
    dict(step, scale=(240, 180), ratio_range=(0.75, 1.5)) if step.type == 'RandomResize' else
    dict(step, crop_size=crop_size) if step.type == 'RandomCrop' else step
    for step in _base_.train_pipeline
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckLabelValues', num_classes=11),
    dict(type='ResizeAsOriginal', scale=(240, 180), keep_ratio=True),
    dict(type='PackSegInputs'),
]
# --aug-test at this resolution: the labels are brought to 180x240 first and kept there
# (KeepLabelsAsLoaded), and the scaled and flipped views are made from the 180x240 image.
tta_pipeline = test_pipeline[:4] + [
    dict(type='KeepLabelsAsLoaded'),
    dict(type='TestTimeAug', transforms=_base_.tta_views + [[dict(type='PackSegInputs')]])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
