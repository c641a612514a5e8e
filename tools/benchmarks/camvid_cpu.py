"""CamVid on a CPU: baseline, GSS-FF, GSS-FT-W, GMMSeg and ProtoSeg, side by side, from a fresh
clone with one command:

    python tools/benchmarks/camvid_cpu.py [--schedule 800|4k] [--models ...]
        [--split {val,heldout-0006R0,heldout-0001TP} ...] [--seeds S [S ...]]
        [--export-median] [--metafile] [--jobs N] [--work-dir DIR]

compare_heads.py with ``--dataset camvid`` and these defaults: 8 images of the evaluated split
are drawn, the work dir is work_dirs/camvid_cpu (``--schedule 4k``: work_dirs/camvid_cpu_4k;
runs in WORK_DIR/<split>/seed<S>/<model>/), and ``--export-median`` ships each model's median
run of the val split to checkpoints/camvid/ (each under 25 MB; the shipped checkpoints are
trained on all 367 training images). ``--split val heldout-0006R0`` runs both and prints GSS's
targets side by side for the two. Every option of compare_heads.py applies. One seed of
the 800-iteration schedule takes about an hour on 2 cores, of the converged 4k one about five
hours (minutes on a GPU); interrupted runs resume.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from compare_heads import main  # noqa: E402

if __name__ == '__main__':
    main(dataset='camvid', work_dir_name='camvid_cpu', export_dir='checkpoints/camvid',
         pictures=8)
