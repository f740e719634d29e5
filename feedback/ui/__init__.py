"""Streamlit widgets shared by the pages: the only part of ``feedback`` that imports streamlit."""
