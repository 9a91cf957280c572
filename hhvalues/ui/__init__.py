"""Streamlit pages: the participant flow and the researcher/admin console."""
