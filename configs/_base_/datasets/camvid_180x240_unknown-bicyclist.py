# CamVid's open-set protocol at 180x240: bicyclist is left out of the classes, so its pixels
# are ignore in training and evaluation, and tools/analysis/open_set.py reads them as the
# unknowns of val (where every image has bicyclists: 2.2 % of its pixels, against 0.3 % of the
# training pixels). The other ten keep their indices, since bicyclist is the last class.
_base_ = './camvid_180x240.py'
known_classes = ('sky', 'building', 'pole', 'road', 'sidewalk', 'tree', 'sign', 'fence', 'car',
                 'pedestrian')
train_dataloader = dict(dataset=dict(metainfo=dict(classes=known_classes)))
val_dataloader = dict(dataset=dict(metainfo=dict(classes=known_classes)))
test_dataloader = val_dataloader
