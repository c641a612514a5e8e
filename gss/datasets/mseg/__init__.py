"""MSeg (CVPR 2020): seven training datasets relabeled into one universal taxonomy of 194
classes, six test datasets scored in their own taxonomies (see :mod:`.taxonomy`)."""
from gss.datasets.mseg.dataset import MSegDataset
from gss.datasets.mseg.taxonomy import (MSEG_DATASETS, TEST_DATASETS, TRAIN_DATASETS,
                                        universal_classes, universal_label_table,
                                        universal_to_test_matrix)
from gss.datasets.mseg.transforms import ToMSegTaxonomy

__all__ = ['MSEG_DATASETS', 'MSegDataset', 'TEST_DATASETS', 'TRAIN_DATASETS', 'ToMSegTaxonomy',
           'universal_classes', 'universal_label_table', 'universal_to_test_matrix']
