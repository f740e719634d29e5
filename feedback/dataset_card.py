"""The ``README.md`` dataset card of a dataset version, written from its manifest. Pure: no database.

Hugging Face style: a YAML header (the license left for the user to choose, task categories, tags, size
category, and ``configs`` naming the data file of each split so ``load_dataset`` on the folder finds them),
then how the data was made, its agreement, its sizes, its files and its known limits, in words.
"""

import re
from typing import Any

import yaml

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


def dataset_card(manifest: dict[str, Any], files: dict[str, bytes]) -> str:
    """The card's Markdown for ``manifest`` (a version's manifest) and its data ``files``."""
    options = manifest.get("options", {})
    fmt = options.get("format", "dpo")
    version = manifest.get("version", {})
    lines = [_header(manifest, list(files)), (f"# {manifest.get('project', '')}: {fmt} dataset, version "
             f"{version.get('number', '?')}"), ""]
    lines += [f"{FORMAT_WORDS.get(fmt, fmt)}" + (f", {options['form']} form" if options.get("form")
                                                  and not fmt.startswith(("openai", "raw")) else "") + ".",
              "", f"Made by {version.get('created_by', '?')} on {version.get('created_at', '?')} with feedback "
              f"{manifest.get('code_version', {}).get('package') or '?'}"
              + (f" (commit {manifest['code_version']['git_commit'][:12]})"
                 if manifest.get("code_version", {}).get("git_commit") else "") + ".", ""]
    lines += ["## Sizes", ""]
    splits = manifest.get("splits", {}).get("rows") or {"train": manifest.get("rows", 0)}
    lines += [f"- {split}: {_count(n, 'row')}" for split, n in splits.items()]
    items = manifest.get("items", {})
    if items:
        lines.append(f"- from {_count(items.get('exported', 0), 'item')} of the project's "
                     f"{items.get('total', 0):,}, by {_count(len(manifest.get('annotators', [])), 'annotator')}")
    lines += ["", "## How it was made", ""]
    consensus = manifest.get("consensus", {})
    if consensus:
        lines.append(f"- Consensus: {consensus.get('method', '?')}"
                     + (f" ({consensus['rule']})" if consensus.get("rule") else "")
                     + f"; {consensus.get('adjudication', '')}; {_count(consensus.get('adjudicated_rows', 0), 'row')} "
                     "adjudicated by a reviewer.")
    for key in ("target", "margin", "ranking_rule", "kto_rule"):
        if manifest.get(key):
            lines.append(f"- {key.replace('_', ' ').capitalize()}: {manifest[key]}")
    settings = ", ".join(f"{k}={v}" for k, v in sorted(options.items()) if k not in ("format",))
    lines.append(f"- Settings: {settings}" if settings else "- Settings: defaults")
    curation = manifest.get("curation", {})
    removed = {k: v for k, v in curation.get("removed", {}).items() if v}
    if curation:
        lines.append("- Filters (items removed, in the order applied): "
                     + (", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in removed.items()) or "none removed"))
    excluded = {k: v for k, v in manifest.get("excluded", {}).items() if v}
    lines.append("- Left out when building rows: "
                 + (", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in excluded.items()) or "nothing"))
    guidelines = manifest.get("guidelines_versions")
    if guidelines:
        lines.append(f"- Guidelines versions the annotators saw: {', '.join(str(g) for g in guidelines)}")
    batches = manifest.get("import_batches")
    if batches:
        lines.append(f"- Import batches: {', '.join(str(b) for b in batches)}")
    agreement = manifest.get("agreement")
    if agreement:
        lines += ["", "## Agreement of the included items", ""]
        lines += [f"- {k.replace('_', ' ')}: {v}" for k, v in agreement.items() if not isinstance(v, dict | list)]
    balance = manifest.get("class_balance")
    if balance:
        lines += ["", "## Class balance", ""]
        lines += [f"- {k.replace('_', ' ')}: {v}" for k, v in balance.items() if k != "rule"]
        if balance.get("rule"):
            lines.append(f"- ({balance['rule']})")
    lines += ["", "## Files", "", "| file | bytes | sha256 |", "|---|---:|---|"]
    described = manifest.get("files", {})
    lines += [f"| {name} | {described.get(name, {}).get('bytes', len(body)):,} | "
              f"{described.get(name, {}).get('sha256', '')} |" for name, body in sorted(files.items())]
    lines += ["", "`manifest.json` says exactly how this version was made and gives the sha256 of every file.", "",
              "## Loading", "", "```python", "from datasets import load_dataset", ""]
    parquet = data_files(list(files))
    kind = "parquet" if all(p.endswith(".parquet") for p in parquet.values()) else "json"
    lines += [f"dataset = load_dataset({kind!r}, data_files={parquet!r})", "```", ""]
    lines += ["## Known limits", "",
              "- The license is not set: choose one in the header before publishing.",
              ("- Labels are human judgements; where annotators disagreed the consensus rule above decided, and "
              "the confidence column says how strongly."),
              ("- Agent outputs are kept as they were produced: they may contain errors or unsafe text unless "
              "the filters above removed them."), ""]
    return "\n".join(lines)
