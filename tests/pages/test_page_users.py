"""The Users page: a refused "Add a user" keeps what was typed (the passwords aside)."""

from test_pages import signed_in


def _add(at, name: str, role: str, password: str, again: str):
    at.text_input(key="users.add.name").input(name)
    at.selectbox(key="users.add.role").set_value(role)
    at.text_input(key="users.add.password").input(password)
    at.text_input(key="users.add.again").input(again)
    return next(b for b in at.button if b.label == "Add user").click().run()


def test_a_refused_new_user_keeps_the_name_and_role_but_not_the_passwords(db):
    at = signed_in(db, "root", "admin").run()
    at.switch_page("pages/users.py").run()
    _add(at, "newbie", "reviewer", "a long password", "a different one")
    assert not at.exception
    assert "The two passwords differ" in at.error[0].value
    assert at.text_input(key="users.add.name").value == "newbie"
    assert at.selectbox(key="users.add.role").value == "reviewer"
    assert at.text_input(key="users.add.password").value == "" and at.text_input(key="users.add.again").value == ""
    assert "newbie" not in set(at.dataframe[0].value["Name"])
    at.text_input(key="users.add.password").input("a long password")
    at.text_input(key="users.add.again").input("a long password")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not at.error and "Added newbie (reviewer)." in [s.value for s in at.success]
    assert "newbie" in set(at.dataframe[0].value["Name"])
    assert at.text_input(key="users.add.name").value == ""  # done: the form is empty again
