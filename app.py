"""HH-Values Studio — ``streamlit run app.py``.

Streamlit imports this file once as the server's module and finds ``app``: the Streamlit app
with the console's own HTTP routes beside it (the session cookie and the downloads,
:mod:`hhvalues.ui.console.routes`). Every browser session then runs this file as its page script
(``__main__``), which builds the role's navigation and runs the page.
"""

if __name__ == "__main__":
    from hhvalues.ui.navigation import run

    run()
else:
    import streamlit as st

    from hhvalues.ui.console.routes import routes

    app = st.App(__file__, routes=routes())
