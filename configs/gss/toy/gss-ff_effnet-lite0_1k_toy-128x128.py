# GSS-FF on the built-in toy scenes (the README's main job).
_base_ = [
    '../../_base_/models/gss_effnet-lite0_toy.py', '../../_base_/datasets/toy_scenes.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_toy_1k.py'
]
crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(size=crop_size),
    # token cells weighted by the rarity of their classes, as on CamVid
    decode_head=dict(type='GSSFFHead', token_class_balance=0.5))
