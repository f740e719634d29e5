"""Agreement (reviewers and admins): per question, per annotator pair, per annotator; disputed items;
automatic judges against the people."""

import streamlit as st

from feedback.agreement.report import questions_table
from feedback.errors import FeedbackError
from feedback.figures import percent
from feedback.people.permissions import REVIEWER
from feedback.ui import context
from feedback.ui.agreement_views import judges_table, quality_table, question_details
from feedback.ui.cached import (
    agreement_figures,
    cached_question_in_detail,
    cached_review_queue,
    rerun_when_ready,
)
from feedback.ui.guard import require_user
from feedback.ui.markdown import safe_markdown
from feedback.ui.review_views import ITEM, queue_table
from feedback.ui.tables import figure_table

user = require_user(REVIEWER, refusal="Only reviewers may read agreement figures")
project = context.current_project()
st.title("Agreement")
if project is None:
    st.info("There is no project yet. Import agent outputs on the Data page.")
    st.stop()


def figures() -> tuple[dict | None, bool]:
    return agreement_figures(user=user, project=project)


try:
    computed, fresh = figures()
except FeedbackError as e:  # an annotator (or nobody) reaching this page's address
    st.error(safe_markdown(str(e)))
    st.stop()
if computed is None:
    st.info("Computing this project's agreement figures for the first time: at 100k items it takes about half a "
            "minute. They appear here by themselves.", icon=":material/hourglass_top:")
    rerun_when_ready(lambda: figures()[1])
    st.stop()
if not fresh:
    st.caption(":material/autorenew: These figures do not count the newest answers or decisions yet: the new ones "
               "are being computed and replace them here by themselves.")
    rerun_when_ready(lambda: figures()[1])
report, quality, judges = computed["report"], computed["quality"], computed["judges"]
a, b, c, d = st.columns(4)
a.metric("Annotations", report["n_annotations"])
b.metric("Items annotated", report["n_items_annotated"])
c.metric("Annotators", len(report["annotators"]))
d.metric("Flagged annotators", sum(row["flagged"] for row in quality))
if report["n_annotations"] == 0:
    st.info("No annotations yet: rate some items first.")
    st.stop()

questions, annotators, disputed, automatic = st.tabs(["Questions", "Annotators", "Disputed items",
                                                      "Automatic judges"], key="agreement.tab")
with questions:
    boot = report.get("bootstrap") or {}
    st.caption("Computed over units with 2 or more answers: items for the preference, item x answer for ratings "
               "and flags. Percent agreement is the share of agreeing pairs of answers; kappa and alpha correct "
               "it for the agreement expected by chance (1 = perfect, 0 = chance, below 0 = worse than chance). "
               f"95% intervals: {boot.get('resamples', 0)} bootstrap resamples of items (seed {boot.get('seed')}).")
    figure_table(questions_table(report), counts=["units", "items", "annotators"])
    measured = [q for q in report["questions"] if q.get("n_units")]
    if measured:
        names = [q["question"] for q in measured]
        question = measured[names.index(st.selectbox("Question in detail", names, key="agreement.question"))]
        pairs = len(question.get("pairwise") or [])
        if (pairs and not (question.get("bootstrap") or {}).get("pair_intervals", True)  # a large team: on request
                and st.toggle(f"Intervals for each of the {pairs} annotator pairs, for alpha without each "
                              "annotator and for each annotator's agreement with the others",
                              key=f"agreement.detail.{question['question']}")):
            question = cached_question_in_detail(user=user, project_id=project.id, project=project.name,
                                                 question=question["question"]) or question
        question_details(question)

with annotators:
    st.caption(f"Flagged (red) when agreement with the others or gold accuracy is below the project's quality "
               f"threshold ({percent(project.quality_threshold)}, after 5 items), or when the left answer is chosen "
               "far more or less often than chance would have it (binomial test, p < 0.01). Agreement with "
               "the others: the share of an annotator's choices equal to the majority of the other annotators "
               "of the item (items where the others tie are left out).")
    quality_table(quality)

with disputed:
    queue = cached_review_queue(user=user, project=project, limit=200)
    st.caption(f"Items whose consensus is below the review threshold ({percent(queue.threshold)}) or split, most "
               f"disputed first: {queue.total}. Open one to decide it on the Review page.")
    if queue.entries:
        figure_table(queue_table(queue), shares=["confidence"])
        names = {e.item_id: e.external_id for e in queue.entries}
        item_id = st.selectbox("Item", list(names), format_func=names.get, key="agreement.disputed")
        if st.button("Review this item", icon=":material/gavel:", key="agreement.review"):
            st.session_state[ITEM] = item_id
            context.switch_page("pages/review.py")

with automatic:
    if judges:
        st.caption("Each automatic judge's verdicts against the human consensus (a reviewer's final answer, "
                   "else the majority of 2+ annotators), beside how often the people agree with that same "
                   "consensus: a judge to trust comes close to the people.")
        judges_table(judges)
    else:
        st.caption("No automatic judge's verdicts were imported (see `suggestions` in the import format).")
