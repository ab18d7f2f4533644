"""Single-fault safety: the fault table (table.py, what each fault should lead to, read by the
tests and written out as docs/SAFETY.md) and the fault matrix (matrix.py, every fault at
every phase on every board, its bounds checked from the trace)."""
