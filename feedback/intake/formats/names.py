"""The import formats' names and descriptions, without their readers: the command line's parser reads them."""

AUTO, ITEMS, PANDALM, HH_RLHF = "auto", "items", "pandalm", "hh-rlhf"
FORMATS = (AUTO, ITEMS, PANDALM, HH_RLHF)
FORMAT_HELP = {
    AUTO: "told from the file: a JSON array of PandaLM records, JSON Lines of HH-RLHF pairs, else our own items",
    ITEMS: "our own items: JSON Lines (or CSV) as described in the README",
    PANDALM: "PandaLM: its test set (a JSON array of comparisons) or a judge's verdicts on it",
    HH_RLHF: "HH-RLHF: JSON Lines (may be .gz) of {chosen, rejected} dialogues",
}
UPLOAD_TYPES = ("jsonl", "json", "csv", "gz")  # file name endings an import reads (.gz: any of them compressed)
