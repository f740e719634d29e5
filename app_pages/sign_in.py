"""Sign in: pick or type your annotator name (accounts with passwords come with roles)."""

import streamlit as st

from feedback.errors import FeedbackError
from feedback.ui import context
from feedback.users import list_users, sign_in

st.title("Rate and correct your agents' answers")
st.write("Compare the agent's answers, say which is better and why, flag unsafe or wrong output, "
         "and write the answer it should have given. Your labels become fine-tuning data.")

with context.session() as s:
    names = [u.name for u in list_users(session=s)]

with st.form("sign_in.form"):
    picked = st.selectbox("Who are you?", names, index=None, placeholder="Pick your name", key="sign_in.pick")
    typed = st.text_input("…or a new annotator name", key="sign_in.new", max_chars=100)
    go = st.form_submit_button("Start rating", type="primary")

if go:
    try:
        with context.session() as s:
            user = sign_in(session=s, name=typed.strip() or picked or "")
    except FeedbackError as e:
        st.error(str(e))
    else:
        st.session_state[context.USER_ID] = user.id
        st.rerun()
