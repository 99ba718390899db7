"""Custody: the executor contract's owner (a Safe multisig, or a key on a devnet), the
transactions only the owner may send, and the treasury sweep of profits above the float."""
