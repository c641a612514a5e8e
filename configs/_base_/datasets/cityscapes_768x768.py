# Cityscapes, 19 classes, GSS's 768x768 crops of images resized to 2048x1024 (x0.5-2.0).
# Data prepared with mmseg's tools/dataset_converters/cityscapes.py (*_labelTrainIds.png).
_base_ = ['./dataloaders.py']
dataset_type = 'CityscapesDataset'
data_root = 'data/cityscapes'
crop_size = (768, 768)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckLabelValues', num_classes=19),
    dict(type='RandomResize', scale=(2048, 1024), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 1024), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='CheckLabelValues', num_classes=19),
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
    batch_size=2,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
