# The held-out-drive split of camvid_180x240_heldout-0006R0.py at full resolution (the stage-1
# reconstruction ceiling of the maskige VQ-VAE is measured at both).
_base_ = './camvid_360x480.py'
held_out_drive = '0006R0'
train_dataloader = dict(dataset=dict(exclude_drives=[held_out_drive]))
val_dataloader = dict(dataset=dict(data_prefix=dict(img_path='train', seg_map_path='trainannot'),
                                   drives=[held_out_drive]))
test_dataloader = val_dataloader
