"""The Users page: a refused "Add a user" keeps what was typed (the passwords aside)."""

from test_pages import signed_in


def field(at, field: str):
    """The Add-a-user form's widget ``field`` (its key changes after a success, and the passwords' after a press)."""
    widgets = at.selectbox if field == "role" else at.text_input
    return next(w for w in widgets if w.key and w.key.startswith(f"users.add.{field}."))


def _add(at, name: str, role: str, password: str, again: str):
    field(at, "name").input(name)
    field(at, "role").set_value(role)
    field(at, "password").input(password)
    field(at, "again").input(again)
    return next(b for b in at.button if b.label == "Add user").click().run()


def test_a_refused_new_user_keeps_the_name_and_role_but_not_the_passwords(db):
    at = signed_in(db, "root", "admin").run()
    at.switch_page("pages/users.py").run()
    _add(at, "newbie", "reviewer", "a long password", "a different one")
    assert not at.exception
    assert "The two passwords differ" in at.error[0].value
    assert field(at, "name").value == "newbie"
    assert field(at, "role").value == "reviewer"
    assert field(at, "password").value == "" and field(at, "again").value == ""
    assert "newbie" not in set(at.dataframe[0].value["Name"])
    field(at, "password").input("a long password")
    field(at, "again").input("a long password")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not at.error and "Added newbie (reviewer)." in [s.value for s in at.success]
    assert "newbie" in set(at.dataframe[0].value["Name"])
    assert field(at, "name").value == ""  # done: the form is empty again
