"""Write the built-in toy scenes: ``python tools/generate_toy_dataset.py [OUT_DIR]``."""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from gss.datasets.toy_scenes_generator import SPLIT_SIZES, generate_toy_scenes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description='Generate the built-in toy scenes dataset.')
    parser.add_argument('out_dir', nargs='?', default='data/toy_scenes')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--train-size', type=int, default=SPLIT_SIZES['train'])
    parser.add_argument('--val-size', type=int, default=SPLIT_SIZES['val'])
    args = parser.parse_args()
    start = time.time()
    counts = generate_toy_scenes(args.out_dir, args.seed, args.train_size, args.val_size)
    print(f'wrote {counts["train"]} train and {counts["val"]} val images to {args.out_dir} '
          f'in {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
