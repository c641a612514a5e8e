# GMMSeg, SegFormer MiT-B5, COCO-Stuff 10k: the released model's recipe (5 components, 512x512
# crops, 80k iterations of 2 images x 8 GPUs, whole-image test at 2048x512; its README's score
# is in docs/models.md). Its released checkpoint converts to this config:
#   python tools/model_converters/gmmseg_original_to_gss.py SRC.pth DST.pth
#   python tools/test.py configs/gmmseg/gmmseg_mit-b5_80k_coco-stuff10k-512x512.py DST.pth \
#       --eval mIoU
_base_ = [
    '../_base_/datasets/coco-stuff10k_512x512.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_80k.py', '../_base_/models/gmmseg_mit-b5.py'
]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=171, num_components=5))
train_dataloader = dict(batch_size=2)
# The released optimiser (the model base's gmmseg_optim_wrapper).
optim_wrapper = {{_base_.gmmseg_optim_wrapper}}
