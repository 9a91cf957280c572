"""Plain pages for links that cannot be used, a refusal, and an unreachable database."""

from __future__ import annotations

import streamlit as st


def invalid(message: str, *, check_link: bool = True) -> None:
    """A link that is unknown, used up, closed or tampered with; nothing was written.
    ``check_link=False`` leaves out the advice to check the link (the message says what to do)."""
    st.title("This link cannot be used")
    st.error(_sentence(message))
    if check_link:
        st.markdown(
            "Please check that you opened the whole link you were given. If it still does "
            "not work, contact the researcher who sent it to you."
        )


def declined(*, earlier: bool = False) -> None:
    """Shown in the session that just declined, or (``earlier``) to a participant who declined
    before and came back."""
    st.title("Thank you")
    when = " earlier" if earlier else ""
    st.info(
        f"You chose not to take part in this study{when}. Nothing was recorded except that "
        "you declined."
    )
    st.markdown("You can close this tab now.")


def unavailable() -> None:
    """The database cannot be reached: no exception text, a way to try again."""
    st.title("The study is briefly unavailable")
    st.warning(
        "We cannot reach the study's server right now. Everything you already submitted "
        "is saved. Please wait a minute and try again."
    )
    st.button("Try again", key="retry")


def _sentence(message: str) -> str:
    message = message.strip()
    if not message:
        return "This link is not valid."
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")


__all__ = ["declined", "invalid", "unavailable"]
