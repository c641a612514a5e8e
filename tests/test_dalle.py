"""DalleVQVAE against OpenAI's dall_e package (installed by tools/run_tests.sh as a test extra).

Models are randomly initialised with the package and saved exactly as OpenAI saved theirs
(``torch.save(model)``); our loader must read them without the package and compute the same.
"""
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

dall_e = pytest.importorskip('dall_e', reason='pip install dall-e --no-deps attrs requests')

from gss.maskige.vqvae.dalle import DalleVQVAE  # noqa: E402
from gss.registry import VQVAES  # noqa: E402


def _save_pair(tmp_path, **arch):
    torch.manual_seed(0)
    encoder = dall_e.Encoder(**{k: v for k, v in arch.items() if k != 'n_init'})
    decoder = dall_e.Decoder(**arch)
    # dall_e initialises biases at zero; random ones make the comparison stricter
    for module in (encoder, decoder):
        for name, param in module.named_parameters():
            if name.endswith('.b'):
                param.data.normal_(std=0.1)
    enc_path, dec_path = tmp_path / 'encoder.pkl', tmp_path / 'decoder.pkl'
    torch.save(encoder, enc_path)
    torch.save(decoder, dec_path)
    return encoder, decoder, str(enc_path), str(dec_path)


@pytest.fixture(scope='module')
def small_pair(tmp_path_factory):
    return _save_pair(tmp_path_factory.mktemp('dalle'), n_hid=16, n_init=8, vocab_size=64)


def _reference(encoder, decoder, maskige):
    with torch.no_grad():
        logits = encoder(dall_e.map_pixels(maskige))
        tokens = logits.argmax(1)
        one_hot = F.one_hot(tokens, decoder.vocab_size).permute(0, 3, 1, 2).float()
        out = decoder(one_hot)
    return logits, tokens, out, dall_e.unmap_pixels(torch.sigmoid(out[:, :3]))


def test_loader_matches_the_package_forward(small_pair, monkeypatch):
    encoder, decoder, enc_path, dec_path = small_pair
    monkeypatch.setitem(sys.modules, 'dall_e', None)  # loading must not import the package
    model = VQVAES.build(dict(type='DalleVQVAE', encoder_path=enc_path, decoder_path=dec_path))
    maskige = torch.rand(2, 3, 40, 56, generator=torch.Generator().manual_seed(0))
    logits, tokens, out, image = _reference(encoder, decoder, maskige)
    assert torch.allclose(model.encode_logits(maskige), logits, rtol=1e-5, atol=1e-6)
    assert torch.equal(model.encode(maskige), tokens)
    assert torch.allclose(model.decode_logits(tokens), out, rtol=1e-5, atol=1e-6)
    assert torch.allclose(model.decode(tokens), image, atol=1e-6)
    assert model.vocab_size == 64 and model.arch['encoder']['n_hid'] == 16
    assert not any(p.requires_grad for p in model.parameters()) and not model.training


def test_released_architecture_loads_with_its_parameter_counts(tmp_path):
    encoder, decoder, enc_path, dec_path = _save_pair(tmp_path)
    model = DalleVQVAE(encoder_path=enc_path, decoder_path=dec_path)
    assert sum(p.numel() for p in model.encoder.parameters()) == sum(
        p.numel() for p in encoder.parameters())
    assert round(sum(p.numel() for p in model.encoder.parameters()) / 1e6, 1) == 53.8
    assert round(sum(p.numel() for p in model.decoder.parameters()) / 1e6, 1) == 43.8
    assert model.vocab_size == 8192
    tokens = torch.randint(0, 8192, (1, 2, 3), generator=torch.Generator().manual_seed(0))
    _, _, out, _ = _reference(encoder, decoder, torch.rand(1, 3, 16, 24))
    one_hot = F.one_hot(tokens, 8192).permute(0, 3, 1, 2).float()
    with torch.no_grad():
        assert torch.allclose(model.decode_logits(tokens), decoder(one_hot), rtol=1e-4,
                              atol=1e-5)


@pytest.mark.slow
def test_converter_writes_a_weights_only_checkpoint(small_pair, tmp_path, repo_root):
    encoder, decoder, enc_path, dec_path = small_pair
    out = tmp_path / 'dalle.pth'
    subprocess.run([sys.executable, 'tools/model_converters/dalle_to_gss.py', enc_path,
                    dec_path, str(out)], cwd=repo_root, check=True, capture_output=True)
    state = torch.load(out, weights_only=True)
    assert set(state) == {'encoder', 'decoder', 'arch'}
    model = DalleVQVAE(checkpoint=str(out))
    maskige = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    logits, tokens, _, image = _reference(encoder, decoder, maskige)
    assert torch.equal(model.encode(maskige), tokens)
    assert torch.allclose(model.decode(tokens), image, atol=1e-6)
    again = subprocess.run([sys.executable, 'tools/model_converters/dalle_to_gss.py', enc_path,
                            dec_path, str(out)], cwd=repo_root, capture_output=True, text=True)
    assert again.returncode != 0 and 'exists; pass --overwrite' in again.stderr


def test_missing_files_name_the_path_and_the_download(tmp_path):
    with pytest.raises(FileNotFoundError, match='encoder weights not found: .*nope.pkl.*'
                                                'cdn.openai.com/dall-e/encoder.pkl'):
        DalleVQVAE(encoder_path=str(tmp_path / 'nope.pkl'), decoder_path='x.pkl')
    with pytest.raises(FileNotFoundError, match='dalle_to_gss.py'):
        DalleVQVAE(checkpoint=str(tmp_path / 'nope.pth'))
    with pytest.raises(ValueError, match='needs encoder_path and decoder_path'):
        DalleVQVAE()


def test_pickles_with_foreign_code_are_refused(tmp_path):
    path = tmp_path / 'evil.pkl'
    torch.save({'payload': print}, path)  # a global no dVAE file contains
    with pytest.raises(ValueError, match='unexpected __builtin__.print'):
        DalleVQVAE(encoder_path=str(path), decoder_path=str(path))
