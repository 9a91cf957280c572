"""HH-Values Studio — Streamlit entry point (``streamlit run app.py``)."""

import streamlit as st

st.set_page_config(page_title="HH-Values Studio", page_icon="🧭")
st.title("HH-Values Studio")
st.write("Infer someone's values from how they walk. The participant app is being built; "
         "the command line (`hhvalues --help`) already generates, validates and scores banks.")
