"""The pure benchmark core: worlds, planning, banks, observer, agents, scoring, rendering.

Imports only numpy, scipy, Pillow and the standard library.
"""

from hhvalues.core.agents import AgentKind, run_agent
from hhvalues.core.answers import Answer, Status, iter_answers, read_answers, write_answers
from hhvalues.core.bank import (
    BANK_FORMAT,
    Bank,
    Demonstration,
    Item,
    Model,
    Planner,
    Split,
    Truth,
    load_bank,
    loads_bank,
    publish,
    write_bank,
)
from hhvalues.core.features import CATALOGUE, Feature, FeatureSet
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.observer import ideal_probabilities, infer, predictive
from hhvalues.core.probes import Probe, ProbeKind, derive_choices
from hhvalues.core.validate import load_valid_bank, loads_valid_bank, validate_bank
from hhvalues.core.world import World, follow_path, parse_world

__all__ = [
    "BANK_FORMAT",
    "CATALOGUE",
    "AgentKind",
    "Answer",
    "Bank",
    "Demonstration",
    "Feature",
    "FeatureSet",
    "GenerateConfig",
    "Item",
    "Model",
    "Planner",
    "Probe",
    "ProbeKind",
    "Split",
    "Status",
    "Truth",
    "World",
    "derive_choices",
    "follow_path",
    "generate_bank",
    "ideal_probabilities",
    "infer",
    "iter_answers",
    "load_bank",
    "load_valid_bank",
    "loads_bank",
    "loads_valid_bank",
    "parse_world",
    "predictive",
    "publish",
    "read_answers",
    "run_agent",
    "validate_bank",
    "write_answers",
    "write_bank",
]
