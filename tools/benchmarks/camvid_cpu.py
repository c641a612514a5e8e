"""CamVid on a CPU: baseline, GSS-FF, GSS-FT-W, GMMSeg and ProtoSeg, side by side, from a fresh
clone with one command:

    python tools/benchmarks/camvid_cpu.py [--work-dir work_dirs/camvid_cpu] [--models ...]

compare_heads.py with ``--dataset camvid`` and these defaults: the evaluated checkpoints are
written to checkpoints/camvid/ (the shipped ones; each under 25 MB), 8 val images are drawn.
Every option of compare_heads.py applies. About 90 minutes on 2 cores; interrupted runs resume.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from compare_heads import main  # noqa: E402

if __name__ == '__main__':
    main(dataset='camvid', work_dir='work_dirs/camvid_cpu', export_dir='checkpoints/camvid',
         pictures=8)
