"""The web server: Streamlit serving ``app.py``, plus the two routes that set and clear the sign-in cookie
(``feedback.ui.session_cookie``), which a Streamlit script cannot do over its websocket.

``make run`` starts it with ``streamlit run server.py`` (Streamlit runs an ``st.App`` with uvicorn). Settings are
read here as in ``app.py``: the routes need the database's address.
"""

import streamlit as st

from feedback.config import Settings
from feedback.ui.session_cookie import cookie_routes

settings = Settings()
app = st.App("app.py", routes=cookie_routes(settings.database_url))
