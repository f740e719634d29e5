"""Agreement: how much annotators agree, per question, per annotator pair; where they disagree."""

import pandas as pd
import streamlit as st

from feedback.errors import FeedbackError
from feedback.gold import gold_accuracy
from feedback.report import questions_table
from feedback.ui import context
from feedback.ui.cached import cached_agreement_report

user = context.current_user()
project = context.current_project()
st.title("Agreement")
if project is None:
    st.info("There is no project yet. Import agent outputs on the Data page.")
    st.stop()

try:
    report = cached_agreement_report(user=user, project_id=project.id, project=project.name)
except FeedbackError as e:  # an annotator (or nobody) reaching this page's address
    st.error(str(e))
    st.stop()
a, b, c = st.columns(3)
a.metric("Annotations", report["n_annotations"])
b.metric("Items annotated", report["n_items_annotated"])
c.metric("Annotators", len(report["annotators"]))
if report["n_annotations"] == 0:
    st.info("No annotations yet: rate some items first.")
    st.stop()

st.subheader("Per question")
st.caption("Computed over units with 2 or more answers: items for the preference, item x answer for ratings "
           "and flags. Percent agreement is the share of agreeing pairs "
           "of answers; kappa and alpha correct it for chance (1 = perfect, 0 = chance, below 0 = worse than "
           "chance). Alpha is measured at the level shown; Fleiss' kappa treats answers as categories. Preference (ordinal) orders first candidate better > tie > second better, by candidate, "
           "never by screen side; both bad is left out of it.")
fmt = {col: "{:.3f}" for col in ["% agreement", "Fleiss' kappa", "Krippendorff's alpha"]}
st.dataframe(questions_table(report).style.format(fmt, na_rep="n/a"), hide_index=True, width="stretch")

st.subheader("Cohen's kappa per annotator pair")
names = [q["question"] for q in report["questions"] if q.get("pairwise")]
if names:
    chosen = st.selectbox("Question", names, key="agreement.question")
    question = next(q for q in report["questions"] if q["question"] == chosen)
    st.dataframe(pd.DataFrame(question["pairwise"]), hide_index=True, width="stretch")
else:
    st.caption("No two annotators share 2 or more items yet.")

st.subheader("Disagreements on the preference")
if report["disagreements"]:
    st.dataframe(pd.DataFrame(report["disagreements"]), hide_index=True, width="stretch")
else:
    st.caption("No item with 2+ annotations has a split preference.")

with context.session() as s:
    gold = gold_accuracy(session=s, user=user, project=project)
if gold:
    st.subheader("Gold accuracy")
    st.caption("Answers on gold items (items with a known answer, mixed into every annotator's queue) that "
               "matched the known answer.")
    table = pd.DataFrame(gold)[["annotator", "gold_answered", "correct", "accuracy"]].rename(columns={
        "annotator": "Annotator", "gold_answered": "Gold answered", "correct": "Correct", "accuracy": "Accuracy"})
    st.dataframe(table.style.format({"Accuracy": "{:.0%}"}), hide_index=True, width="stretch")
