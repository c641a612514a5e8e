# GSS-FF on the CamVid GSS network: the token loss and the pixel branch.
_base_ = './gss_effnet-lite0_camvid.py'
model = dict(
    decode_head=dict(
        type='GSSFFHead',
        # Token cells weighted by the rarity of their classes (n_c^-0.5): GSS-FF's cells are
        # mostly road, sky and building, and the plain average left the small classes (sign,
        # car, pedestrian, bicyclist) far behind (docs/models.md).
        token_class_balance=0.5))
