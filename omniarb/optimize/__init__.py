"""Optimize: tune each chain's parameters from its recorded outcomes ("metrics → analyzer →
optimizer → parameter adjustment").

`Params` are the tuned values (minimum net profit, bribe share, tip, longest route), held per
chain in `LiveParams`, which the risk stage (`TunedLimits`) and the execute stage read on every
trade. `Tuner` is the online loop of one chain: rewards per trade (`analyzer`), a bandit over
each parameter's allowed values (`ArmBoard`), one change at a time, each a `ParamChange`
stored with its reason and its measured effect, reverted when worse. `replay` does the same
offline over a recorded history (`omniarb optimize --from-history`).
"""

from omniarb.optimize.analyzer import Sample, reward_token, reward_usd
from omniarb.optimize.bandit import ArmBoard, ArmStats, Choice
from omniarb.optimize.change import ParamChange
from omniarb.optimize.limits import TunedLimits
from omniarb.optimize.params import PARAM_NAMES, LiveParams, ParamName, Params, ParamValue
from omniarb.optimize.tuner import Tuner

__all__ = [
    "PARAM_NAMES",
    "ArmBoard",
    "ArmStats",
    "Choice",
    "LiveParams",
    "ParamChange",
    "ParamName",
    "ParamValue",
    "Params",
    "Sample",
    "TunedLimits",
    "Tuner",
    "reward_token",
    "reward_usd",
]
