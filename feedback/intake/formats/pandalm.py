"""PandaLM (github WeOpenML/PandaLM): its human-annotated test set and its automatic judges' verdicts, as items.

A comparison ``{"idx", "motivation_app", "cmp_key": "modelA_modelB", "instruction", "input", "response1",
"response2", "annotator1", "annotator2", "annotator3"}`` becomes item ``pandalm-<idx>``: the prompt is the
instruction (and the input after a blank line, when there is one), candidates ``a`` (response1) and ``b``
(response2) named by the models of ``cmp_key``, and one annotation per annotator (``pandalm-annotator1``...;
0 = tie, 1 = a, 2 = b). A response written as a JSON boolean or number is imported as its JSON text (``true``)
with a note. ``motivation_app`` goes into the item's metadata.

A judge's verdict ``{"idx", "gpt_result": "1" | "2" | "Tie", "gpt_reason", "gpt_reference"}`` (or
``pandalm_result``: 0/1/2, ``pandalm_reason``, ``pandalm_reference``) becomes a line that only adds a suggestion
to the stored item ``pandalm-<idx>`` (agent ``gpt-3.5-turbo`` or ``pandalm-7b``, the reason as its rationale;
the reference answer the judge wrote is not kept). A verdict that is none of these (PandaLM's GPT file has
"garbage") is a problem of that record.
"""

import json
from typing import Any

from feedback.intake.formats.adapted import Adapted
from feedback.intake.records import kind, short

ANNOTATORS = ("annotator1", "annotator2", "annotator3")
ANNOTATOR_PREFIX = "pandalm-"  # accounts are shared by every project: "annotator1" alone would mix people up
COMPARISON_FIELDS = ("idx", "motivation_app", "cmp_key", "instruction", "input", "response1", "response2",
                     *ANNOTATORS)
JUDGES = {"gpt_result": ("gpt-3.5-turbo", "gpt_reason", "gpt_reference"),
          "pandalm_result": ("pandalm-7b", "pandalm_reason", "pandalm_reference")}
VERDICT_FIELDS = ("idx", *(f for result, (_, *more) in JUDGES.items() for f in (result, *more)))
LABELS = {0: "tie", 1: "a", 2: "b"}
_LABEL_TEXT = {"0": "tie", "1": "a", "2": "b", "tie": "tie"}
RECORDS = ("PandaLM comparisons (idx, cmp_key, instruction, input, response1, response2, annotator1-3) or judges' "
           "verdicts (idx, gpt_result or pandalm_result)")
EXPECTED = ("a PandaLM comparison (idx, cmp_key, instruction, input, response1, response2, annotator1-3) or a "
            "judge's verdict (idx, gpt_result or pandalm_result)")


def is_pandalm(obj: Any) -> bool:
    """Whether a raw record looks like PandaLM's: a comparison, or an automatic judge's verdict."""
    return isinstance(obj, dict) and "idx" in obj and (
        {"cmp_key", "response1", "response2"} <= obj.keys() or any(result in obj for result in JUDGES))


def from_pandalm(obj: Any) -> Adapted:
    """One PandaLM record (a comparison or a judge's verdict) as an item of our format."""
    out = Adapted()
    if not out.object(obj, EXPECTED):
        return out
    if any(result in obj for result in JUDGES) and "response1" not in obj:
        _verdict(obj, out)
    else:
        _comparison(obj, out)
    idx = obj.get("idx")
    if out.problems and isinstance(idx, int | str) and not isinstance(idx, bool) and "idx" not in dict(out.problems):
        out.problems = [(where, f"{reason} (idx {idx})") for where, reason in out.problems]  # as PandaLM numbers it
    return out


def _item_id(obj: dict[str, Any], out: Adapted) -> str | None:
    idx = obj.get("idx")
    if isinstance(idx, int) and not isinstance(idx, bool) or isinstance(idx, str) and idx.strip():
        out.fields["id"] = "idx"
        return f"pandalm-{str(idx).strip()}"
    out.bad("idx", "missing (the comparison's number)" if idx is None else
            f"must be the comparison's number, not {short(idx) if isinstance(idx, str) else kind(idx)}")
    return None


def _comparison(obj: dict[str, Any], out: Adapted) -> None:
    out.unknown(obj, COMPARISON_FIELDS)
    item_id = _item_id(obj, out)
    models = _models(obj, out)
    candidates = [{"id": key, "model": model, "output": _response(obj, name, out)}
                  for key, model, name in zip("ab", models, ("response1", "response2"))]
    annotations = []
    for name in ANNOTATORS:
        value = obj.get(name)
        label = _label(value)
        if value is None:
            continue  # this annotator did not label the comparison
        if label is None:
            out.bad(name, f"{short(value)} is not a label: 0 (tie), 1 (response1 is better) or 2 (response2 is better)")
            continue
        out.fields[f"annotations[{len(annotations)}]"] = name
        annotations.append({"annotator": ANNOTATOR_PREFIX + name, "preference": label})
    metadata = {"motivation_app": obj["motivation_app"]} if obj.get("motivation_app") is not None else {}
    if not any(models) and obj.get("cmp_key") is not None:
        metadata["cmp_key"] = obj["cmp_key"]  # the model names it holds could not be told apart
    out.fields.update({"prompt": "instruction", "metadata": "motivation_app"})
    for i, name in enumerate(("response1", "response2")):
        out.fields.update({f"candidates[{i}]": name, f"candidates[{i}].model": "cmp_key"})
    prompt = _prompt(obj, out)
    if not out.problems:
        out.item = {"id": item_id, "prompt": prompt, "candidates": candidates, "annotations": annotations,
                    "metadata": metadata}


def _prompt(obj: dict[str, Any], out: Adapted) -> Any:
    """The instruction, then the input after a blank line when there is one (blank parts are left out)."""
    instruction, given = obj.get("instruction"), obj.get("input")
    if given is not None and not isinstance(given, str):
        out.bad("input", f"must be text, not {kind(given)}")
    if not isinstance(instruction, str):
        return instruction  # the item checks name what is wrong with it
    if not isinstance(given, str) or not given.strip():
        return instruction
    return "\n\n".join(part for part in (instruction, given) if part.strip())


def _models(obj: dict[str, Any], out: Adapted) -> tuple[str, str]:
    """The two model names of ``cmp_key`` ("modelA_modelB"); unknown (with a note) when they cannot be told apart."""
    key = obj.get("cmp_key")
    if key is None:
        return "", ""
    parts = key.split("_") if isinstance(key, str) else []
    if len(parts) == 2 and all(p.strip() for p in parts):
        return parts[0].strip(), parts[1].strip()
    out.note("cmp_key", f"{short(key)} is not two model names joined by one underscore: imported without "
                         "model names (the key is kept in the item's metadata)")
    return "", ""


def _response(obj: dict[str, Any], name: str, out: Adapted) -> Any:
    value = obj.get(name)
    if isinstance(value, (bool, int, float)):
        text = json.dumps(value)
        out.note(name, f"{'a JSON boolean' if isinstance(value, bool) else 'a JSON number'} ({text}), "
                       f"imported as the text {text!r}")
        return text
    return value  # text, or what the item checks refuse (a list, an object; null = no output given)


def _label(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return LABELS.get(value)
    if isinstance(value, str):
        return _LABEL_TEXT.get(value.strip().lower())
    return None


def _verdict(obj: dict[str, Any], out: Adapted) -> None:
    out.unknown(obj, VERDICT_FIELDS)
    item_id = _item_id(obj, out)
    suggestions = []
    for result, (agent, reason_field, _) in JUDGES.items():
        if result not in obj:
            continue
        value, label = obj[result], _label(obj[result])
        if label is None:
            out.bad(result, f"{short(value)} is not a verdict: 1 (response1 is better), 2 (response2 is better) or "
                            "0 / \"Tie\"")
            continue
        suggestion = {"agent": agent, "preference": label}
        reason = obj.get(reason_field)
        if isinstance(reason, str) and reason.strip():
            suggestion["rationale"] = reason
        out.fields.update({f"suggestions[{len(suggestions)}]": result,
                           f"suggestions[{len(suggestions)}].rationale": reason_field})
        suggestions.append(suggestion)
    if not out.problems:
        out.item = {"id": item_id, "suggestions": suggestions}
