# CamVid's held-out-drive protocol at 180x240: train on the 266 training images of drives 0001TP
# and 0016E5, evaluate on the 101 of drive 0006R0, which no training image shares. Val's 101
# images are all frames of 0016E5, a drive that also gives 204 training images, so choices
# (configs, VQ-VAE, options, iterations) are made on this split and val only reports them.
_base_ = './camvid_180x240.py'
held_out_drive = '0006R0'
train_dataloader = dict(dataset=dict(exclude_drives=[held_out_drive]))
val_dataloader = dict(dataset=dict(data_prefix=dict(img_path='train', seg_map_path='trainannot'),
                                   drives=[held_out_drive]))
test_dataloader = val_dataloader
