# What the single-dataset bases share: shuffled endless training batches; val and test read the
# same split one image at a time, in order, and report mIoU. A dataset base inherits this and
# adds its batch size, workers, dataset and pipelines (and `test_dataloader = val_dataloader`,
# so that its val additions reach the test loader too).
_base_ = ['./test_time_augmentation.py']
train_dataloader = dict(persistent_workers=True,
                        sampler=dict(type='InfiniteSampler', shuffle=True))
val_dataloader = dict(batch_size=1, persistent_workers=True,
                      sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
