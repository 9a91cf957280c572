"""HH-Values Studio, warmed before it serves: ``streamlit run serve.py`` (or ``uvicorn serve:app``).

The pages and the console's HTTP routes (the session cookie, the downloads) are app.py's; this
only adds a startup hook (``st.App``'s lifespan) that imports them, opens the database and
renders a picture before the server accepts its first connection, so the first page after a
(re)start is as quick as any other (issue 16).
"""

import streamlit as st

from hhvalues.ui.console.routes import routes
from hhvalues.ui.warm import lifespan

app = st.App("app.py", routes=routes(), lifespan=lifespan)
