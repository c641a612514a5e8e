# MSeg (CVPR 2020) as the GSS paper trains and tests it: the seven relabeled training sets in
# the universal taxonomy (194 classes), 512x512 crops of images resized to 2048x512
# (x0.5-2.0); the six test sets scored in their own classes, single scale at 2048x512, and the
# harmonic mean of their mIoUs (MSegMetric's mIoU). Data: mseg-api's download and remapping
# scripts write MSEG_DST_DIR/mseg_dataset (mseg_root; --data-root replaces it); its
# mseg/dataset_lists folder holds the split lists and class lists (mseg_lists, relative to
# mseg_root: beside it, so --data-root moves both). See docs/datasets.md (MSeg).
_base_ = ['./test_time_augmentation.py']
mseg_root = 'data/mseg_dataset'
mseg_lists = '../mseg_lists'
crop_size = (512, 512)
# The original GSS's repeats: each training set is seen about 120k times an epoch, so the seven
# weigh the same whatever their size (as MSeg's own training, one dataset per GPU group).
train_repeats = {
    'ade20k-150-relabeled': 6, 'bdd-relabeled': 17, 'cityscapes-19-relabeled': 40,
    'coco-panoptic-133-relabeled': 1, 'idd-39-relabeled': 17,
    'mapillary-public65-relabeled': 7, 'sunrgbd-37-relabeled': 24,
}
test_sets = ['voc2012', 'pascal-context-60', 'camvid-11', 'wilddash-19', 'kitti-19',
             'scannet-20']
mseg_meta_keys = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
                  'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label', 'mseg_dataset',
                  'mseg_lists_root')
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='ToMSegTaxonomy'),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='ToMSegTaxonomy'),
    dict(type='PackSegInputs', meta_keys=mseg_meta_keys),
]
# tools/test.py --aug-test: the shared scales and flips of the single-scale test size (as the
# original's multi-scale test: ratios of 2048x512, not of the file's size), then the labels.
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='TestTimeAug', transforms=_base_.tta_views + [
        [dict(type='LoadAnnotations')],
        [dict(type='ToMSegTaxonomy')],
        [dict(type='PackSegInputs', meta_keys=mseg_meta_keys)]])
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='ConcatDataset', datasets=[
        dict(type='RepeatDataset', times=times,
             dataset=dict(type='MSegDataset', dataset_name=name, split='train',
                          data_root=mseg_root, lists_root=mseg_lists, pipeline=train_pipeline))
        for name, times in train_repeats.items()]))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    # Each test set keeps its own classes; the metric maps predictions per sample.
    dataset=dict(type='ConcatDataset', ignore_keys=['classes', 'palette'], datasets=[
        dict(type='MSegDataset', dataset_name=name, split='val', data_root=mseg_root,
             lists_root=mseg_lists, pipeline=test_pipeline)
        for name in test_sets]))
val_dataloader = test_dataloader
# How universal scores become a test set's labels: 'probability_sum' (MSeg's protocol) or
# 'universal_argmax' (the original GSS's), e.g. --cfg-options
# test_evaluator.mapping=universal_argmax; docs/datasets.md compares them.
test_evaluator = dict(type='MSegMetric', mapping='probability_sum')
val_evaluator = test_evaluator
