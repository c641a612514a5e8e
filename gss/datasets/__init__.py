"""Datasets: the built-in toy scenes, CamVid, MSeg, a reduced-resolution transform, image
corruptions for robustness tests, and the data-root check used by the tools."""
from gss.datasets.camvid import CamVidDataset
from gss.datasets.corruptions import Corrupt
from gss.datasets.data_roots import check_data_roots
from gss.datasets.mseg import MSegDataset, ToMSegTaxonomy
from gss.datasets.toy_scenes import ToyScenesDataset
from gss.datasets.transforms import CheckLabelValues, KeepLabelsAsLoaded, ResizeAsOriginal

__all__ = ['CamVidDataset', 'CheckLabelValues', 'Corrupt', 'KeepLabelsAsLoaded', 'MSegDataset',
           'ResizeAsOriginal', 'ToMSegTaxonomy', 'ToyScenesDataset', 'check_data_roots']
