"""The frozen reference: a straightforward slotted engine. Never tune it."""


class Value:
    __slots__ = ("data", "grad", "_children", "_local")  # noqa: RUF023

    def __init__(self, data, children=(), local=()):
        self.data, self.grad, self._children, self._local = data, 0.0, children, local

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    __radd__, __rmul__ = __add__, __mul__

    def relu(self):
        return Value(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def backward(self):
        topo, seen, stack = [], set(), [(self, False)]
        while stack:
            v, expanded = stack.pop()
            if expanded:
                topo.append(v)
            elif v not in seen:
                seen.add(v)
                stack.append((v, True))
                stack.extend((c, False) for c in v._children if c not in seen)
        self.grad = 1.0
        for v in reversed(topo):
            for c, local in zip(v._children, v._local):
                c.grad += local * v.grad
