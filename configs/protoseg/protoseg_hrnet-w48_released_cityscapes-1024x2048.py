# ProtoSeg, HRNetV2-W48, Cityscapes: for testing (or fine-tuning) the checkpoint released with the
# original code (tfzhou/ProtoSeg), after converting it:
#   python tools/model_converters/protoseg_original_to_gss.py SRC DST
#   python tools/test.py configs/protoseg/protoseg_hrnet-w48_released_cityscapes-1024x2048.py DST \
#       --eval mIoU
# What differs from the training config, so that the released weights give their outputs:
# - the released head L2-normalises its projection along the width axis of the NCHW map, not
#   over each pixel's channels; every pixel then depends on its whole row;
# - the released model was fed BGR images normalised with the RGB-ordered ImageNet mean / std
#   (mean[0] applied to B), so no BGR -> RGB swap here;
# - whole-image test at 2048x1024 (the dataset base's test pipeline keeps Cityscapes' size):
#   as each pixel depends on its row, slide inference would give other outputs.
# The backbone (OpenSegHRNet) and the logits' align_corners=True upsampling come from the base.
_base_ = './protoseg_hrnet-w48_80k_cityscapes-512x1024.py'
model = dict(
    data_preprocessor=dict(bgr_to_rgb=False),
    decode_head=dict(projection_l2_axis='width'),
    test_cfg=dict(mode='whole'))
