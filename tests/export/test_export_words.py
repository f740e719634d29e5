"""The export's summary and card write agreement figures one way, and say "not defined" only when they are not."""

from feedback.export.bundle import NO_PAIRS, agreement_figure, agreement_line
from feedback.export.card import dataset_card

DEFINED = {"items_with_2_plus_preferences": 4, "percent_agreement": 0.6666667, "krippendorff_alpha_nominal": 0.23456,
           "mean_consensus_confidence": 0.8333}
UNDEFINED = {"items_with_2_plus_preferences": 0, "percent_agreement": None, "krippendorff_alpha_nominal": None,
             "mean_consensus_confidence": 1.0}


def test_the_preview_says_why_alpha_is_missing_only_when_it_is():
    assert agreement_line(DEFINED) == ("Agreement of the included items: percent 0.667, alpha 0.235, "
                                       "mean confidence 0.833")
    assert NO_PAIRS not in agreement_line(DEFINED)
    assert agreement_line(UNDEFINED) == (f"Agreement of the included items: percent – ({NO_PAIRS}), alpha – "
                                         f"({NO_PAIRS}), mean confidence 1.000")


def test_the_card_writes_agreement_figures_with_three_decimals():
    card = dataset_card({"project": "p", "agreement": DEFINED, "options": {"format": "dpo"}}, {})
    assert "- percent agreement: 0.667" in card and "- Krippendorff's alpha (nominal): 0.235" in card
    assert "- items with two or more preferences: 4" in card and "0.6666667" not in card
    assert "Agreement is low (alpha 0.235;" in card
    assert agreement_figure(UNDEFINED, "krippendorff_alpha_nominal") == f"– ({NO_PAIRS})"
