"""Model-zoo metafiles in MMSegmentation 1.x's layout: ``metafile.yaml`` in each config folder,
with ``Collections`` (one per method, its paper) and ``Models`` (one per config: its config,
weights, training metadata and ``Results``, one entry per split evaluated).

Updating keeps everything else in the file: other configs' entries, other splits' results,
keys written by hand. Files are replaced atomically, so a killed run leaves the previous file.
"""
from __future__ import annotations

import copy
import os
import os.path as osp
import tempfile
from typing import Dict, List, Optional, Sequence

import yaml
from seed_summary import ModelSummary
from splits import REPO_ROOT

COLLECTIONS: Dict[str, dict] = {
    'baseline': dict(Name='UPerNet', Paper=dict(
        Title='Unified Perceptual Parsing for Scene Understanding',
        URL='https://arxiv.org/abs/1807.10221')),
    'gss-ff': dict(Name='GSS', Paper=dict(Title='Generative Semantic Segmentation',
                                          URL='https://arxiv.org/abs/2303.11316')),
    'gmmseg': dict(Name='GMMSeg', Paper=dict(
        Title='GMMSeg: Gaussian Mixture based Generative Semantic Segmentation Models',
        URL='https://arxiv.org/abs/2210.02025')),
    'protoseg': dict(Name='ProtoSeg', Paper=dict(
        Title='Rethinking Semantic Segmentation: A Prototype View',
        URL='https://arxiv.org/abs/2203.15102')),
}
COLLECTIONS['gss-ftw'] = COLLECTIONS['gss-ff']

# Metadata saying where shipped weights that are none of the listed seeds came from (and what
# they score); exporting the seeds' median run makes it stale, so the export removes it.
WEIGHTS_NOTE = 'Weights Note'


def split_results(summary: ModelSummary, dataset: str) -> dict:
    """One ``Results`` entry: the mean mIoU over the seeds, its sample std (left out for a
    single seed, which has no spread) and every seed's mIoU."""
    metrics = {'mIoU': round(summary.miou_mean, 2)}
    if len(summary.seeds) > 1:
        metrics['mIoU std'] = round(summary.miou_std, 2)
    metrics.update({f'mIoU (seed {seed})': round(summary.runs[seed].miou, 2)
                    for seed in summary.seeds})
    return {'Task': 'Semantic Segmentation', 'Dataset': dataset, 'Metrics': metrics}


def training_metadata(config: str, iters: int, training_data: str) -> dict:
    """What a config trains with: data, iterations, crop size, batch size."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    crop = cfg.get('crop_size') or cfg.model.data_preprocessor.get('size')
    return {'Training Data': training_data, 'Training Iterations': int(iters),
            'Crop Size': f'{crop[0]}x{crop[1]}',
            'Batch Size': int(cfg.train_dataloader.batch_size)}


def merge_model(metafile: dict, collection: dict, entry: dict) -> dict:
    """``metafile`` with ``entry`` (a ``Models`` item with one ``Results`` entry) merged in:
    the entry's keys replace those of the model of the same ``Name`` (``Metadata`` key by key;
    a key set to None is removed), its result replaces the one for the same ``Dataset`` where
    it stands; the collection is added if missing. Everything else is kept."""
    collections = metafile.setdefault('Collections', [])
    if not any(c.get('Name') == collection['Name'] for c in collections):
        collections.append(copy.deepcopy(collection))  # no shared objects: no YAML anchors
    models = metafile.setdefault('Models', [])
    model = next((m for m in models if m.get('Name') == entry['Name']), None)
    if model is None:
        model = {'Name': entry['Name']}
        models.append(model)
    for key, value in entry.items():
        if key == 'Metadata':
            metadata = model.setdefault('Metadata', {})
            metadata.update(value)
            for name in [k for k, v in value.items() if v is None]:
                del metadata[name]
        elif key != 'Results':
            model[key] = value
    earlier = model.get('Results') or []
    if isinstance(earlier, dict):  # MMSegmentation's files often hold a single result
        earlier = [earlier]
    result = entry['Results'][0]
    # in place, so that rerunning one split's report leaves the file's order (and diff) alone
    at = next((i for i, r in enumerate(earlier) if r.get('Dataset') == result['Dataset']),
              len(earlier))
    model['Results'] = earlier[:at] + [result] + earlier[at + 1:]
    return metafile


def write_yaml_atomically(data: dict, path: str) -> None:
    """Dump ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    folder = osp.dirname(osp.abspath(path))
    fd, partial = tempfile.mkstemp(prefix='.metafile-', suffix='.partial', dir=folder)
    try:
        with os.fdopen(fd, 'w') as f:
            yaml.safe_dump(data, f, sort_keys=False, default_flow_style=False, width=100,
                           allow_unicode=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise


def read_metafile(path: str) -> dict:
    """A metafile's content; an empty one if the file does not exist yet."""
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        return yaml.safe_load(f) or {}


def update_metafiles(summaries: Sequence[ModelSummary], dataset: str, training_data: str,
                     weights: Optional[Dict[str, str]] = None, shipped: bool = False,
                     root: str = REPO_ROOT) -> List[str]:
    """Merge every model's entry into ``<root>/<its config folder>/metafile.yaml``; returns the
    files written. ``dataset``: what the results are on ('CamVid val'); ``weights``: model ->
    repo-relative shipped checkpoint (None: left as the file has it). ``shipped``: the median
    runs were just exported, so the entries record these seeds and which one is shipped (the
    checkpoints come from the val runs; other splits only add their results) and drop any
    ``Weights Note`` about earlier weights."""
    written = []
    for summary in summaries:
        metadata = training_metadata(osp.join(REPO_ROOT, summary.config), summary.median.iters,
                                     training_data)
        if shipped:
            metadata.update({'Seeds': summary.seeds, 'Shipped Seed': summary.median_seed,
                             WEIGHTS_NOTE: None})
        entry = {'Name': osp.splitext(osp.basename(summary.config))[0],
                 'In Collection': COLLECTIONS[summary.name]['Name'], 'Config': summary.config}
        if weights and summary.name in weights:
            entry['Weights'] = weights[summary.name]
        entry.update({'Metadata': metadata, 'Results': [split_results(summary, dataset)]})
        path = osp.join(root, osp.dirname(summary.config), 'metafile.yaml')
        os.makedirs(osp.dirname(path), exist_ok=True)
        write_yaml_atomically(merge_model(read_metafile(path), COLLECTIONS[summary.name], entry),
                              path)
        written.append(path)
    return written
