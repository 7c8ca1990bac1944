
raise SystemExit("batch_fail: this operation always fails")
