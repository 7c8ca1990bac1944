from types import SimpleNamespace

params = SimpleNamespace(lr=0.1, epochs=2)

print(params.lr, params.epochs)
