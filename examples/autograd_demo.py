"""A tiny autograd demo: fit y = 3x - 2 with plain tensors, the tape and hand-written SGD."""
import lamina

lamina.manual_seed(0)
x = lamina.randn(256, 1)
y = 3 * x - 2 + 0.1 * lamina.randn(256, 1)

w = lamina.zeros(1, 1, requires_grad=True)
b = lamina.zeros(1, requires_grad=True)
for step in range(101):
    pred = lamina.matmul(x, w) + b
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with lamina.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
    w.grad = None
    b.grad = None
    if step % 20 == 0:
        print(f"step {step:3d}  loss {loss.item():.5f}")
print(f"learned w = {w.item():.3f} (true 3), b = {b.item():.3f} (true -2)")
