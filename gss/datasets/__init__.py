"""Datasets: the built-in toy scenes, CamVid, and the data-root check used by the tools."""
from gss.datasets.camvid import CamVidDataset
from gss.datasets.data_roots import check_data_roots
from gss.datasets.toy_scenes import ToyScenesDataset

__all__ = ['CamVidDataset', 'ToyScenesDataset', 'check_data_roots']
