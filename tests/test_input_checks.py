"""Bad input is refused in one line naming the file or value, and nothing runs that should not:
tampered DALL-E pickles, checkpoints that are damaged or belong to another model, label values
outside the classes, non-image files, palettes, --cfg-options, and --resume's fall-back."""
import json
import os
import os.path as osp
import pickle
import re
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

from gss.checkpoints import find_resumable_checkpoint, load_weights, save_atomically
from gss.datasets.data_roots import check_data_files
from gss.datasets.transforms import CheckLabelValues
from gss.engine import apply_cfg_options
from gss.errors import InputError, one_line
from gss.maskige.palette import load_palette
from gss.maskige.vqvae.dalle import read_dalle_pickle
from tests.conftest import REPO_ROOT

BASELINE = osp.join(REPO_ROOT, 'configs/baseline/upernet_effnet-lite0_1k_toy-128x128.py')
GSS_FF = osp.join(REPO_ROOT, 'configs/gss/toy/gss-ff_effnet-lite0_1k_toy-128x128.py')
STAGE1 = osp.join(REPO_ROOT, 'configs/gss/toy/reconstruction_maskige-vqvae_toy-128x128.py')
QUICK = ['test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
         'default_hooks.visualization.draw=False']


class _Payload:
    """Unpickling this runs a shell command: what a tampered weight file would carry."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}',)


def _tampered_file(tmp_path, layout: str) -> str:
    path = str(tmp_path / f'{layout}.pkl')
    payload = _Payload(str(tmp_path / 'code_ran'))
    if layout == 'legacy_header':  # where torch's legacy reader expects its magic number
        with open(path, 'wb') as f:
            pickle.dump(payload, f, protocol=2)
    else:
        torch.save(payload, path, _use_new_zipfile_serialization=(layout == 'zip'))
    return path


def _run(args, env, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _last_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1]


# --------------------------------------------------------------------------------- DALL-E files
@pytest.mark.parametrize('layout', ['legacy_header', 'legacy_body', 'zip'])
def test_tampered_dalle_pickle_runs_no_code(tmp_path, layout):
    path = _tampered_file(tmp_path, layout)
    with pytest.raises(InputError) as err:
        read_dalle_pickle(path, 'encoder')
    assert not osp.exists(tmp_path / 'code_ran')
    message = one_line(err.value)
    assert message == str(err.value) and '\n' not in message
    assert message.startswith(f'{path}: not a DALL-E dVAE encoder file (unexpected posix.system')


@pytest.mark.slow
def test_dalle_converter_refuses_tampered_pickles_in_one_line(tmp_path, cpu_env):
    for layout in ('legacy_header', 'zip'):
        path = _tampered_file(tmp_path, layout)
        out = tmp_path / 'dalle.pth'
        result = _run([sys.executable, 'tools/model_converters/dalle_to_gss.py', path, path,
                       str(out)], cpu_env)
        assert result.returncode == 1
        assert result.stderr.strip() == _last_line(result)  # exactly one line
        assert _last_line(result).startswith(f'dalle_to_gss: {path}: not a DALL-E dVAE')
        assert not osp.exists(tmp_path / 'code_ran') and not out.exists()


def test_torchscript_archives_are_never_loaded(tmp_path):
    """torch.load without weights_only hands a TorchScript zip to torch.jit.load, which runs
    its code: both the DALL-E reader and the checkpoint reader stop before that."""
    path = str(tmp_path / 'encoder.pkl')
    torch.jit.save(torch.jit.trace(torch.nn.Linear(2, 2), torch.zeros(1, 2)), path)
    with pytest.raises(InputError, match='a TorchScript archive .* it is not loaded'):
        read_dalle_pickle(path, 'encoder')
    with pytest.raises(InputError, match='a TorchScript archive'):
        load_weights(torch.nn.Linear(2, 2), path)


def test_crafted_dalle_architecture_numbers_are_refused(tmp_path):
    dall_e = pytest.importorskip('dall_e')
    encoder = dall_e.Encoder(n_hid=16, vocab_size=64)
    encoder.vocab_size = 10 ** 9  # would allocate a gigantic output convolution
    path = str(tmp_path / 'encoder.pkl')
    torch.save(encoder, path)
    with pytest.raises(InputError, match="architecture values {'vocab_size': 1000000000} are "
                       'out of range'):
        read_dalle_pickle(path, 'encoder')


def test_genuine_legacy_format_dalle_pickle_still_loads(tmp_path):
    dall_e = pytest.importorskip('dall_e')
    encoder = dall_e.Encoder(n_hid=16, vocab_size=64)
    path = str(tmp_path / 'encoder.pkl')
    torch.save(encoder, path, _use_new_zipfile_serialization=False)
    state, arch = read_dalle_pickle(path, 'encoder')
    assert arch['n_hid'] == 16 and arch['vocab_size'] == 64
    assert torch.equal(state['blocks.input.w'], encoder.blocks.input.w.detach())


# ------------------------------------------------------------------------------- checkpoints
@pytest.fixture
def small_checkpoint(tmp_path) -> str:
    path = str(tmp_path / 'iter_4.pth')
    save_atomically(dict(meta=dict(iter=4), state_dict={'w': torch.arange(3.0)}), path)
    return path


@pytest.mark.parametrize('damage, message', [
    ('empty', 'empty checkpoint (0 bytes'),
    ('truncated', 'truncated or corrupt checkpoint'),
    ('png', 'not a PyTorch checkpoint (it is a PNG image)'),
    ('json', 'not a PyTorch checkpoint (it is JSON or text)'),
    ('list', 'holds a list, not a checkpoint dict'),
    ('no_weights', 'holds no model weights (top-level keys: meta)'),
])
def test_damaged_or_foreign_checkpoints_are_named(tmp_path, small_checkpoint, damage, message):
    path = str(tmp_path / f'{damage}.pth')
    data = open(small_checkpoint, 'rb').read()
    if damage == 'empty':
        open(path, 'wb').close()
    elif damage == 'truncated':
        open(path, 'wb').write(data[:len(data) // 2])
    elif damage == 'png':
        cv2.imwrite(path + '.png', np.zeros((4, 4), np.uint8))
        os.replace(path + '.png', path)
    elif damage == 'json':
        json.dump([[1, 2, 3]], open(path, 'w'))
    elif damage == 'list':
        torch.save([torch.zeros(1)], path)
    else:
        torch.save(dict(meta=dict(iter=1)), path)
    with pytest.raises(InputError, match='^' + re.escape(f'{path}: {message}')):
        load_weights(torch.nn.Linear(3, 1), path)


def test_a_checkpoint_that_does_not_fit_is_refused_unless_partial(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    other = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    path = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=other.state_dict()), path)
    with pytest.raises(InputError) as err:
        load_weights(model, path)
    assert str(err.value) == (
        f'{path}: does not fit this model: 5 weights missing: 1 (5); 2 weights unexpected: 2 (2); '
        f'2 weights with another shape: 0 (2); check that the checkpoint was trained with this '
        f'config, or pass --partial-load to load only the weights that fit')
    before = {k: v.clone() for k, v in model.state_dict().items()}
    load_weights(model, path, partial=True)  # nothing fits in shape: everything is kept
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    torch.save({f'module.{k}': v * 0 + 7 for k, v in model.state_dict().items()}, path)
    load_weights(model, path)  # a DDP-saved state dict fits exactly
    assert model[0].weight.detach()[0, 0].item() == 7


def _intact(path: str, iteration: int) -> str:
    save_atomically(dict(meta=dict(iter=iteration), state_dict={'w': torch.zeros(2)}), path)
    return path


def test_resume_falls_back_to_the_newest_intact_checkpoint(tmp_path):
    work = str(tmp_path)
    for i in (1, 2, 3):
        _intact(osp.join(work, f'iter_{i}.pth'), i)
    with open(osp.join(work, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(work, 'iter_3.pth'))
    assert find_resumable_checkpoint(work) == (osp.join(work, 'iter_3.pth'), None)
    os.remove(osp.join(work, 'iter_3.pth'))
    data = open(osp.join(work, 'iter_2.pth'), 'rb').read()
    open(osp.join(work, 'iter_2.pth'), 'wb').write(data[:-40])  # damaged by hand
    path, note = find_resumable_checkpoint(work)
    assert path == osp.join(work, 'iter_1.pth')
    assert note == (f'--resume: the last checkpoint {work}/iter_3.pth is missing; resuming from '
                    f'the newest intact one, {work}/iter_1.pth')
    os.remove(osp.join(work, 'iter_1.pth'))
    path, note = find_resumable_checkpoint(work)
    assert path is None and 'holds no other intact checkpoint' in note


# ---------------------------------------------------------------------------- data and labels
@pytest.mark.parametrize('values, num_classes, message', [
    ([0, 3, 200, 255], 7, 'label value(s) 200 are neither a class (0-6) nor ignore (255)'),
    ([0, 7, 255], 7, 'label value(s) 7 are neither a class (0-6)'),
    ([0, 11, 12, 13, 14, 15, 16], 11, 'label value(s) 11, 12, 13, 14, 15 ... are neither'),
])
def test_label_values_outside_the_classes_name_the_file(values, num_classes, message):
    check = CheckLabelValues(num_classes=num_classes)
    labels = np.array(values, np.uint8).reshape(1, -1)
    with pytest.raises(InputError, match='^' + re.escape(f'ann/x.png: {message}')):
        check(dict(gt_seg_map=labels, seg_map_path='ann/x.png'))


def test_label_values_inside_the_classes_pass():
    labels = np.array([[0, 6, 255]], np.uint8)
    assert CheckLabelValues(num_classes=7)(dict(gt_seg_map=labels))['gt_seg_map'] is labels
    assert CheckLabelValues(num_classes=7)(dict(img_path='x.png')) == dict(img_path='x.png')


def test_a_non_image_file_in_a_data_folder_is_named(tmp_path):
    folder = tmp_path / 'img'
    (folder / 'city').mkdir(parents=True)
    cv2.imwrite(str(folder / 'a.png'), np.zeros((4, 4, 3), np.uint8))
    cv2.imwrite(str(folder / 'b.jpg'), np.zeros((4, 4, 3), np.uint8))
    (folder / 'notes.txt').write_text('not listed by the dataset')
    check_data_files(str(folder))
    (folder / 'city' / 'c.png').write_text('<html>404</html>')
    open(folder / 'd.png', 'wb').close()
    with pytest.raises(InputError, match=rf'^{folder}/d.png: an empty file \(and 1 more\); '
                       rf'replace it with the real image or remove it from {folder}$'):
        check_data_files(str(folder))
    os.remove(folder / 'd.png')
    with pytest.raises(InputError, match=rf'^{folder}/city/c.png: not an image \(starts with '
                       rf"b'<html>40'\); replace it"):
        check_data_files(str(folder))


# ----------------------------------------------------------------------- palettes and options
@pytest.mark.parametrize('text, message', [
    ('[[0, 0, 0], [255, 0, 0]', 'not valid JSON'),
    ('"red"', 'expected a list of [r, g, b] colours, got str'),
    ('{"sky": [1, 2, 3]}', 'expected a list of [r, g, b] colours, got dict'),
    ('[[0, 0, 0], [255, 0]]', 'colour 1 is [255, 0], not [r, g, b]'),
    ('[[0, 0, 0], "red"]', "colour 1 is 'red', not [r, g, b]"),
    ('[[0, 0, 0], [1, 2, true]]', 'colour 1 is [1, 2, True], not [r, g, b]'),
])
def test_bad_palette_files_are_named(tmp_path, text, message):
    path = tmp_path / 'palette.json'
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_palette(str(path))
    assert str(err.value).startswith(f'palette file {path}: {message}')


def test_cfg_options_of_the_wrong_kind_are_refused(capsys):
    from mmengine.config import Config

    cfg = Config(dict(train_cfg=dict(max_iters=10, by_epoch=False), model=dict(depth=[1, 2])))
    with pytest.raises(InputError, match=r"^--cfg-options train_cfg.max_iters='ten': the config "
                       r'holds 10 there; give a number$'):
        apply_cfg_options(cfg, {'train_cfg.max_iters': 'ten'})
    with pytest.raises(InputError, match='give True or False'):
        apply_cfg_options(cfg, {'train_cfg.by_epoch': 'no'})
    apply_cfg_options(cfg, {'train_cfg.max_iters': 20, 'model.depth': [3, 4],
                            'train_cfg.val_intervall': 5})
    assert cfg.train_cfg.max_iters == 20 and cfg.model.depth == [3, 4]
    assert 'train_cfg.val_intervall is not in the config' in capsys.readouterr().err


# ------------------------------------------------------------------------- the tools, end to end
@pytest.fixture(scope='module')
def toy_weights(tmp_path_factory) -> dict:
    """Randomly initialised checkpoints of the toy baseline and GSS-FF (plain state dicts)."""
    from gss.apis import init_model

    folder = tmp_path_factory.mktemp('weights')
    paths = {}
    for name, config in (('baseline', BASELINE), ('gss_ff', GSS_FF)):
        torch.manual_seed(0)
        paths[name] = str(folder / f'{name}.pth')
        torch.save(init_model(config, None, 'cpu').state_dict(), paths[name])
    return paths


@pytest.fixture
def val_only_root(toy_data_root, tmp_path) -> str:
    """A copy of the toy scenes holding only the val split, three images."""
    root = tmp_path / 'toy_val_only'
    for kind in ('img_dir', 'ann_dir'):
        (root / kind / 'val').mkdir(parents=True)
        for name in sorted(os.listdir(osp.join(toy_data_root, kind, 'val')))[:3]:
            shutil.copy(osp.join(toy_data_root, kind, 'val', name), root / kind / 'val' / name)
    return str(root)


def _test_tool(config, checkpoint, data_root, env, *extra):
    return _run([sys.executable, 'tools/test.py', config, checkpoint, '--data-root', data_root,
                 '--work-dir', osp.join(data_root, 'work'), *extra, '--cfg-options', *QUICK],
                env)


def test_init_model_refuses_another_models_checkpoint(toy_weights):
    from gss.apis import init_model

    with pytest.raises(InputError, match=r'baseline.pth: does not fit this model: \d+ weights '
                       r'missing: decode_head.token_fusion'):
        init_model(GSS_FF, toy_weights['baseline'], 'cpu')
    model = init_model(GSS_FF, toy_weights['baseline'], 'cpu', partial=True)
    state = torch.load(toy_weights['baseline'], weights_only=True)
    assert torch.equal(model.state_dict()['backbone.model.conv_stem.weight'],
                       state['backbone.model.conv_stem.weight'])


@pytest.mark.slow
def test_test_tool_evaluates_with_only_the_test_split_and_refuses_wrong_weights(
        toy_weights, val_only_root, cpu_env):
    right = _test_tool(BASELINE, toy_weights['baseline'], val_only_root, cpu_env,
                       '--eval', 'mIoU')
    assert right.returncode == 0, right.stderr[-2000:]
    assert 'mIoU:' in right.stdout + right.stderr
    wrong = _test_tool(GSS_FF, toy_weights['baseline'], val_only_root, cpu_env)
    assert wrong.returncode == 1 and 'mIoU:' not in wrong.stdout + wrong.stderr
    assert _last_line(wrong).startswith(f'test.py: {toy_weights["baseline"]}: does not fit this '
                                        f'model: 98 weights missing: decode_head.token_fusion')
    partial = _test_tool(GSS_FF, toy_weights['baseline'], val_only_root, cpu_env,
                         '--partial-load')
    assert partial.returncode == 0, partial.stderr[-2000:]


@pytest.mark.slow
def test_test_tool_names_bad_files_in_one_line(toy_weights, val_only_root, tmp_path, cpu_env):
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(open(toy_weights['baseline'], 'rb').read()[:5000])
    palette = tmp_path / 'palette.json'
    palette.write_text('[[0, 0, 0], [255, 0, 0]')
    cases = [
        ((BASELINE, str(truncated)), f'test.py: {truncated}: truncated or corrupt checkpoint'),
        ((GSS_FF, toy_weights['gss_ff'], '--cfg-options', f'model.decode_head.palette={palette}'),
         f'test.py: palette file {palette}: not valid JSON'),
        ((BASELINE, toy_weights['baseline'], '--cfg-options', 'test_dataloader.batch_size=two'),
         "test.py: --cfg-options test_dataloader.batch_size='two': the config holds 1"),
        ((BASELINE, toy_weights['baseline'], '--cfg-options', 'model.backbone'),
         "test.py: --cfg-options: 'model.backbone' is not KEY=VALUE"),
        ((STAGE1, 'none', '--aug-test'),
         f'test.py: {STAGE1}: --aug-test needs an image network'),
    ]
    for args, expected in cases:
        result = _run([sys.executable, 'tools/test.py', *args, '--data-root', val_only_root],
                      cpu_env)
        assert result.returncode != 0 and _last_line(result).startswith(expected), \
            result.stderr[-2000:]
        assert result.stderr.strip().count('\n') == 0 or 'Traceback' not in result.stderr
    # A non-image file is found before anything is evaluated; a bad label value names its file.
    image_dir = osp.join(val_only_root, 'img_dir', 'val')
    name = sorted(os.listdir(image_dir))[-1]
    label_path = osp.join(val_only_root, 'ann_dir', 'val', name)
    labels = cv2.imread(label_path, cv2.IMREAD_UNCHANGED)
    labels[0, 0] = 200
    cv2.imwrite(label_path, labels)
    bad_label = _test_tool(BASELINE, toy_weights['baseline'], val_only_root, cpu_env)
    assert bad_label.returncode == 1
    assert _last_line(bad_label) == (
        f'test.py: {label_path}: label value(s) 200 are neither a class (0-6) nor ignore (255); '
        f'fix the file, or map them in the dataset config (label_map, reduce_zero_label)')
    with open(osp.join(image_dir, name), 'w') as f:
        f.write('not an image')
    bad_image = _test_tool(BASELINE, toy_weights['baseline'], val_only_root, cpu_env)
    assert bad_image.returncode == 1 and 'Iter(test)' not in bad_image.stdout + bad_image.stderr
    assert _last_line(bad_image).startswith(f'test.py: {image_dir}/{name}: not an image')


@pytest.mark.slow
def test_train_tool_names_the_label_file_with_a_bad_value(toy_data_root, tmp_path, cpu_env):
    root = tmp_path / 'toy'
    shutil.copytree(toy_data_root, root)
    label_path = root / 'ann_dir' / 'train' / 'train_0003.png'
    labels = cv2.imread(str(label_path), cv2.IMREAD_UNCHANGED)
    labels[5, 5] = 7
    cv2.imwrite(str(label_path), labels)
    result = _run([sys.executable, 'tools/train.py', BASELINE, '--work-dir', str(tmp_path / 'w'),
                   '--data-root', str(root), '--cfg-options', 'train_cfg.max_iters=30',
                   'train_dataloader.num_workers=1', 'train_dataloader.batch_size=4',
                   'train_dataloader.sampler.shuffle=False'], cpu_env)
    assert result.returncode == 1
    assert _last_line(result).startswith(f'train.py: {label_path}: label value(s) 7 are neither '
                                         f'a class (0-6)')


@pytest.mark.slow
def test_demo_names_a_non_image_and_a_wrong_checkpoint(toy_weights, tmp_path, cpu_env,
                                                       toy_data_root):
    text = tmp_path / 'photo.png'
    text.write_text('not an image')
    image = osp.join(toy_data_root, 'img_dir', 'val', 'val_0000.png')
    for img, checkpoint, expected in (
            (str(text), toy_weights['gss_ff'], f'image_demo: {text}: not an image'),
            (image, toy_weights['baseline'],
             f'image_demo: {toy_weights["baseline"]}: does not fit this model')):
        result = _run([sys.executable, 'demo/image_demo.py', img, GSS_FF, checkpoint,
                       '--out-file', str(tmp_path / 'out.png'), '--device', 'cpu'], cpu_env)
        assert result.returncode == 1 and _last_line(result).startswith(expected)
        assert not (tmp_path / 'out.png').exists()


@pytest.mark.slow
def test_train_resume_continues_from_the_newest_intact_checkpoint(toy_data_root, tmp_path,
                                                                  cpu_env):
    work = tmp_path / 'w'
    options = ['train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
               'train_dataloader.batch_size=2', 'default_hooks.checkpoint.interval=1',
               'train_cfg.val_interval=100']
    command = [sys.executable, 'tools/train.py', BASELINE, '--work-dir', str(work),
               '--data-root', toy_data_root]
    first = _run(command + ['--cfg-options', 'train_cfg.max_iters=2', *options], cpu_env)
    assert first.returncode == 0, first.stderr[-2000:]
    os.remove(work / 'iter_2.pth')  # the checkpoint that last_checkpoint names
    resumed = _run(command + ['--resume', '--cfg-options', 'train_cfg.max_iters=3', *options],
                   cpu_env)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert (f'--resume: the last checkpoint {work}/iter_2.pth is missing; resuming from the '
            f'newest intact one, {work}/iter_1.pth') in resumed.stdout
    assert 'resumed epoch: 0, iter: 1' in resumed.stdout + resumed.stderr
    assert (work / 'iter_3.pth').exists()
