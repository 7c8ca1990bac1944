"""A toy training loop for `ledger view`: it prints its loss and accuracy
each epoch (`key: value` lines become scalars), so the view draws curves.
Give it delay=0.5 to watch a run's page update while it runs."""

import math
import time

lr = 0.1
epochs = 20
delay = 0.0  # seconds between epochs

for epoch in range(epochs):
    loss = 0.05 + math.exp(-3 * lr * (epoch + 1)) + 0.02 * math.sin(epoch)
    print(f"loss: {loss:.4f}", flush=True)
    print(f"acc: {1 - loss / 1.2:.4f}", flush=True)
    time.sleep(delay)
