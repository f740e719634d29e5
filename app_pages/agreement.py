"""Agreement (reviewers and admins): per question, per annotator pair, per annotator; disputed items;
automatic judges against the people."""

import pandas as pd
import streamlit as st

from feedback.errors import FeedbackError
from feedback.report import questions_table
from feedback.ui import context
from feedback.ui.agreement_views import judges_table, kappa_heatmap, quality_table
from feedback.ui.cached import cached_agreement_report, cached_judges, cached_quality

user = context.current_user()
project = context.current_project()
st.title("Agreement")
if project is None:
    st.info("There is no project yet. Import agent outputs on the Data page.")
    st.stop()

try:
    report = cached_agreement_report(user=user, project_id=project.id, project=project.name)
    quality = cached_quality(user=user, project=project)
    judges = cached_judges(user=user, project=project)
except FeedbackError as e:  # an annotator (or nobody) reaching this page's address
    st.error(str(e))
    st.stop()
a, b, c, d = st.columns(4)
a.metric("Annotations", report["n_annotations"])
b.metric("Items annotated", report["n_items_annotated"])
c.metric("Annotators", len(report["annotators"]))
d.metric("Flagged annotators", sum(row["flagged"] for row in quality))
if report["n_annotations"] == 0:
    st.info("No annotations yet: rate some items first.")
    st.stop()

questions, annotators, disputed, automatic = st.tabs(["Questions", "Annotators", "Disputed items",
                                                      "Automatic judges"])
with questions:
    st.caption("Computed over units with 2 or more answers: items for the preference, item x answer for ratings "
               "and flags. Percent agreement is the share of agreeing pairs of answers; kappa and alpha correct "
               "it for chance (1 = perfect, 0 = chance, below 0 = worse than chance). Alpha is measured at the "
               "level shown; Fleiss' kappa treats answers as categories. Preference (ordinal) orders first "
               "candidate better > tie > second better, by candidate, never by screen side; both bad is left "
               "out of it.")
    fmt = {col: "{:.3f}" for col in ["% agreement", "Fleiss' kappa", "Krippendorff's alpha"]}
    st.dataframe(questions_table(report).style.format(fmt, na_rep="n/a"), hide_index=True, width="stretch")

with annotators:
    st.caption(f"Flagged (red) when agreement with the others or gold accuracy is below the project's quality "
               f"threshold ({project.quality_threshold:.0%}, after 5 items), or when the left answer is chosen "
               "far more or less often than chance would have it (binomial test, p < 0.01). Agreement with "
               "the others: the share of an annotator's choices equal to the majority of the other annotators "
               "of the item (items where the others tie are left out).")
    quality_table(quality)
    st.markdown("**Cohen's kappa per annotator pair**")
    names = [q["question"] for q in report["questions"] if q.get("pairwise")]
    if names:
        chosen = st.selectbox("Question", names, key="agreement.question")
        kappa_heatmap(next(q for q in report["questions"] if q["question"] == chosen)["pairwise"])
    else:
        st.caption("No two annotators share 2 or more items yet.")

with disputed:
    if report["disagreements"]:
        st.dataframe(pd.DataFrame(report["disagreements"]), hide_index=True, width="stretch")
    else:
        st.caption("No item with 2+ annotations has a split preference.")

with automatic:
    if judges:
        st.caption("Each automatic judge's verdicts against the human consensus (a reviewer's final answer, "
                   "else the majority of 2+ annotators), beside how often the people agree with that same "
                   "consensus: a judge to trust comes close to the people.")
        judges_table(judges)
    else:
        st.caption("No automatic judge's verdicts were imported (see `suggestions` in the import format).")
