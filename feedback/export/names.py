"""The names an export is asked for by (formats, forms, pairings, margins, sources, deduplication): plain
tuples, so that the CLI can offer them without importing the export itself (pandas, scikit-learn)."""

FORMATS = ("dpo", "rm", "kto", "sft", "corrections", "openai-dpo", "openai-sft", "raw")
ONE_FORM = ("openai-dpo", "openai-sft", "raw")  # the form option does not apply
FORMS = ("standard", "conversational")
RANKING_PAIRS = ("all", "best_worst", "adjacent")
MARGINS = ("votes", "ratings", "none")
KTO_SOURCES = ("preference", "ratings")
DEDUP = ("none", "exact", "near")
