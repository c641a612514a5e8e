"""One model's runs over several seeds: mean and sample std of its mIoU and of every class's
IoU, its median run, and the ranking of models by their means."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Dict, List, Mapping, Sequence

from model_comparison import RunResult
from report import finite_mean, sample_std


@dataclass
class ModelSummary:
    """``runs``: seed -> that seed's result of one model (same config, same split)."""
    name: str
    runs: Dict[int, RunResult]

    @property
    def seeds(self) -> List[int]:
        """The seeds run, ascending."""
        return sorted(self.runs)

    @property
    def config(self) -> str:
        """The model config (repo-relative), the same for every seed."""
        return self.runs[self.seeds[0]].config

    @property
    def mious(self) -> List[float]:
        """Each seed's mIoU, by seed."""
        return [self.runs[s].miou for s in self.seeds]

    @property
    def miou_mean(self) -> float:
        """Mean mIoU over the seeds."""
        return statistics.fmean(self.mious)

    @property
    def miou_std(self) -> float:
        """Sample std over the seeds; NaN for one seed."""
        return sample_std(self.mious)

    @property
    def median_seed(self) -> int:
        """The seed whose mIoU is the median; with an even count the lower-middle run (ties
        in mIoU go to the lower seed), so that it is always one real run that can be shipped."""
        ordered = sorted(self.seeds, key=lambda s: (self.runs[s].miou, s))
        return ordered[(len(ordered) - 1) // 2]

    @property
    def median(self) -> RunResult:
        """The median run's result (see ``median_seed``)."""
        return self.runs[self.median_seed]

    def class_ious(self, name: str) -> List[float]:
        """Each seed's IoU of class ``name`` (seeds whose evaluation lacks it left out)."""
        return [self.runs[s].class_iou[name] for s in self.seeds
                if name in self.runs[s].class_iou]

    def mean_of(self, attribute: str) -> float:
        """Mean over the seeds of a measured figure of the runs (``seconds_per_iter``...);
        unmeasured (NaN) ones are left out."""
        return finite_mean(getattr(self.runs[s], attribute) for s in self.seeds)

    @property
    def val_curve(self) -> List[List[float]]:
        """[iteration, mean mIoU] at the validations every seed's run has."""
        curves = [dict((int(step), miou) for step, miou in self.runs[s].val_curve)
                  for s in self.seeds]
        steps = sorted(set.intersection(*(set(c) for c in curves))) if curves else []
        return [[step, statistics.fmean(c[step] for c in curves)] for step in steps]


def summarise(results_by_seed: Mapping[int, Mapping[str, RunResult]]) -> List[ModelSummary]:
    """seed -> {model: result} into one summary per model, in the order of the first seed's."""
    summaries: Dict[str, ModelSummary] = {}
    for seed in sorted(results_by_seed):
        for name, result in results_by_seed[seed].items():
            summaries.setdefault(name, ModelSummary(name, {})).runs[seed] = result
    return list(summaries.values())


def ranking(summaries: Sequence[ModelSummary]) -> str:
    """'a (68.99) > b (67.47) > ...': the models by mean mIoU, best first."""
    ordered = sorted(summaries, key=lambda s: -s.miou_mean)
    return ' > '.join(f'{s.name} ({s.miou_mean:.2f})' for s in ordered)
