"""Every page through Streamlit's AppTest: renders without exception, and the Rate page saves answers."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from signing import sign_in_state
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from feedback.people.accounts import change_own_password, hash_password, reset_password, set_active, set_role
from feedback.projects.projects import add_project
from feedback.store.tables import (
    Annotation,
    AnnotationRevision,
    Candidate,
    Item,
    LoginSession,
    ProjectMember,
    Skip,
    User,
)
from feedback.ui.context import PROJECT, SESSION, USER_ID

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


PASSWORD = "correct horse battery"


def account(engine, name: str, role: str = "admin", password: str = PASSWORD) -> User:
    """The user ``name`` with ``role`` and ``password`` (created, or given them if they exist)."""
    with Session(engine, expire_on_commit=False) as s:
        user = s.exec(select(User).where(User.name == name)).first() or User(name=name)
        user.role, user.password_hash, user.active = role, hash_password(password), True
        s.add(user)
        s.commit()
        return user


def log_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="login.name").input(name)
    at.text_input(key="login.password").input(password)
    return next(b for b in at.button if b.label == "Sign in").click().run()


def signed_in(engine, name="alex", role="admin") -> AppTest:
    """An app where ``name`` (an admin unless ``role`` says otherwise) has signed in with the login form."""
    user = account(engine, name, role)
    at = log_in(AppTest.from_file(APP, default_timeout=30).run(), name, PASSWORD)
    assert not at.exception
    assert at.session_state[USER_ID] == user.id
    return at


def test_login_with_the_right_password_opens_the_rate_page(db):
    user = account(db, "alex", "annotator")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value.startswith("Rate and correct")
    log_in(at, "  alex  ", PASSWORD)
    assert not at.exception
    assert at.session_state[USER_ID] == user.id
    assert at.title[0].value == "Rate"
    assert "login.password" not in at.session_state or at.session_state["login.password"] == ""
    with Session(db) as s:
        assert s.get(User, user.id).last_login_at is not None


@pytest.mark.parametrize("name, password", [("alex", "wrong password"), ("nobody", PASSWORD), ("maria", PASSWORD),
                                            ("", "")])
def test_login_refused_shows_one_error_and_starts_no_session(db, name, password):
    account(db, "alex", "annotator")  # maria exists from the fixture's labels, without a password
    at = log_in(AppTest.from_file(APP, default_timeout=30).run(), name, password)
    assert not at.exception
    assert [e.value for e in at.error] == ["Wrong name or password"]
    assert USER_ID not in at.session_state
    assert at.title[0].value.startswith("Rate and correct")


def test_a_deactivated_account_cannot_log_in_and_is_signed_out_at_its_next_run(db):
    at = signed_in(db, "alex", "annotator").run()
    with Session(db) as s:
        s.get(User, at.session_state[USER_ID]).active = False
        s.commit()
    at.run()
    assert USER_ID not in at.session_state
    assert "deactivated" in at.info[0].value
    log_in(at, "alex", PASSWORD)
    assert [e.value for e in at.error] == ["Wrong name or password"]


def last_seen(engine, at: AppTest, minutes_ago: float | None = None) -> datetime:
    """The tab's session's last activity; set ``minutes_ago`` first when given."""
    with Session(engine) as s:
        row = s.get(LoginSession, at.session_state[SESSION])
        if minutes_ago is not None:
            row.last_seen_at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
            s.add(row)
            s.commit()
        return row.last_seen_at.replace(tzinfo=UTC)


def test_a_session_idle_past_the_timeout_is_signed_out(db):
    at = signed_in(db, "alex", "annotator").run()
    assert at.title[0].value == "Rate"
    ended = at.session_state[SESSION]
    last_seen(db, at, minutes_ago=61)  # default FEEDBACK_SESSION_TIMEOUT_MINUTES: 60
    at.run()
    assert not at.exception
    assert USER_ID not in at.session_state and SESSION not in at.session_state
    assert at.info[0].value == "Signed out after 60 minutes without activity."
    assert at.title[0].value.startswith("Rate and correct")
    with Session(db) as s:
        assert s.get(LoginSession, ended).ended_why == "idle"


def test_activity_within_the_timeout_keeps_the_session(db):
    at = signed_in(db, "alex", "annotator").run()
    last_seen(db, at, minutes_ago=59)
    at.run()
    assert at.title[0].value == "Rate"
    assert datetime.now(UTC) - last_seen(db, at) < timedelta(minutes=1)


@pytest.mark.parametrize("what, notice", [
    ("reset", "an admin reset this account's password"),
    ("role", "an admin changed this account's role"),
    ("deactivate", "deactivated"),
])
def test_an_admin_ending_a_users_sessions_signs_them_out_at_their_next_click(db, what, notice):
    at = signed_in(db, "alex", "annotator").run()
    with Session(db) as s:
        if what == "reset":
            reset_password(session=s, actor=None, name="alex", password="a brand new password")
        elif what == "role":
            set_role(session=s, actor=None, name="alex", role="reviewer")
        else:
            set_active(session=s, actor=None, name="alex", active=False)
    at.run()
    assert not at.exception
    assert SESSION not in at.session_state
    assert notice in at.info[0].value
    assert at.title[0].value.startswith("Rate and correct")


def test_changing_ones_password_keeps_this_session_and_ends_the_others(db):
    here, there = signed_in(db, "alex", "annotator").run(), signed_in(db, "alex", "annotator").run()
    with Session(db) as s:
        change_own_password(session=s, user=s.get(User, here.session_state[USER_ID]), old=PASSWORD,
                            new="a brand new password", keep_session=here.session_state[SESSION])
    here.run()
    there.run()
    assert here.title[0].value == "Rate"
    assert there.title[0].value.startswith("Rate and correct")
    assert "password was changed" in there.info[0].value


def test_sign_out_button_ends_the_session(db):
    at = signed_in(db, "alex", "annotator").run()
    ended = at.session_state[SESSION]
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    assert USER_ID not in at.session_state
    with Session(db) as s:
        assert s.get(LoginSession, ended).ended_why == "signed out"
    assert at.title[0].value.startswith("Rate and correct")


@pytest.mark.parametrize("page", ["pages/agreement.py", "pages/data.py", "pages/users.py"])
def test_an_annotator_has_no_reviewer_or_admin_pages(db, page):
    at = signed_in(db, "alex", "annotator").run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page)
    admin = signed_in(db, "root", "admin").run()
    admin.switch_page(page).run()
    assert not admin.exception and not admin.error


def test_a_reviewer_has_agreement_but_no_admin_pages(db):
    at = signed_in(db, "rita", "reviewer").run()
    at.switch_page("pages/agreement.py").run()
    assert at.title[0].value == "Agreement" and at.dataframe
    for page in ["pages/data.py", "pages/users.py"]:
        with pytest.raises(ValueError):
            at.switch_page(page)


def test_an_annotator_opening_the_agreement_page_gets_no_numbers(db):
    """Even run directly, outside the navigation, the page refuses an annotator."""
    user = account(db, "alex", "annotator")
    at = AppTest.from_file(str(ROOT / "pages" / "agreement.py"), default_timeout=30)
    at.session_state["app.database_url"] = str(db.url)
    at.session_state["app.pool_size"] = 5
    sign_in_state(at, db, user.id)
    at.session_state[PROJECT] = "support"
    at.run()
    assert not at.exception
    assert "Only reviewers may read agreement figures" in at.error[0].value
    assert not at.metric and not at.dataframe


def test_an_annotator_opening_the_agreement_address_lands_on_rate(db):
    """Like a bookmarked /agreement: before the first run the page is named by its file, not the navigation."""
    user = account(db, "alex", "annotator")
    at = AppTest.from_file(APP, default_timeout=30)
    sign_in_state(at, db, user.id)
    at.switch_page("pages/agreement.py").run()
    assert not at.exception
    assert at.title[0].value == "Rate"
    assert not at.metric


def test_the_project_picker_lists_only_projects_the_user_may_use(db):
    with Session(db, expire_on_commit=False) as s:
        hidden = add_project(s, name="secret", overlap=1)
        hidden.restricted = True
        add_project(s, name="open", overlap=1)
        s.commit()
    at = signed_in(db, "alex", "annotator").run()
    assert at.sidebar.selectbox(key=PROJECT).options == ["open", "support"]
    with Session(db) as s:
        alex = s.exec(select(User).where(User.name == "alex")).one()
        s.add(ProjectMember(project_id=hidden.id, user_id=alex.id))
        s.commit()
    at.run()
    assert at.sidebar.selectbox(key=PROJECT).options == ["open", "secret", "support"]


def choice_labels(at: AppTest, item_id: int, prefix: str = "rate") -> dict[str, str]:
    """The choice's options of the item on screen as shown ("A is better 1", "Tie 3"...) -> their values."""
    control = at.segmented_control(key=f"{prefix}.{item_id}.preference")
    shown = {}
    for option in ("a", "b", "c", "d", "tie", "both_bad"):
        try:
            shown[control.format_func(option)] = option
        except KeyError:
            pass
    return shown


def choose(at: AppTest, item_id: int, label: str, prefix: str = "rate") -> AppTest:
    """Pick the choice ``label`` ("A is better", "Tie", ...) of the item on screen."""
    [option] = [value for shown, value in choice_labels(at, item_id, prefix).items()
                if shown == label or shown.startswith(label + " :gray")]
    return at.segmented_control(key=f"{prefix}.{item_id}.preference").set_value(option).run()


def chosen(at: AppTest, item_id: int, prefix: str = "rate") -> str | None:
    """The label of the choice picked on screen ("Tie"), without its key."""
    control = at.segmented_control(key=f"{prefix}.{item_id}.preference")
    return None if control.value is None else control.format_func(control.value).rsplit(" :gray", 1)[0]


def test_rate_page_renders_the_item_and_progress(db):
    at = signed_in(db).run()
    assert not at.exception
    assert at.title[0].value == "Rate"
    # least-annotated first: t-1 before t-0, which already has two answers
    assert "t-1" in at.caption[0].value
    assert "0 of 3 done" in at.get("progress")[0].proto.text


def test_submitting_a_rating_stores_it_by_candidate_not_by_side(db):
    at = signed_in(db).run()
    item_id = at.session_state["rate.item_id"]
    choose(at, item_id, "A is better")
    at.radio(key=f"rate.{item_id}.a.helpfulness").set_value(4)
    at.radio(key=f"rate.{item_id}.b.helpfulness").set_value(2)
    at.checkbox(key=f"rate.{item_id}.b.flag.off_task").check()
    at.text_input(key=f"rate.{item_id}.rationale").input("Left one answers it")
    at.button(key=f"rate.{item_id}.submit").click().run()
    assert not at.exception
    assert not at.error
    with Session(db) as s:
        ann = s.exec(select(Annotation).join(User).where(User.name == "alex")).one()
    left = ann.shown_order[0]
    assert ann.item_id == item_id
    assert ann.preference == left
    assert ann.ratings == {"a": {"helpfulness": 4}, "b": {"helpfulness": 2}}
    assert ann.flags == {"b": ["off_task"]}
    assert ann.rationale == "Left one answers it"
    assert ann.correction is None  # the pre-filled chosen answer, unchanged, is no correction
    assert ann.time_spent_s is not None and ann.time_spent_s >= 0
    assert at.session_state["rate.item_id"] != item_id  # the next item is on screen
    assert "1 of 3 done" in at.get("progress")[0].proto.text


def test_submitting_without_a_choice_is_refused_and_nothing_saved(db):
    at = signed_in(db).run()
    item_id = at.session_state["rate.item_id"]
    at.button(key=f"rate.{item_id}.submit").click().run()
    assert "choose which answer is better" in at.error[0].value
    with Session(db) as s:
        assert s.exec(select(Annotation).join(User).where(User.name == "alex")).first() is None


def test_an_empty_queue_says_so(db):
    at = signed_in(db, "maria").run()
    for _ in range(2):
        item_id = at.session_state["rate.item_id"]
        choose(at, item_id, "Tie")
        at.button(key=f"rate.{item_id}.submit").click().run()
    assert "Your queue is empty" in at.success[0].value


def test_agreement_page_shows_the_questions(db):
    at = signed_in(db).run()
    at.switch_page("pages/agreement.py").run()
    assert not at.exception
    assert at.title[0].value == "Agreement"
    table = at.dataframe[0].value
    assert "preference" in set(table["Question"])
    assert "helpfulness" in set(table["Question"])


def test_the_choice_and_submit_have_keyboard_shortcuts_documented_on_the_page(db):
    at = signed_in(db, "alex", "annotator").run()
    item_id = at.session_state["rate.item_id"]
    keys = {shown.partition(" :gray")[0]: shown.partition(" :gray")[2] for shown in choice_labels(at, item_id)}
    assert keys == {"A is better": "[1]", "B is better": "[2]", "Tie": "[3]", "Both bad": "[4]"}  # shown beside each
    assert at.button(key=f"rate.{item_id}.submit").proto.shortcut.lower() == "ctrl+enter"
    assert "**1** A is better" in at.caption[0].value and "Ctrl+Enter" in at.caption[0].value


def test_pressing_a_choice_marks_it_and_pressing_another_changes_it(db):
    at = signed_in(db, "alex", "annotator").run()
    item_id = at.session_state["rate.item_id"]
    choose(at, item_id, "Tie")
    assert at.session_state[f"rate.{item_id}.preference"] == "tie"
    assert chosen(at, item_id) == "Tie"
    choose(at, item_id, "B is better")
    assert at.session_state[f"rate.{item_id}.preference"] not in ("tie", None)
    assert chosen(at, item_id) == "B is better"


def test_skipping_an_item_with_a_reason_moves_on_and_it_never_returns(db):
    at = signed_in(db, "alex", "annotator").run()
    first = at.session_state["rate.item_id"]
    at.text_input(key=f"rate.{first}.skip_reason").input("I cannot judge code")
    at.button(key=f"rate.{first}.skip").click().run()
    assert not at.exception and not at.error
    seen = [first]
    while "rate.item_id" in at.session_state and len(seen) < 5:
        current = at.session_state["rate.item_id"]
        assert current not in seen
        seen.append(current)
        at.button(key=f"rate.{current}.skip").click().run()
    assert len(seen) == 3
    with Session(db) as s:
        reasons = {k.item_id: k.reason for k in s.exec(select(Skip)).all()}
    assert reasons[first] == "I cannot judge code"
    assert "Your queue is empty" in at.success[0].value
    assert "0 of 0 done" in at.get("progress")[0].proto.text


def test_guidelines_are_shown_beside_the_item_and_stamped_on_the_answer(db):
    from feedback.projects.guidelines import set_guidelines
    from feedback.projects.projects import get_project

    with Session(db, expire_on_commit=False) as s:
        set_guidelines(session=s, user=None, project=get_project(session=s, name="support"),
                       text="# How to judge\n\nPrefer the answer that **solves** the problem.")
    at = signed_in(db, "alex", "annotator").run()
    assert "Guidelines, version 1" in [c.value for c in at.caption]
    assert any("Prefer the answer that **solves**" in m.value for m in at.markdown)
    item_id = at.session_state["rate.item_id"]
    choose(at, item_id, "Tie")
    at.button(key=f"rate.{item_id}.submit").click().run()
    with Session(db) as s:
        ann = s.exec(select(Annotation).join(User).where(User.name == "alex")).one()
    assert ann.guidelines_version == 1 and ann.schema_version == 1


def test_an_item_with_three_answers_is_ranked(db):
    with Session(db) as s:
        item = Item(project_id=1, external_id="three", prompt="Which of three?", content_hash="h3", position=3,
                    priority=5)
        s.add(item)
        s.flush()
        for n, key in enumerate("xyz"):
            s.add(Candidate(item_id=item.id, key=key, model="m", output=f"Option {key}", position=n))
        s.commit()
        three = item.id
    at = signed_in(db, "alex", "annotator").run()
    assert at.session_state["rate.item_id"] == three  # the highest priority first
    assert not [b for b in at.button if b.label == "Tie"]
    at.button(key=f"rate.{three}.submit").click().run()
    assert "rank the answers" in at.error[0].value
    for key, rank in {"x": 2, "y": 1, "z": 3}.items():
        at.radio(key=f"rate.{three}.rank.{key}").set_value(rank)
    at.button(key=f"rate.{three}.submit").click().run()
    assert not at.error
    with Session(db) as s:
        ann = s.exec(select(Annotation).where(Annotation.item_id == three)).one()
    assert ann.ranking == {"x": 2, "y": 1, "z": 3} and ann.preference is None


def test_my_answers_lists_only_my_own_and_an_edit_is_a_new_revision(db):
    at = signed_in(db, "alex", "annotator").run()
    item_id = at.session_state["rate.item_id"]
    choose(at, item_id, "Tie")
    at.button(key=f"rate.{item_id}.submit").click().run()
    at.switch_page("pages/history.py").run()
    assert not at.exception
    assert at.title[0].value == "My answers"
    table = at.dataframe[0].value
    assert list(table["Item"]) == [f"t-{item_id - 1}"]  # maria's and dev's answers on t-0 are not listed
    with Session(db) as s:
        at.session_state["history.open"] = s.exec(select(Annotation.id).join(User).where(User.name == "alex")).one()
    at.run()  # as a click on the row does (tests/e2e/test_my_answers.py clicks)
    at.text_input(key=f"history.{item_id}.rationale").input("Both are fine on reflection")
    at.button(key=f"history.{item_id}.submit").click().run()
    assert not at.exception and not at.error
    with Session(db) as s:
        ann = s.exec(select(Annotation).join(User).where(User.name == "alex")).one()
        revisions = s.exec(select(AnnotationRevision)).all()
    assert ann.revision == 2 and ann.rationale == "Both are fine on reflection"
    assert len(revisions) == 1
    assert revisions[0].old["rationale"] is None and revisions[0].new["rationale"] == "Both are fine on reflection"
    assert revisions[0].user_id == ann.user_id


def test_an_admin_adds_an_annotator_who_can_then_sign_in(db):
    at = signed_in(db, "root", "admin").run()
    at.switch_page("pages/users.py").run()
    assert not at.exception
    at.text_input(key="users.add.name.0").input("newbie")
    at.selectbox(key="users.add.role.0").set_value("annotator")
    at.text_input(key="users.add.password.0").input("a long password")
    at.text_input(key="users.add.again.0").input("a long password")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not at.error, at.error
    assert "newbie" in set(at.dataframe[0].value["Name"])
    fresh = log_in(AppTest.from_file(APP, default_timeout=30).run(), "newbie", "a long password")
    assert fresh.title[0].value == "Rate"
    assert fresh.sidebar.caption[0].value.startswith("Signed in as **newbie** (annotator)")


def test_reviewers_see_gold_accuracy_per_annotator(db):
    from feedback.projects.gold import set_gold

    with Session(db, expire_on_commit=False) as s:
        set_gold(session=s, user=None, item_id=1, answer={"preference": "a"})  # maria chose a, dev chose b
    at = signed_in(db, "rita", "reviewer").run()
    at.switch_page("pages/agreement.py").run()
    assert not at.exception
    quality = next(d.value for d in at.dataframe if "Gold accuracy" in d.value.columns)
    assert dict(zip(quality["Annotator"], quality["Gold accuracy"])) == {"dev": 0.0, "maria": 1.0}
    assert dict(zip(quality["Annotator"], quality["Gold answered"])) == {"dev": 1, "maria": 1}


def test_the_gold_item_looks_like_any_other_on_the_rate_page(db):
    from feedback.projects.gold import set_gold
    from feedback.projects.projects import get_project, update_project_settings

    with Session(db, expire_on_commit=False) as s:
        set_gold(session=s, user=None, item_id=3, answer={"preference": "b"})
        update_project_settings(session=s, user=None, project=get_project(session=s, name="support"), gold_rate=1.0)
    at = signed_in(db, "alex", "annotator").run()
    assert at.session_state["rate.item_id"] == 3
    page_text = " ".join(str(e.value) for e in at.markdown) + " ".join(c.value for c in at.caption)
    assert "gold" not in page_text.lower()
    at.segmented_control(key="rate.3.preference").set_value("b").run()  # the gold answer, whichever side it is on
    at.button(key="rate.3.submit").click().run()
    with Session(db) as s:
        assert s.exec(select(Annotation).where(Annotation.item_id == 3)).one().gold_correct is True


def test_the_keyboard_help_lists_only_the_project_options():
    from feedback.projects.schema import LabelSchema
    from feedback.ui.rating import keyboard_help

    assert keyboard_help(LabelSchema(preference_extra=["tie"]), 2) == (
        "Keyboard: **1** A is better · **2** B is better · **3** tie · **Ctrl+Enter** submit")
    assert keyboard_help(LabelSchema(), 3) == "Keyboard: **Ctrl+Enter** submit"


def test_reviewers_see_the_progress_of_the_project_and_each_annotator(db):
    at = signed_in(db, "rita", "reviewer").run()
    at.switch_page("pages/progress.py").run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Progress"
    assert [m.value for m in at.metric][:3] == ["0", "1", "2"]  # t-0 has two of its three annotations
    assert set(at.dataframe[0].value["Annotator"]) == {"dev", "maria"}
    annotator = signed_in(db, "alex", "annotator").run()
    with pytest.raises(ValueError):
        annotator.switch_page("pages/progress.py")


def test_a_user_changes_their_password_from_the_sidebar(db):
    at = signed_in(db, "alex", "annotator").run()
    fields = {t.label: t for t in at.sidebar.text_input}
    fields["Current password"].input(PASSWORD)
    fields["New password"].input("another long secret")
    fields["New password again"].input("another long secret")
    next(b for b in at.sidebar.button if b.label == "Change password").click().run()
    assert not at.exception and not at.error
    assert any(s.value.startswith("Password changed.") for s in at.sidebar.success)
    assert at.run().title[0].value == "Rate"  # this session goes on
    fresh = log_in(AppTest.from_file(APP, default_timeout=30).run(), "alex", "another long secret")
    assert fresh.title[0].value == "Rate"


def test_the_agreement_page_draws_a_kappa_heatmap_once_two_annotators_share_items(db):
    from feedback.ui.agreement_views import kappa_matrix

    with Session(db) as s:
        users = {u.name: u.id for u in s.exec(select(User)).all()}
        for item_id in (2, 3):
            for name, pref in [("maria", "a"), ("dev", "a")]:
                s.add(Annotation(item_id=item_id, user_id=users[name], preference=pref))
        s.commit()
    at = signed_in(db, "rita", "reviewer").run()
    at.switch_page("pages/agreement.py").run()
    assert not at.exception and not at.error
    assert len(at.get("vega_lite_chart")) == 2, "no distribution of answers or no kappa heatmap"
    cells = kappa_matrix([{"annotator_a": "dev", "annotator_b": "maria", "n_shared": 3, "kappa": 0.25}])
    assert cells.to_dict("records") == [
        {"annotator": "dev", "with": "maria", "kappa": 0.25, "shared items": 3},
        {"annotator": "maria", "with": "dev", "kappa": 0.25, "shared items": 3}]


def test_the_rate_page_has_a_letter_for_every_candidate_an_item_may_have():
    from feedback.projects.schema import MAX_CANDIDATES
    from feedback.ui.rating import LETTERS

    assert len(LETTERS) >= MAX_CANDIDATES


def test_the_data_page_lists_import_batches_in_words_without_their_bookkeeping(db, tmp_path):
    from feedback.intake.importer import import_file

    data = tmp_path / "more.jsonl"
    data.write_text('{"id": "m-1", "prompt": "Where?", "candidates": [{"output": "Here."}, {"output": "There."}]}\n')
    with Session(db, expire_on_commit=False) as s:
        import_file(session=s, user=None, project="support", path=data)
    admin = signed_in(db, "root", "admin").run()
    admin.switch_page("pages/data.py").run()
    assert not admin.exception and not admin.error
    table = admin.dataframe[0].value
    assert {"file", "imported", "new items", "new annotations"} <= {c.lower() for c in table.columns}
    assert not {"heartbeat_at", "position_offset", "state", "owner"} & set(table.columns)
