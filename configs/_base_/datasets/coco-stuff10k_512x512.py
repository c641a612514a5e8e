# COCO-Stuff 10k (171 classes; 9k train / 1k test images), 512x512 crops of images resized to
# 2048x512 (x0.5-2.0); test at 2048x512, whole image. Layout: mmseg's
# tools/dataset_converters/coco_stuff10k.py output (images/{train,test}2014,
# annotations/{train,test}2014/*_labelTrainIds.png, 0 = unlabelled, hence reduce_zero_label).
_base_ = ['./test_time_augmentation.py']
dataset_type = 'COCOStuffDataset'
data_root = 'data/coco_stuff10k'
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='CheckLabelValues', num_classes=171),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='CheckLabelValues', num_classes=171),
    dict(type='PackSegInputs'),
]
# tools/test.py --aug-test: the shared scales and flips, then this dataset's labels.
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='TestTimeAug', transforms=_base_.tta_views + [
        [dict(type='LoadAnnotations', reduce_zero_label=True)],
        [dict(type='CheckLabelValues', num_classes=171)],
        [dict(type='PackSegInputs')]])
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, reduce_zero_label=True,
                 data_prefix=dict(img_path='images/train2014',
                                  seg_map_path='annotations/train2014'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, reduce_zero_label=True,
                 data_prefix=dict(img_path='images/test2014',
                                  seg_map_path='annotations/test2014'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
