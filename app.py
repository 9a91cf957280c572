"""HH-Values Studio — Streamlit entry point (``streamlit run app.py``)."""

from hhvalues.ui.navigation import build

build().run()
