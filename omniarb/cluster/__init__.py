"""The scaled-out roles and what makes them safe together: signer leases with fencing tokens
(`lease`, `fence`), the worker registry (`registry`) and the roles' wiring (`roles`)."""
