"""What an export is asked for (``ExportOptions``) and the frames its rows are built from (``ExportInputs``).

Every option has a default, so ``ExportOptions()`` is a standard-form DPO export; a bad option is an
``ExportError`` naming it. Options that need the project's rubric (a dimension name, thresholds on its scale)
are checked against it by ``check_against_schema`` when the export is built. Which options a format reads:

- ``format``, ``form``, ``min_annotations``, ``exclude_flagged``: every format (``form`` not for ``raw`` and
  the OpenAI formats).
- ``ranking_pairs`` (``all``, ``best_worst``, ``adjacent``): which pairs a ranked item gives in ``dpo``, ``rm``
  and ``openai-dpo`` (``feedback.export.rankings``).
- ``margin`` (``votes``, ``ratings``, ``none``) and ``margin_dimension``: the ``rm`` margin column
  (``feedback.export.formats``).
- ``kto_source`` (``preference``, ``ratings``), ``kto_dimension``, ``kto_desirable_min``, ``kto_undesirable_max``:
  the ``kto`` labels.
- ``sft_dimension``, ``sft_min_rating``: ``sft`` and ``openai-sft`` keep a consensus winner only when its mean
  rating on the dimension is at least ``sft_min_rating`` (None: no threshold; corrections always qualify).
"""

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from feedback.errors import ExportError
from feedback.export.names import (
    FORMATS,
    FORMS,
    KTO_SOURCES,
    MARGINS,
    ONE_FORM,
    RANKING_PAIRS,
)


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ExportError(f"Unknown {name} {value!r} (choose {', '.join(choices)})")


def _number(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ExportError(f"{name} must be a number, not {value!r}")


@dataclass(frozen=True)
class ExportOptions:
    """What to export (see the module docstring for which format reads which option)."""

    format: str = "dpo"
    form: str = "standard"
    min_annotations: int = 1
    exclude_flagged: bool = False
    ranking_pairs: str = "all"
    margin: str = "votes"
    margin_dimension: str = "helpfulness"
    kto_source: str = "preference"
    kto_dimension: str = "helpfulness"
    kto_desirable_min: float = 4
    kto_undesirable_max: float = 2
    sft_dimension: str = "helpfulness"
    sft_min_rating: float | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``ExportError`` naming the first bad option."""
        if self.format not in FORMATS:
            raise ExportError(f"Unknown export format {self.format!r} (choose {', '.join(FORMATS)})")
        if self.form not in FORMS:
            raise ExportError(f"Unknown form {self.form!r} (choose {' or '.join(FORMS)})")
        if type(self.min_annotations) is not int or self.min_annotations < 1:
            raise ExportError(f"min_annotations must be a whole number of at least 1, not {self.min_annotations!r}")
        if type(self.exclude_flagged) is not bool:
            raise ExportError(f"exclude_flagged must be true or false, not {self.exclude_flagged!r}")
        _choice("ranking_pairs", self.ranking_pairs, RANKING_PAIRS)
        _choice("margin", self.margin, MARGINS)
        _choice("kto_source", self.kto_source, KTO_SOURCES)
        for name in ("margin_dimension", "kto_dimension", "sft_dimension"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ExportError(f"{name} must name a rubric dimension, not {value!r}")
        _number("kto_desirable_min", self.kto_desirable_min)
        _number("kto_undesirable_max", self.kto_undesirable_max)
        if self.kto_desirable_min <= self.kto_undesirable_max:
            raise ExportError(f"kto_desirable_min ({self.kto_desirable_min}) must be above kto_undesirable_max "
                              f"({self.kto_undesirable_max})")
        if self.sft_min_rating is not None:
            _number("sft_min_rating", self.sft_min_rating)

    @property
    def stem(self) -> str:
        """File name without extension, e.g. ``dpo_standard``, ``raw``, ``openai-dpo``."""
        return self.format if self.format in ONE_FORM else f"{self.format}_{self.form}"

    @property
    def label(self) -> str:
        """``dpo, standard form`` (the form only where it applies)."""
        return self.format if self.format in ONE_FORM else f"{self.format}, {self.form} form"

    def dimensions_used(self) -> dict[str, str]:
        """Option name -> the rubric dimension it makes this export read (empty when it reads none)."""
        used = {}
        if self.format == "rm" and self.margin == "ratings":
            used["margin_dimension"] = self.margin_dimension
        if self.format == "kto" and self.kto_source == "ratings":
            used["kto_dimension"] = self.kto_dimension
        if self.format in ("sft", "openai-sft") and self.sft_min_rating is not None:
            used["sft_dimension"] = self.sft_dimension
        return used

    def check_against_schema(self, scales: dict[str, tuple[int, int]]) -> None:
        """Check the rubric options this export uses against the project's rubric (dimension -> (min, max))."""
        for option, dimension in self.dimensions_used().items():
            if dimension not in scales:
                known = ", ".join(sorted(scales)) or "none"
                raise ExportError(f"{option}: the project has no rubric dimension {dimension!r} (it has: {known})")
        if "kto_dimension" in self.dimensions_used():
            low, high = scales[self.kto_dimension]
            for option in ("kto_desirable_min", "kto_undesirable_max"):
                if not low <= getattr(self, option) <= high:
                    raise ExportError(f"{option} {getattr(self, option)} is outside the scale {low}-{high} of "
                                      f"{self.kto_dimension!r}")
        if "sft_dimension" in self.dimensions_used():
            low, high = scales[self.sft_dimension]
            if not low <= self.sft_min_rating <= high:
                raise ExportError(f"sft_min_rating {self.sft_min_rating} is outside the scale {low}-{high} of "
                                  f"{self.sft_dimension!r}")


@dataclass(frozen=True)
class ExportInputs:
    """The frames rows are built from (pure data, no session): ``items``, ``candidates``, ``consensus`` (the
    preference consensus), ``annotations`` (the counted annotations: flagged annotators' left out when asked),
    ``ranked`` (item id -> ``RankedItem``, items on the ranking path) and ``scales`` (rubric dimension ->
    (min, max))."""

    items: pd.DataFrame
    candidates: pd.DataFrame
    consensus: pd.DataFrame
    annotations: pd.DataFrame
    ranked: dict[Any, Any] = field(default_factory=dict)
    scales: dict[str, tuple[int, int]] = field(default_factory=dict)
