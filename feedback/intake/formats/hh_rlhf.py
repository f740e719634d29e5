"""Anthropic's HH-RLHF (github anthropics/hh-rlhf): ``{"chosen", "rejected"}`` pairs of whole dialogues as text
(``\\n\\nHuman: ...\\n\\nAssistant: ...``) that share everything up to the last assistant turn, as items.

The shared dialogue becomes the item's messages (Human = user, Assistant = assistant), the two final answers its
candidates ``a`` and ``b``, and the pair's preference one annotation by ``hh-rlhf`` (the data set's crowdworker,
unnamed). Which answer is ``a`` comes from a hash of the two answers and the dialogue, never from which was chosen,
so the order shown to annotators does not give the old label away; the same pair always gets the same order.
A pair whose two dialogues part before the final answer, or that has no final assistant turn, is a problem.
"""

import hashlib
import json
import os
import re
from typing import Any

from feedback.intake.formats.adapted import Adapted
from feedback.intake.records import kind

FIELDS = ("chosen", "rejected")
ANNOTATOR = "hh-rlhf"
HUMAN, ASSISTANT = "\n\nHuman:", "\n\nAssistant:"
ROLES = {"Human": "user", "Assistant": "assistant"}
_TURN = re.compile(r"\n\n(Human|Assistant):")
EXPECTED = 'an HH-RLHF pair {"chosen": "\\n\\nHuman: ...\\n\\nAssistant: ...", "rejected": "..."}'


def is_hh_rlhf(obj: Any) -> bool:
    """Whether a raw record is an HH-RLHF pair: an object with exactly ``chosen`` and ``rejected``."""
    return isinstance(obj, dict) and obj.keys() == set(FIELDS)


def from_hh_rlhf(obj: Any) -> Adapted:
    """One HH-RLHF pair as an item of our format."""
    out = Adapted()
    if not out.object(obj, EXPECTED):
        return out
    out.unknown(obj, FIELDS)
    texts = [_dialogue(obj.get(name), name, out) for name in FIELDS]
    if out.problems:
        return out
    chosen, rejected = texts
    if chosen == rejected:
        out.bad("rejected", "the same text as chosen: there is no preference between them")
        return out
    shared = len(os.path.commonprefix([chosen, rejected]))
    cut = chosen.rfind(ASSISTANT, 0, shared)
    if cut < 0:
        out.bad("chosen", "chosen and rejected share no dialogue ending in an Assistant turn: they must be the same "
                          "conversation up to the last '\\n\\nAssistant:' and differ only in that final answer")
        return out
    answers = [_drop_space(text[cut + len(ASSISTANT):]) for text in (chosen, rejected)]
    for name, answer in zip(FIELDS, answers):
        if HUMAN in answer:
            out.bad(name, "chosen and rejected part before the final answer (this one goes on to another Human "
                          "turn): they must share the dialogue up to the last Assistant turn")
    messages = _messages(chosen[:cut], out)
    if out.problems:
        return out
    first, second = _shown_order(chosen[:cut], *answers)
    chosen_key = "a" if first == answers[0] else "b"
    names = {"a": "chosen", "b": "rejected"} if chosen_key == "a" else {"a": "rejected", "b": "chosen"}
    out.fields.update({"messages": "chosen", "candidates[0]": names["a"], "candidates[1]": names["b"],
                       "annotations": "chosen"})
    out.item = {"messages": messages,
                "candidates": [{"id": "a", "output": first}, {"id": "b", "output": second}],
                "annotations": [{"annotator": ANNOTATOR, "preference": chosen_key}]}
    return out


def _dialogue(value: Any, name: str, out: Adapted) -> str:
    if value is None:
        out.bad(name, "missing (the whole dialogue as text, ending in the final Assistant answer)")
    elif not isinstance(value, str):
        out.bad(name, f"must be text, not {kind(value)}")
    elif not value.strip():
        out.bad(name, "empty text")
    else:
        return "\n\n" + value if value.startswith(("Human:", "Assistant:")) else value
    return ""


def _messages(text: str, out: Adapted) -> list[dict[str, str]]:
    """The turns of the shared dialogue as ``{role, content}`` messages."""
    parts = _TURN.split(text)
    if parts[0].strip():
        out.bad("chosen", "text before the first 'Human:' turn; a dialogue is '\\n\\nHuman: ...\\n\\nAssistant: ...'")
    messages = [{"role": ROLES[role], "content": _drop_space(content)}
                for role, content in zip(parts[1::2], parts[2::2])]
    if not messages:
        out.bad("chosen", "no dialogue before the final Assistant answer (expected a Human turn first)")
    return messages


def _drop_space(text: str) -> str:
    """A turn's text without the one space written after 'Human:' or 'Assistant:'."""
    return text.removeprefix(" ")


def _shown_order(dialogue: str, *answers: str) -> list[str]:
    """The two answers in an order fixed by their content alone (not by which was chosen)."""
    pair = sorted(answers)
    digest = hashlib.sha256(json.dumps([dialogue, *pair]).encode("utf-8", "surrogatepass")).digest()
    return pair[::-1] if digest[0] & 1 else pair
