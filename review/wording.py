"""Small wording helpers for what a reviewer reads (pure; no Streamlit)."""

from __future__ import annotations

import re

_LEADING_NUMBER = re.compile(r"^\s*(?:§\s*)?\d+(?:[.\d]*)[.):]?\s")


def numbered(index: int, label: str) -> str:
    """``"3. Purpose"`` for a picker — unless the heading carries its own number ("750.
    Procedure 750" stays as it is instead of becoming "750. 750. Procedure 750")."""
    if _LEADING_NUMBER.match(label):
        return label
    return f"{index + 1}. {label}"
