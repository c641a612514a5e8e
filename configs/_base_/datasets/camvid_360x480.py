# CamVid, 11 classes, 360x480. The default root is the development copy beside the repository;
# pass your own with --data-root PATH.
_base_ = ['./dataloaders.py']
dataset_type = 'CamVidDataset'
data_root = '../shared/datasets/camvid'
crop_size = (360, 480)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckLabelValues', num_classes=11),
    dict(type='RandomResize', scale=(480, 360), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(480, 360), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='CheckLabelValues', num_classes=11),
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
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img_path='train', seg_map_path='trainannot'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img_path='val', seg_map_path='valannot'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
