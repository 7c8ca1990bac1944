"""`python -m ledger`: the same command line as the `ledger` script."""

from ledger.cli.console import entry

if __name__ == "__main__":
    entry()
