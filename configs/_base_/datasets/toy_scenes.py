# The built-in toy scenes (128x128, 7 classes); write them with tools/generate_toy_dataset.py.
_base_ = ['./dataloaders.py']
dataset_type = 'ToyScenesDataset'
data_root = 'data/toy_scenes'
crop_size = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckLabelValues', num_classes=7),
    dict(type='RandomResize', scale=(128, 128), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='CheckLabelValues', num_classes=7),
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
    batch_size=8,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
