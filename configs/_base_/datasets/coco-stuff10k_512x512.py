# COCO-Stuff 10k (171 classes; 9k train / 1k test images), 512x512 crops of images resized to
# 2048x512 (x0.5-2.0); test at 2048x512, whole image. Layout: mmseg's
# tools/dataset_converters/coco_stuff10k.py output (images/{train,test}2014,
# annotations/{train,test}2014/*_labelTrainIds.png, 0 = unlabelled, hence reduce_zero_label).
_base_ = ['./dataloaders.py']
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
# tools/test.py --aug-test: the shared scales and flips of the loaded image, then the test
# pipeline's steps after its Resize (labels, their check, packing).
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='TestTimeAug',
         transforms=_base_.tta_views + [[step] for step in test_pipeline[2:]])
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    dataset=dict(type=dataset_type, data_root=data_root, reduce_zero_label=True,
                 data_prefix=dict(img_path='images/train2014',
                                  seg_map_path='annotations/train2014'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=4,
    dataset=dict(type=dataset_type, data_root=data_root, reduce_zero_label=True,
                 data_prefix=dict(img_path='images/test2014',
                                  seg_map_path='annotations/test2014'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
