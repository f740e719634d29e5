"""The ``README.md`` dataset card of a dataset version, written from its manifest. Pure: no database.

Hugging Face style: a YAML header (the license left for the user to choose, task categories, tags, size
category, and ``configs`` naming the data file of each split so ``load_dataset`` on the folder finds them),
then how the data was made, its agreement, its sizes, its files and its known limits, in words.
"""

import re
from typing import Any

import yaml

from feedback.export.bundle import agreement_figure
from feedback.export.curation.curate import CurationOptions
from feedback.figures import number

CARD = "README.md"
TASKS = {"dpo": "text-generation", "kto": "text-generation", "sft": "text-generation",
         "corrections": "text-generation", "openai-dpo": "text-generation", "openai-sft": "text-generation",
         "rm": "text-classification", "raw": "text-classification"}
TAGS = {"dpo": ["dpo", "preference", "human-feedback"], "rm": ["reward-modeling", "preference", "human-feedback"],
        "kto": ["kto", "unpaired-preference", "human-feedback"], "sft": ["sft", "human-feedback"],
        "corrections": ["dpo", "preference", "human-corrections"],
        "openai-dpo": ["openai", "preference", "human-feedback"], "openai-sft": ["openai", "sft", "human-feedback"],
        "raw": ["annotations", "human-feedback"]}
FORMAT_WORDS = {
    "dpo": "preference pairs with an explicit prompt (`prompt`, `chosen`, `rejected`), as TRL's DPOTrainer reads them",
    "rm": "preference pairs with the prompt inside each answer (`chosen`, `rejected`, optional `margin`), "
          "as TRL's RewardTrainer reads them",
    "kto": "unpaired preferences (`prompt`, `completion`, `label`), as TRL's KTOTrainer reads them",
    "sft": "supervised targets (`prompt`/`completion` or `messages`), as TRL's SFTTrainer reads them",
    "corrections": "human corrections as `chosen` against the agent output they correct as `rejected`",
    "openai-dpo": "OpenAI preference fine-tuning JSONL (`input`, `preferred_output`, `non_preferred_output`)",
    "openai-sft": "OpenAI chat fine-tuning JSONL (`messages`)",
    "raw": "one row per annotation, every answer, for your own analysis",
}
_SPLIT = re.compile(r"[-.](train|test)\.(jsonl|parquet)$")


def size_category(n: int) -> str:
    """Hugging Face's size category of ``n`` rows."""
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")]
    return next((label for bound, label in bounds if n < bound), "n>100M")


def data_files(names: list[str]) -> dict[str, str]:
    """Split -> the file ``load_dataset`` should read: Parquet where there is one, else JSONL.

    ``stem-train.parquet`` / ``stem-test.parquet`` name their split; a file without one is the train split."""
    found: dict[str, str] = {}
    for name in sorted(names, key=lambda n: (not n.endswith(".parquet"), n)):
        if not name.endswith((".parquet", ".jsonl")):
            continue
        match = _SPLIT.search(name)
        found.setdefault(match.group(1) if match else "train", name)
    return dict(sorted(found.items(), key=lambda kv: kv[0] != "train"))


def _header(manifest: dict[str, Any], names: list[str]) -> str:
    fmt = manifest.get("options", {}).get("format", "dpo")
    files = data_files(names)
    header = {
        "pretty_name": f"{manifest.get('project', 'feedback')} {fmt} v{manifest.get('version', {}).get('number', '')}"
                       .strip(),
        "task_categories": [TASKS.get(fmt, "text-generation")],
        "tags": TAGS.get(fmt, ["human-feedback"]),
        "size_categories": [size_category(int(manifest.get("rows", 0)))],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": split, "path": path} for split, path in files.items()]}],
    }
    body = yaml.safe_dump(header, sort_keys=False, allow_unicode=True)
    return ("---\n# license: choose the license of your data before you publish it (e.g. cc-by-4.0)\n"
            + body + "---\n")


def _count(n: Any, word: str) -> str:
    n = int(n or 0)
    return f"{n:,} {word}{'' if n == 1 else 's'}"


_FORMAT_OPTIONS = {  # the options each format reads, beyond format, form, min_annotations and exclude_flagged
    "dpo": ("ranking_pairs",), "openai-dpo": ("ranking_pairs",),
    "rm": ("ranking_pairs", "margin", "margin_dimension"),
    "kto": ("kto_source", "kto_dimension", "kto_desirable_min", "kto_undesirable_max"),
    "sft": ("sft_dimension", "sft_min_rating"), "openai-sft": ("sft_dimension", "sft_min_rating"),
}
_AGREEMENT_WORDS = {
    "items_with_2_plus_preferences": "items with two or more preferences", "percent_agreement": "percent agreement",
    "krippendorff_alpha_nominal": "Krippendorff's alpha (nominal)", "mean_consensus_confidence":
    "mean consensus confidence", "adjudicated_items": "items adjudicated by a reviewer",
}
COLUMN_WORDS = {
    "prompt": "the prompt: text, or a list of {role, content} messages",
    "chosen": "the preferred answer (with the prompt in front of it in rm rows)",
    "rejected": "the other answer",
    "completion": "an answer", "label": "true: desirable, false: undesirable",
    "messages": "the whole conversation, ending with the target answer",
    "margin": "how much more chosen is preferred, from 0 to 1",
    "item_id": "the item's id in the imported file",
    "num_annotators": "annotators whose answers were counted",
    "majority_share": "share of those annotators who chose this row's chosen answer",
    "chosen_model": "model of the chosen answer", "rejected_model": "model of the rejected answer",
    "model": "model of the answer", "metadata": "the item's metadata, JSON text",
    "consensus": "how the answer was decided: majority, dawid_skene or mean_rank",
    "confidence": "vote share, Dawid-Skene posterior or ranking agreement; 1.0 when adjudicated",
    "adjudicated": "true when a reviewer's final answer decided it",
    "target": "where the target comes from: correction or consensus",
    "annotator": "who wrote it", "tools": "the tools the agent could call, JSON text",
}
_CURATION_DEFAULTS = CurationOptions().to_dict()


def _settings(options: dict[str, Any]) -> str:
    fmt = options.get("format", "dpo")
    names = ["form", "min_annotations", "exclude_flagged", *_FORMAT_OPTIONS.get(fmt, ())]
    if fmt == "rm" and options.get("margin") != "ratings":
        names.remove("margin_dimension")
    if fmt == "kto" and options.get("kto_source") != "ratings":
        names = [n for n in names if not n.startswith("kto_") or n == "kto_source"]
    if fmt in ("sft", "openai-sft") and options.get("sft_min_rating") is None:
        names = [n for n in names if not n.startswith("sft_")]
    if fmt.startswith("openai") or fmt == "raw":
        names.remove("form")
    return ", ".join(f"{n}={options[n]}" for n in names if n in options)


def _who(version: dict[str, Any]) -> str:
    who = str(version.get("created_by", "?"))
    if who.startswith("command line"):
        return "from the command line" + (f" by {who[len('command line ('):-1]}" if who.endswith(")") else "")
    return f"by {who}"


def dataset_card(manifest: dict[str, Any], files: dict[str, bytes]) -> str:
    """The card's Markdown for ``manifest`` (a version's manifest) and its data ``files``."""
    options = manifest.get("options", {})
    fmt = options.get("format", "dpo")
    version = manifest.get("version", {})
    code = manifest.get("code_version", {})
    words = FORMAT_WORDS.get(fmt, fmt)
    form = f", {options['form']} form" if options.get("form") and not fmt.startswith(("openai", "raw")) else ""
    lines = [_header(manifest, list(files)),
             f"# {manifest.get('project', '')}: {fmt} dataset, version {version.get('number', '?')}", "",
             f"{words[0].upper()}{words[1:]}{form}.", "",
             f"Made {_who(version)} on {version.get('created_at', '?')} with feedback {code.get('package') or '?'}"
             + (f" (commit {code['git_commit'][:12]}{', with local changes' if code.get('git_dirty') else ''})"
                if code.get("git_commit") else "") + ".", ""]
    lines += ["## Sizes", ""]
    splits = manifest.get("splits", {})
    lines += [f"- {split}: {_count(n, 'row')}" for split, n in (splits.get("rows") or
                                                                {"train": manifest.get("rows", 0)}).items()]
    items = manifest.get("items", {})
    if items:
        lines.append(f"- from {_count(items.get('exported', 0), 'item')} of the project's "
                     f"{items.get('total', 0):,}, by {_count(len(manifest.get('annotators', [])), 'annotator')}")
    if splits.get("test_fraction"):
        lines.append(f"- test split: {splits['test_fraction']:g} of the prompts (seed {splits.get('seed', 0)}), "
                     "grouped by normalised prompt and near duplicates: no prompt is in both splits")
    lines += ["", "## How it was made", ""]
    consensus = manifest.get("consensus", {})
    if consensus:
        lines.append(f"- Consensus: {consensus.get('method', '?')}"
                     + (f" ({consensus['rule']})" if consensus.get("rule") else "")
                     + f"; {consensus.get('adjudication', '')}; {_count(consensus.get('adjudicated_rows', 0), 'row')} "
                     "adjudicated by a reviewer.")
    for key in ("target", "labels", "margin", "tools", "missing_values"):
        if isinstance(manifest.get(key), str) and manifest[key]:
            lines.append(f"- {key.replace('_', ' ').capitalize()}: {manifest[key]}")
    for key, rule in (manifest.get("ranking") or {}).items():
        lines.append(f"- Ranked items, {key}: {rule}")
    lines.append(f"- Settings: {_settings(options)}")
    curation = manifest.get("curation", {})
    if curation:
        chosen = {k: v for k, v in curation.get("options", {}).items() if _CURATION_DEFAULTS.get(k, object()) != v}
        lines.append("- Filter settings: " + (", ".join(f"{k}={v}" for k, v in chosen.items()) or "the defaults")
                     + " (by default gold items are removed and duplicates kept)")
        removed = {k: v for k, v in curation.get("removed", {}).items() if v}
        lines.append("- Items removed by the filters, in the order applied: "
                     + (", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in removed.items()) or "none"))
    excluded = {k: v for k, v in manifest.get("excluded", {}).items() if v}
    lines.append("- Left out when building rows: "
                 + (", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in excluded.items()) or "nothing"))
    left_out = [n for names in manifest.get("annotators_left_out", {}).values() for n in names]
    if left_out:
        lines.append(f"- Votes not counted (annotators flagged by the quality checks): {', '.join(left_out)}")
    guidelines = [g for g in manifest.get("guidelines_versions") or [] if g is not None]
    lines.append("- Guidelines versions the annotators saw: "
                 + (", ".join(str(g) for g in guidelines) if guidelines else "none recorded")
                 + ("; some labels were imported without one" if None in (manifest.get("guidelines_versions") or [])
                    and guidelines else ""))
    batches = manifest.get("import_batches")
    if batches:
        lines.append("- Import batches: " + ", ".join(f"#{b['id']} {b.get('file', '')}".strip() if isinstance(b, dict)
                                                      else str(b) for b in batches))
    agreement = manifest.get("agreement")
    if agreement:
        lines += ["", "## Agreement of the included items", ""]
        lines += [f"- {_AGREEMENT_WORDS[k]}: " + (f"{v:,}" if isinstance(v, int) and not isinstance(v, bool)
                                                  else agreement_figure(agreement, k))
                  for k, v in agreement.items() if k in _AGREEMENT_WORDS]
    balance = manifest.get("class_balance")
    if balance:
        lines += ["", "## Class balance", ""]
        for key, value in balance.items():
            if key in ("rule", "by_split"):
                continue
            shown = ", ".join(f"{k} {v:,}" for k, v in value.items()) if isinstance(value, dict) else value
            lines.append(f"- {key.replace('_', ' ')}: {shown}")
        if balance.get("rule"):
            lines.append(f"- ({balance['rule']})")
    described_columns = [c for c in manifest.get("columns", []) if c in COLUMN_WORDS]
    if described_columns:
        lines += ["", "## Columns", ""] + [f"- `{c}`: {COLUMN_WORDS[c]}" for c in described_columns]
    lines += ["", "## Files", "", "| file | bytes | sha256 |", "|---|---:|---|"]
    described = manifest.get("files", {})
    lines += [f"| {name} | {described.get(name, {}).get('bytes', len(body)):,} | "
              f"{described.get(name, {}).get('sha256', '')} |" for name, body in sorted(files.items())]
    lines += ["", "`manifest.json` says exactly how this version was made and gives the sha256 of every file.", "",
              "## Loading", "", "```python", "from datasets import load_dataset", "",
              'dataset = load_dataset("path/to/this/folder")  # the header above names the file of each split']
    parquet = data_files(list(files))
    kind = "parquet" if all(p.endswith(".parquet") for p in parquet.values()) else "json"
    lines += [f"dataset = load_dataset({kind!r}, data_files={parquet!r})  # from inside the folder", "```", ""]
    lines += ["## Known limits", "",
              "- The license is not set: choose one in the header before publishing.",
              ("- Labels are human judgements; where annotators disagreed the consensus rule above decided, and "
               "the confidence column says how strongly.")]
    alpha = (agreement or {}).get("krippendorff_alpha_nominal")
    if isinstance(alpha, float) and alpha < 0.667:
        lines.append(f"- Agreement is low (alpha {number(alpha)}; Krippendorff suggests 0.667 as the lowest for tentative "
                     "conclusions): consider a higher minimum consensus, more annotators per item, or clearer "
                     "guidelines.")
    lines += [("- Agent outputs are kept as they were produced: they may contain errors or unsafe text unless "
               "the filters above removed them."), ""]
    return "\n".join(lines)
