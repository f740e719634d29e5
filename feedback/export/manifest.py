"""The rules an export used, in words, for its ``manifest.json``: a year later the manifest still says how each
row was made. Pure; one entry per rule the export's format and options actually used."""

from typing import Any

from feedback.export.options import ExportOptions

RULES = {
    "majority": "the option with strictly more than half of an item's preference votes",
    "dawid_skene": "the option with the highest Dawid-Skene posterior (annotators weighted by their estimated "
                   "confusion matrices)",
}
PAIR_FORMATS = ("dpo", "rm", "openai-dpo")
TARGET_FORMATS = ("sft", "openai-sft")
RANKED_FORMATS = PAIR_FORMATS + TARGET_FORMATS + ("kto",)

_CONSENSUS_RANKING = (
    "items with no preference vote that were ranked: each candidate's mean rank over the annotators who ranked "
    "every candidate (1 = best); equal means are tied; a reviewer's final ranking replaces the mean ranking. "
    "Items with preference votes use their preference consensus, whatever rankings they also have")
_PAIRS = {
    "all": "every pair of candidates with a strict consensus order, the better as chosen",
    "best_worst": "every candidate ranked top against every candidate ranked bottom",
    "adjacent": "every candidate against every candidate on the next consensus level",
}


def _margin(options: ExportOptions, scales: dict[str, tuple[int, int]]) -> str:
    if options.margin == "votes":
        return ("share of the item's preference votes for chosen minus the share for rejected, floored at 0; for a "
                "ranking pair, the share of ranking annotators who put chosen above rejected minus the share who "
                "put rejected above chosen, floored at 0")
    if options.margin == "ratings":
        low, high = scales[options.margin_dimension]
        return (f"(mean {options.margin_dimension!r} rating of chosen - mean of rejected) / {high - low} (the "
                f"width of its {low}-{high} scale), floored at 0; a pair without a rating of both answers gives "
                "no row (no_margin_ratings)")
    return "none: the rm rows have no margin column"


def _labels(options: ExportOptions) -> str:
    if options.kto_source == "ratings":
        return (f"per candidate, the mean {options.kto_dimension!r} rating over the annotators who rated it (at "
                f"least min_annotations of them): >= {options.kto_desirable_min} desirable (label true), <= "
                f"{options.kto_undesirable_max} undesirable (label false), in between left out "
                "(between_thresholds); confidence is the share of its raters on the label's side")
    return ("the consensus winner true, every other candidate false; both bad: every candidate false; ties and "
            "splits give no rows; ranked items: the top consensus level true, the bottom level false, the levels "
            "between left out (ranked_middle)")


def _target(options: ExportOptions) -> str:
    text = ("the newest correction among the item's annotations (latest updated_at), otherwise the consensus "
            "winner (a ranked item: its single top candidate)")
    if options.sft_min_rating is not None:
        text += (f", which must have a mean {options.sft_dimension!r} rating of at least {options.sft_min_rating} "
                 "(below_min_rating, no_ratings otherwise); corrections always qualify")
    return text


def rules(options: ExportOptions, scales: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """The manifest entries that explain the rules ``options`` used (``margin``, ``labels``, ``target``,
    ``ranking``, ``tools``, ``missing_values``)."""
    fmt = options.format
    out: dict[str, Any] = {}
    if fmt == "rm":
        out["margin"] = _margin(options, scales)
    if fmt == "kto":
        out["labels"] = _labels(options)
    if fmt in TARGET_FORMATS:
        out["target"] = _target(options)
    if fmt in RANKED_FORMATS and not (fmt == "kto" and options.kto_source == "ratings"):
        ranking = {"consensus": _CONSENSUS_RANKING}
        if fmt in PAIR_FORMATS:
            ranking["pairs"] = (f"{options.ranking_pairs}: {_PAIRS[options.ranking_pairs]}; pairs of tied "
                                "candidates are left out (tied_ranks); share = the fraction of ranking annotators "
                                "who put chosen above rejected; consensus column mean_rank")
        out["ranking"] = ranking
    if fmt in ("dpo", "rm", "kto", "sft") and options.form == "conversational":
        out["tools"] = ("the tools column holds the JSON text of the item's tool list (keys sorted), \"[]\" for an "
                        "item without tools; json.loads it, or let TRL do so")
    if fmt == "openai-sft":
        out["tools"] = "lines of items with tools carry them as a top-level tools list"
    if fmt == "openai-dpo":
        out["tools"] = "lines of items with tools carry them in input.tools"
    if fmt == "raw":
        out["missing_values"] = ("no cell is null: an answer not given is empty text (preference, correction, "
                                 "rationale, gold) or the JSON text null (ranking, thumbs, ratings, flags, "
                                 "shown_order); a version not recorded is 0; a time not recorded is -1")
    return out
