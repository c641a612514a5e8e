"""Merge a GSS-FF checkpoint (image network) and a GSS-FT-W checkpoint (learned X^-1).

    python tools/merge_checkpoints.py FF.pth FTW.pth OUT.pth [--with-pixel-branch]
    python tools/test.py configs/gss/.../gss-ftw_*.py OUT.pth --eval mIoU

The result holds the FF checkpoint's weights for every key the FT-W model has (image network
and token branch) and the FT-W checkpoint's ``decode_head.learned_inverse.*``. The FF-only pixel
branch is dropped unless the FT-W model has it (``pixel_score_weight`` above 0) or
``--with-pixel-branch`` asks for it: then a GSS-FT-W trained without the mix can be tested with
it (``--cfg-options model.decode_head.pixel_score_weight=W`` and the GSS-FF's
``pixel_channels``). The file is an mmengine checkpoint (``weights_only=True`` loads it).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401  (weights_only loading of mmengine checkpoints)
import torch  # noqa: E402

from gss.checkpoints import read_checkpoint, save_atomically, state_dict_of  # noqa: E402
from gss.errors import exit_on_input_error  # noqa: E402

INVERSE_PREFIX = 'decode_head.learned_inverse.'
PIXEL_BRANCH_PREFIXES = ('decode_head.pixel_fusion.', 'decode_head.conv_seg.')


def load_state(path: str, role: str) -> tuple:
    """(checkpoint, its model weights), or one line naming the file."""
    with exit_on_input_error('merge_checkpoints'):
        checkpoint = read_checkpoint(path, f'{role} checkpoint')
        return checkpoint, state_dict_of(checkpoint, path)


def merge(ff_state: dict, ftw_state: dict, with_pixel_branch: bool = False) -> tuple:
    """Returns (merged state, keys where the FT-W file's image network differs from FF's);
    ``with_pixel_branch``: also GSS-FF's pixel branch, which the FT-W file lacks."""
    inverse = {k: v for k, v in ftw_state.items() if k.startswith(INVERSE_PREFIX)}
    if not inverse:
        raise ValueError(f'no {INVERSE_PREFIX}* weights: not a GSS-FT-W checkpoint')
    if any(k.startswith(INVERSE_PREFIX) for k in ff_state):
        raise ValueError(f'it has {INVERSE_PREFIX}* weights: a GSS-FT-W checkpoint, not GSS-FF')
    shared = [k for k in ftw_state if not k.startswith(INVERSE_PREFIX)]
    missing = [k for k in shared if k not in ff_state]
    if missing:
        raise ValueError(f'lacks {len(missing)} weights of the FT-W model, e.g. {missing[:3]}: '
                         f'not the GSS-FF model this FT-W model was built on')
    differ = [k for k in shared if not torch.equal(ff_state[k], ftw_state[k])]
    merged = {k: ff_state[k] for k in shared}
    if with_pixel_branch:
        pixel = {k: v for k, v in ff_state.items() if k.startswith(PIXEL_BRANCH_PREFIXES)}
        if not pixel:
            raise ValueError('has no pixel branch (decode_head.pixel_fusion.* or '
                             'decode_head.conv_seg.*) for --with-pixel-branch')
        merged.update(pixel)
    merged.update(inverse)
    return merged, differ


def main() -> None:
    parser = argparse.ArgumentParser(description='GSS-FF + GSS-FT-W -> one checkpoint')
    parser.add_argument('ff_checkpoint')
    parser.add_argument('ftw_checkpoint')
    parser.add_argument('out')
    parser.add_argument('--with-pixel-branch', action='store_true',
                        help="also GSS-FF's pixel branch, to test GSS-FT-W with "
                             'pixel_score_weight above 0')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing OUT')
    args = parser.parse_args()
    if osp.exists(args.out) and not args.overwrite:
        sys.exit(f'merge_checkpoints: {args.out} exists; pass --overwrite to replace it')
    ff, ff_state = load_state(args.ff_checkpoint, 'GSS-FF')
    ftw, ftw_state = load_state(args.ftw_checkpoint, 'GSS-FT-W')
    try:
        merged, differ = merge(ff_state, ftw_state, args.with_pixel_branch)
    except ValueError as err:
        role = 'GSS-FT-W' if 'not a GSS-FT-W' in str(err) else 'GSS-FF'
        path = args.ftw_checkpoint if role == 'GSS-FT-W' else args.ff_checkpoint
        sys.exit(f'merge_checkpoints: {path}: {err}')
    meta = dict(ff.get('meta', {}) if isinstance(ff, dict) else {})
    meta['merged_from'] = dict(ff=osp.abspath(args.ff_checkpoint),
                               ftw=osp.abspath(args.ftw_checkpoint))
    save_atomically(dict(state_dict=merged, meta=meta), args.out)
    inverse = sum(k.startswith(INVERSE_PREFIX) for k in merged)
    print(f'wrote {args.out}: {len(merged) - inverse} image-network tensors from '
          f'{args.ff_checkpoint}, {inverse} X^-1 tensors from {args.ftw_checkpoint}')
    if differ:
        print(f'note: {len(differ)} image-network tensors of the FT-W checkpoint differ from '
              f'the FF checkpoint (e.g. {differ[0]}); the FF ones were used')


if __name__ == '__main__':
    main()
