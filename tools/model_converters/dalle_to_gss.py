"""Convert OpenAI's DALL-E dVAE pickles into one plain checkpoint for ``DalleVQVAE``.

    python tools/model_converters/dalle_to_gss.py encoder.pkl decoder.pkl \
        checkpoints/dalle_dvae.pth

The output holds only tensors and integers (``torch.load(..., weights_only=True)`` reads it);
the DALL-E configs read ``checkpoints/dalle_dvae.pth`` (``vqvae=dict(type='DalleVQVAE',
checkpoint=...)``, a path relative to the config file).
Neither the dall_e package nor trust in the pickles' code is needed.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


from gss.checkpoints import save_atomically  # noqa: E402
from gss.converters.converted_file import add_destination_arguments, run_converter  # noqa: E402
from gss.maskige.vqvae.dalle import DalleVQVAE  # noqa: E402


def convert(args: argparse.Namespace) -> None:
    model = DalleVQVAE(encoder_path=args.encoder_pkl, decoder_path=args.decoder_pkl)
    save_atomically(model.converted_checkpoint(), args.dst)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(f'wrote {args.dst}: encoder {model.arch["encoder"]}, decoder {model.arch["decoder"]}, '
          f'{params:.1f} M parameters')


def main() -> None:
    parser = argparse.ArgumentParser(description='DALL-E encoder.pkl + decoder.pkl -> .pth')
    parser.add_argument('encoder_pkl')
    parser.add_argument('decoder_pkl')
    add_destination_arguments(parser, 'checkpoint to write, e.g. checkpoints/dalle_dvae.pth',
                              'replace an existing OUT', metavar='out')
    run_converter(parser, 'dalle_to_gss', convert)


if __name__ == '__main__':
    main()
