"""Searches the operation it is asked to by running it `count` times."""

import json
import os
import subprocess
import sys

count = 2
prefix = "try"

op = os.environ["LEDGER_BATCH_OP"]
flags = json.loads(os.environ["LEDGER_BATCH_FLAGS"])
print(f"searching {op} over {', '.join(sorted(flags))} with {count} trials", flush=True)
for i in range(count):
    subprocess.run(
        [sys.executable, "-m", "ledger", "run", op, f"msg={prefix}{i}", "-y"],
        cwd=os.environ["LEDGER_BATCH_PROJECT"],
        check=True,
    )
