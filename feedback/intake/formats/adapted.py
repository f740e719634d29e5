"""What an adapter gives for one raw record of another tool's format: the record as an item of our import format,
or the problems that stop it from being one, and how to name the record's own fields in later problems.

An adapter is a pure function ``raw record -> Adapted``; ``feedback.intake.formats.registry`` runs the usual line
checks (``feedback.intake.parse``) on the item it makes.
"""

from dataclasses import dataclass, field
from typing import Any

from feedback.intake.records import kind, unknown_field


@dataclass(slots=True)
class Adapted:
    """One record as an item of our format (``item``; None when it cannot be one), or its ``problems``.

    ``fields`` maps our field names (``prompt``, ``candidates[0].output``...) to the record's own, so that a problem
    the item checks find is reported under the name the user's file uses. ``notes`` are values imported in
    another form than written (a boolean response imported as text): ``(source field, what was done)``.
    """

    item: dict[str, Any] | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def bad(self, where: str, reason: str) -> None:
        self.problems.append((where, reason))

    def note(self, where: str, what: str) -> None:
        self.notes.append((where, what))

    def object(self, obj: Any, what: str) -> bool:
        """Whether ``obj`` is a JSON object; a problem naming ``what`` was expected when it is not."""
        if isinstance(obj, dict):
            return True
        self.bad("", f"must be an object ({what}), not {kind(obj)}")
        return False

    def unknown(self, obj: dict[str, Any], known: tuple[str, ...]) -> None:
        for key in obj:
            if key not in known:
                self.bad(str(key)[:60], unknown_field(str(key), known))
