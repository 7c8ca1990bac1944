"""`ledger view`: the history in a browser (runs, curves, sweeps, lineage,
SQL, integrity). Needs the `view` extra: pip install 'ledger-ml[view]'."""
