"""Plain pages for links that cannot be used, a refusal, and an unreachable database."""

from __future__ import annotations

import streamlit as st

from hhvalues.ui import widgets
from hhvalues.ui.text import plain


def invalid(message: str, *, check_link: bool = True, contact: str = "") -> None:
    """A link that is unknown, used up or tampered with; nothing was written.
    ``check_link=False`` leaves out the advice to check the link (the message says what to do)."""
    st.title("This link cannot be used")
    st.error(_sentence(message))
    if check_link:
        st.markdown(
            "Please check that you opened the whole link you were given. If it still does "
            f"not work, {_contact(contact, 'who sent it to you')}."
        )
    elif contact:  # the message says what to do; it may say to contact the researcher
        st.markdown(f"To reach the researcher: {plain(contact)}.")


def closed(contact: str = "") -> None:
    """The link is good but its study has closed: nothing to check, nothing was written."""
    st.title("This study has closed")
    st.info(
        "The study is not taking answers any more, so this link cannot be used now. "
        "Anything you submitted before it closed is kept."
    )
    st.markdown(f"If you think this is a mistake, {_contact(contact)}.")


def declined(
    *, earlier: bool = False, code: str = "", url: str | None = None, contact: str = ""
) -> None:
    """Shown in the session that just declined (with the study's decline ``code`` and ``url``,
    if it set them), or (``earlier``) to a participant who declined before and came back."""
    st.title("Thank you")
    when = " earlier" if earlier else ""
    st.info(
        f"You chose not to take part in this study{when}. Nothing was recorded except that "
        "you declined."
    )
    if code:
        st.markdown("If the study platform asks for a code, give this one:")
        st.code(code, language=None)
    if url:
        widgets.same_tab_link("Return to the study platform", url, button=True)
    else:
        st.markdown("You can close this tab now.")
    if contact:
        st.markdown(f"Questions about the study: {plain(contact)}.")


def _contact(contact: str, who: str = "") -> str:
    """ "contact the researcher (ADDRESS)" when the study gave one."""
    from hhvalues.ui.text import plain

    head = f"contact the researcher{' ' + who if who else ''}"
    return f"{head}: {plain(contact)}" if contact else head


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


__all__ = ["closed", "declined", "invalid", "unavailable"]
