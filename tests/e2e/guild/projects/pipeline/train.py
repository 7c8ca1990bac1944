import os

lr = 0.1

with open("data.txt") as fh:
    rows = fh.read().splitlines()
with open(os.path.join("conf", "config.txt")) as fh:
    config = fh.read().strip()
print(f"trained on {len(rows)} rows with lr={lr} config={config} mode={os.environ.get('MODE')}")
print(f"loss: {lr * 2}")
