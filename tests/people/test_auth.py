"""Accounts and permissions through the service layer: hashing, sign-in, roles, the last admin, who may do what."""

import json

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from feedback.agreement.report import agreement_report
from feedback.errors import FeedbackError, NotFound, PermissionDenied, SignInFailed
from feedback.export.build import build_export, export_dataset
from feedback.export.options import ExportOptions
from feedback.export.versions import save_version
from feedback.intake.demo import DEMO_ACCOUNTS, reset_demo_accounts
from feedback.intake.importer import import_file
from feedback.people import accounts
from feedback.people.permissions import may_use_project, require_project
from feedback.people.users import visible_projects
from feedback.store.tables import ImportBatch, ProjectMember, User

PASSWORD = "correct horse battery"


@pytest.fixture
def add(session):
    """Create an account as the local operator."""
    def make(name: str, role: str = "annotator", password: str = PASSWORD) -> User:
        return accounts.create_user(session=session, actor=None, name=name, role=role, password=password)

    return make


def login(session, name, password=PASSWORD) -> User:
    return accounts.authenticate(session=session, name=name, password=password)


# --- passwords and signing in ---------------------------------------------------------------------

def test_the_stored_hash_is_argon2id_and_not_the_password(session, add):
    add("maria")
    stored = session.exec(select(User.password_hash).where(User.name == "maria")).one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_the_same_password_gets_a_different_salt(session, add):
    add("maria")
    add("dev")
    hashes = session.exec(select(User.password_hash)).all()
    assert len(set(hashes)) == 2


@pytest.mark.parametrize("password", ["", "short", "1234567"])
def test_a_password_under_8_characters_is_refused_and_not_repeated(session, add, password):
    with pytest.raises(FeedbackError, match="at least 8 characters") as refused:
        add("maria", password=password)
    assert not password or password not in str(refused.value)
    assert session.exec(select(User)).first() is None


def test_the_right_password_signs_in_and_records_the_time(session, add):
    add("maria", "reviewer")
    user = login(session, "  maria ")
    assert user.name == "maria" and user.role == "reviewer"
    assert session.get(User, user.id).last_login_at is not None


@pytest.mark.parametrize("name, password", [
    ("maria", "wrong password"),  # wrong password
    ("maria", PASSWORD.upper()),  # passwords are case-sensitive
    ("nobody", PASSWORD),  # unknown name
    ("sam", PASSWORD),  # known only from imported labels: no password
    ("", ""),
])
def test_every_failed_sign_in_says_the_same(session, add, name, password):
    add("maria")
    session.add(User(name="sam"))
    session.commit()
    with pytest.raises(SignInFailed, match="^Wrong name or password$"):
        login(session, name, password)
    assert session.exec(select(User).where(User.last_login_at.is_not(None))).first() is None


def test_a_deactivated_account_cannot_sign_in_even_with_its_password(session, add):
    add("admin", "admin")
    add("maria")
    accounts.set_active(session=session, actor=None, name="maria", active=False)
    with pytest.raises(SignInFailed, match="Wrong name or password"):
        login(session, "maria")
    accounts.set_active(session=session, actor=None, name="maria", active=True)
    assert login(session, "maria").name == "maria"


def test_an_unknown_name_costs_a_hash_verification_too(session, add, monkeypatch):
    add("maria")
    verified = []
    real = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda h, p: verified.append(h) or real(h, p))
    for name in ("maria", "nobody"):
        with pytest.raises(SignInFailed):
            login(session, name, "wrong password")
    assert len(verified) == 2 and all(h.startswith("$argon2id$") for h in verified)


def test_an_outdated_hash_is_upgraded_at_sign_in(session):
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    session.add(User(name="old", password_hash=weak))
    session.commit()
    login(session, "old")
    upgraded = session.exec(select(User.password_hash).where(User.name == "old")).one()
    assert upgraded != weak and not PasswordHasher().check_needs_rehash(upgraded)
    assert login(session, "old").name == "old"


# --- managing accounts ------------------------------------------------------------------------------

def test_an_imported_annotator_gets_the_account_but_a_real_one_is_not_overwritten(session, add):
    session.add(User(name="sam"))  # made by an import: labels, no password
    session.commit()
    add("sam")
    assert login(session, "sam").name == "sam"
    with pytest.raises(FeedbackError, match="A user named 'sam' already exists"):
        add("sam", "admin", "another password")
    assert login(session, "sam").role == "annotator"


def test_unknown_role_and_unknown_user_are_refused(session, add):
    with pytest.raises(FeedbackError, match="Unknown role 'owner'"):
        add("maria", "owner")
    with pytest.raises(NotFound, match="No user named 'ghost'"):
        accounts.set_role(session=session, actor=None, name="ghost", role="admin")


def test_role_changes_take_effect(session, add):
    admin = add("admin", "admin")
    add("maria")
    accounts.set_role(session=session, actor=admin, name="maria", role="reviewer")
    assert login(session, "maria").role == "reviewer"


def test_a_reset_password_replaces_the_old_one(session, add):
    admin = add("admin", "admin")
    add("maria")
    accounts.reset_password(session=session, actor=admin, name="maria", password="a brand new one")
    with pytest.raises(SignInFailed):
        login(session, "maria")
    assert login(session, "maria", "a brand new one").name == "maria"


@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_only_admins_manage_accounts(session, add, role):
    actor = add("someone", role)
    add("maria")
    calls = [
        lambda: accounts.create_user(session=session, actor=actor, name="new", role="admin", password=PASSWORD),
        lambda: accounts.set_role(session=session, actor=actor, name="someone", role="admin"),
        lambda: accounts.reset_password(session=session, actor=actor, name="maria", password="taken over!"),
        lambda: accounts.set_active(session=session, actor=actor, name="maria", active=False),
        lambda: accounts.list_users(session=session, actor=actor),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match=f"Only admins may .*; someone \\({role}\\) may not"):
            call()
    assert login(session, "maria").active and login(session, "someone").role == role


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(session, add):
    root = add("root", "admin")
    for change in (lambda: accounts.set_role(session=session, actor=root, name="root", role="reviewer"),
                   lambda: accounts.set_active(session=session, actor=root, name="root", active=False)):
        with pytest.raises(FeedbackError, match="root is the last active admin .* make another user admin first"):
            change()
    assert login(session, "root").role == "admin"

    add("second", "admin")
    accounts.set_active(session=session, actor=root, name="second", active=False)  # two admins: allowed
    with pytest.raises(FeedbackError, match="last active admin"):  # a deactivated admin does not count
        accounts.set_role(session=session, actor=None, name="root", role="annotator")
    accounts.set_active(session=session, actor=root, name="second", active=True)
    accounts.set_role(session=session, actor=root, name="root", role="annotator")
    assert [u.name for u in accounts.list_users(session=session, actor=None) if u.role == "admin"] == ["second"]


def test_a_deactivated_admin_loses_every_right(session, add):
    add("root", "admin")
    old = add("old", "admin")
    accounts.set_active(session=session, actor=None, name="old", active=False)
    session.refresh(old)
    with pytest.raises(PermissionDenied):
        accounts.list_users(session=session, actor=old)


# --- who may do what, through the service functions -----------------------------------------------------

@pytest.fixture
def labelled(session, tmp_path):
    """Project 'p' with two items, both preferred 'a' by three annotators; returns the file's path."""
    lines = [{"id": f"t-{n}", "prompt": f"Question {n}?", "candidates": [{"output": "Yes."}, {"output": "No."}],
              "annotations": [{"annotator": name, "preference": "a"} for name in ("maria", "dev", "sam")]}
             for n in range(2)]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    import_file(session=session, user=None, project="p", path=path)
    return path


@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_only_admins_import_and_export(session, add, labelled, tmp_path, role):
    user = add("someone", role)
    with pytest.raises(PermissionDenied, match="Only admins may import data"):
        import_file(session=session, user=user, project="p", path=labelled)
    if role == "annotator":
        with pytest.raises(PermissionDenied, match="Only reviewers may build dataset exports"):
            build_export(session=session, user=user, project="p", options=ExportOptions())
    else:  # reviewers may preview an export, not save one
        assert build_export(session=session, user=user, project="p", options=ExportOptions(), files=False).n_rows == 2
        bundle = build_export(session=session, user=None, project="p", options=ExportOptions())
        with pytest.raises(PermissionDenied, match="Only admins may create dataset versions"):
            save_version(session=session, user=user, bundle=bundle, export_dir=tmp_path / "out")
    with pytest.raises(PermissionDenied, match="Only admins may export datasets"):
        export_dataset(session=session, user=user, project="p", options=ExportOptions(), out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert session.exec(select(ImportBatch)).all()[-1].created_by is None  # only the operator's import


def test_an_admin_imports_and_exports(session, add, labelled, tmp_path):
    admin = add("root", "admin")
    other = labelled.with_name("more.jsonl")
    other.write_text(json.dumps({"id": "t-9", "prompt": "More?", "candidates": [{"output": "A"}, {"output": "B"}]})
                     + "\n", encoding="utf-8")
    report = import_file(session=session, user=admin, project="p", path=other)
    assert report.items_added == 1 and session.get(ImportBatch, report.batch_id).created_by == admin.id
    assert build_export(session=session, user=admin, project="p", options=ExportOptions()).n_rows == 2
    result = export_dataset(session=session, user=admin, project="p", options=ExportOptions(), out_dir=tmp_path / "o")
    assert result.n_rows == 2


def test_agreement_is_for_reviewers_and_admins(session, add, labelled):
    with pytest.raises(PermissionDenied, match="Only reviewers may read agreement figures; ann \\(annotator\\)"):
        agreement_report(session=session, user=add("ann"), project="p")
    for role in ("reviewer", "admin"):
        assert agreement_report(session=session, user=add(role, role), project="p")["n_annotations"] == 6
    assert agreement_report(session=session, user=None, project="p")["n_annotations"] == 6  # the CLI operator


def test_restricted_projects_are_open_only_to_members(session, add, make_project):
    open_, secret = make_project("open"), make_project("secret")
    secret.restricted = True
    session.commit()
    member, outsider, reviewer = add("member"), add("outsider"), add("rev", "reviewer")
    session.add(ProjectMember(project_id=secret.id, user_id=member.id))
    session.commit()
    assert may_use_project(session, member, secret) and may_use_project(session, reviewer, secret)
    assert not may_use_project(session, outsider, secret) and may_use_project(session, outsider, open_)
    with pytest.raises(PermissionDenied, match="'secret' is open only to its named annotators"):
        require_project(session, outsider, secret)
    names = {u.name: [p.name for p in visible_projects(session=session, user=u)] for u in (member, outsider)}
    assert names == {"member": ["open", "secret"], "outsider": ["open"]}
    assert [p.name for p in visible_projects(session=session, user=reviewer)] == ["open", "secret"]


# --- demo mode --------------------------------------------------------------------------------------

def test_demo_accounts_get_their_roles_and_fresh_passwords_at_each_start(session):
    session.add(User(name="maria"))  # as the demo import makes her: no password
    session.commit()
    first = reset_demo_accounts(session=session)
    assert {(name, role) for name, role, _ in first} == set(DEMO_ACCOUNTS.items())
    for name, role, password in first:
        assert len(password) >= 12 and login(session, name, password).role == role
    second = {name: password for name, _, password in reset_demo_accounts(session=session)}
    for name, _, old in first:
        assert second[name] != old
        with pytest.raises(SignInFailed):
            login(session, name, old)


def test_a_user_changes_their_own_password_knowing_the_current_one(session, add):
    user = add("pat", "annotator")
    with pytest.raises(SignInFailed, match="current password is wrong"):
        accounts.change_own_password(session=session, user=user, old="not it at all", new="brand new secret")
    with pytest.raises(FeedbackError, match="at least 8"):
        accounts.change_own_password(session=session, user=user, old=PASSWORD, new="short")
    with pytest.raises(FeedbackError, match="same as the current"):
        accounts.change_own_password(session=session, user=user, old=PASSWORD, new=PASSWORD)
    assert login(session, "pat", PASSWORD).name == "pat"  # nothing changed yet
    accounts.change_own_password(session=session, user=user, old=PASSWORD, new="brand new secret")
    assert login(session, "pat", "brand new secret").name == "pat"
    with pytest.raises(SignInFailed):
        login(session, "pat")
