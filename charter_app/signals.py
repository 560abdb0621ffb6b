"""Signals one domain sends and another, higher up, listens to, so the lower one never imports
the higher (the import-linter layers in pyproject.toml).

`evidence_changed` is sent, inside the transaction, whenever something a badge is earned from
changes for an organisation: its status (approved, lapsed, suspended, withdrawn, renewed), a
quarterly report submitted or checked, attendance at an event marked or undone. Receivers
flush and never commit, like every service.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the organisation's id (int); keyword `now`: the aware UTC time of the change.
evidence_changed = _signals.signal("evidence-changed")
