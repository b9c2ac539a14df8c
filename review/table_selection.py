"""Row selection of a table keyed by the rows' ids, not by their positions.

A Streamlit dataframe reports its selection as row positions. When the rows change between two
runs (a link decided from its card leaves a "suggested only" filter, a new suggestion appears),
the same positions point at other rows: a tick would silently move to a link nobody chose. The
page keeps a :class:`SelectionState` per table; :func:`reconcile` turns the positions the
browser reports into ids (using the rows the browser was showing), keeps those ids across
changes of the rows, and gives the positions to show now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class SelectionState:
    ids: list[str] = field(default_factory=list)  # selected row ids, in selection order
    shown_ids: list[str] = field(default_factory=list)  # row ids of the last render
    shown_rows: list[int] = field(default_factory=list)  # positions the last render ticked


def reconcile(
    state: SelectionState, reported_rows: Sequence[int], row_ids: Sequence[str]
) -> tuple[SelectionState, list[int]]:
    """The selection after this run, and the row positions to tick now.

    ``reported_rows``: the positions the browser reports (they refer to ``state.shown_ids``,
    the rows it was showing); ``row_ids``: the ids of the rows about to be shown. A change of
    the reported positions is the user ticking or unticking; otherwise the stored ids stand.
    Ids no longer shown are dropped: a link one cannot see is never confirmed in bulk."""
    reported = [int(r) for r in reported_rows]
    if reported != state.shown_rows:
        ids = [state.shown_ids[i] for i in reported if 0 <= i < len(state.shown_ids)]
    else:
        ids = list(state.ids)
    position = {rid: i for i, rid in enumerate(row_ids)}
    ids = [i for i in dict.fromkeys(ids) if i in position]
    rows = sorted(position[i] for i in ids)
    return SelectionState(ids, list(row_ids), rows), rows
