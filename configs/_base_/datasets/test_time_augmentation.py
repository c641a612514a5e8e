# The views of tools/test.py --aug-test, shared by the dataset bases: six scales of the image
# (x0.5-1.75) and horizontal flips, as the originals' multi-scale testing; GSSTTAModel
# (default_runtime.py) merges them. A dataset base adds its label loading:
#   tta_pipeline = [dict(type='LoadImageFromFile'), dict(type='TestTimeAug',
#                   transforms=_base_.tta_views + [[LoadAnnotations], ..., [PackSegInputs]])]
img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
tta_views = [
    [dict(type='Resize', scale_factor=r, keep_ratio=True) for r in img_ratios],
    [dict(type='RandomFlip', prob=0., direction='horizontal'),
     dict(type='RandomFlip', prob=1., direction='horizontal')],
]
