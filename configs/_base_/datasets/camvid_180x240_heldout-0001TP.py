# The second fold of the held-out-drive protocol: drive 0001TP (62 images) held out, the 305
# training images of 0006R0 and 0016E5 trained on.
_base_ = './camvid_180x240_heldout-0006R0.py'
held_out_drive = '0001TP'
train_dataloader = dict(dataset=dict(exclude_drives=[held_out_drive]))
val_dataloader = dict(dataset=dict(drives=[held_out_drive]))
test_dataloader = val_dataloader
