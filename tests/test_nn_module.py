"""nn.Module: registration, traversal, modes, device/dtype moves, state_dict and repr
(keys, shapes and reprs compared with torch's when torch is installed)."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import lamina
from lamina import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(lamina.ones(4))
        self.register_buffer("running", lamina.zeros(4))
        self.register_buffer("scratch", lamina.zeros(2), persistent=False)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale + self.running


def _mlp(nn_mod, sizes=(5, 7, 3), dropout=0.1):
    return nn_mod.Sequential(nn_mod.Linear(sizes[0], sizes[1]), nn_mod.ReLU(),
                             nn_mod.Dropout(dropout), nn_mod.Linear(sizes[1], sizes[2]))


def test_registration_and_traversal():
    b = Block()
    assert [n for n, _ in b.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    assert [n for n, _ in b.named_buffers()] == ["running", "scratch"]
    assert [n for n, _ in b.named_children()] == ["fc", "act"]
    assert [n for n, _ in b.named_modules()] == ["", "fc", "act"]
    assert list(b.state_dict()) == ["scale", "running", "fc.weight", "fc.bias"]
    assert len(list(b.parameters(recurse=False))) == 1
    assert b.fc is b._modules["fc"] and b.scale is b._parameters["scale"]
    assert [n for n, _ in b.named_parameters(prefix="blk")][0] == "blk.scale"
    del b.scale
    assert "scale" not in b._parameters
    with pytest.raises(AttributeError, match="no attribute 'scale'"):
        b.scale  # noqa: B018
    del b.fc
    assert [n for n, _ in b.named_children()] == ["act"]


def test_shared_parameters_and_modules_listed_once():
    lin = nn.Linear(4, 4)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4


def test_setattr_rules():
    m = nn.Module()
    m.w = nn.Parameter(lamina.zeros(2))
    with pytest.raises(TypeError, match="parameter 'w'"):
        m.w = lamina.zeros(2)
    m.w = None
    assert m.w is None and list(m.parameters()) == []
    m.register_buffer("b", lamina.zeros(1))
    with pytest.raises(TypeError, match="buffer 'b'"):
        m.b = 3
    m.b = lamina.ones(1)
    assert m.state_dict()["b"].item() == 1.0
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("w", lamina.zeros(1))
    with pytest.raises(KeyError):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="Parameter or None"):
        m.register_parameter("q", lamina.zeros(1))

    class NoInit(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(lamina.zeros(1))
    with pytest.raises(AttributeError, match=r"before Module.__init__\(\)"):
        NoInit()


def test_train_eval_and_apply():
    m = _mlp(nn)
    assert m.training and all(c.training for c in m.children())
    assert m.eval() is m
    assert not m.training and not m[2].training
    m.train()
    assert m[2].training
    with pytest.raises(ValueError, match="bool"):
        m.train("no")
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "ReLU", "Dropout", "Linear", "Sequential"]


def test_zero_grad_and_requires_grad_():
    m = _mlp(nn)
    m(lamina.randn(4, 5)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0.0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_to_dtype_and_device(device):
    m = Block()
    m.register_buffer("count", lamina.tensor(3))
    same = m.fc.weight
    m.to("cpu")
    assert m.fc.weight is same  # nothing to convert: the Parameter object is kept
    m.to(lamina.float64)
    assert m.fc.weight.dtype == lamina.float64 and isinstance(m.fc.weight, nn.Parameter)
    assert m.fc.weight.requires_grad and m.running.dtype == lamina.float64
    assert m.count.dtype == lamina.int64  # integer buffers keep their dtype
    m.to(device)
    assert m.fc.weight.device == lamina.device(device)
    y = m(lamina.randn(2, 3, dtype=lamina.float64, device=device))
    assert y.dtype == lamina.float64
    with pytest.raises(TypeError, match="floating"):
        m.to(lamina.int64)
    m.double().float()
    assert m.scale.dtype == lamina.float32


def test_parameter_basics():
    t = lamina.randn(3)
    p = nn.Parameter(t)
    assert p._storage_id == t._storage_id  # shares storage
    assert p.requires_grad and p.is_leaf and isinstance(p, lamina.Tensor)
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q._storage_id != p._storage_id
    with pytest.raises(TypeError, match="floating"):
        nn.Parameter(lamina.arange(3))


def test_load_state_dict_roundtrip_and_sources():
    a, b = _mlp(nn), _mlp(nn)
    w = b[0].weight
    res = b.load_state_dict(a.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert b[0].weight is w  # copied in place: optimizers keep their references
    np.testing.assert_array_equal(b[0].weight.detach().numpy(), a[0].weight.detach().numpy())
    numpy_sd = {k: v.numpy() * 2 for k, v in a.state_dict().items()}
    b.load_state_dict(numpy_sd)
    np.testing.assert_allclose(b[3].bias.detach().numpy(), numpy_sd["3.bias"])
    b.load_state_dict({k: v.astype(np.float64) for k, v in numpy_sd.items()})  # cast on copy
    assert b[0].weight.dtype == lamina.float32


def test_load_state_dict_strict_errors():
    m = _mlp(nn)
    sd = dict(m.state_dict())
    del sd["3.bias"]
    sd["extra.weight"] = lamina.zeros(1)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert msg.startswith("[load_state_dict]") and "Sequential" in msg
    assert 'Missing key(s) in state_dict: "3.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["3.bias"] and res.unexpected_keys == ["extra.weight"]


def test_load_state_dict_shape_mismatch_writes_nothing():
    m = _mlp(nn)
    before = m[3].weight.detach().numpy().copy()
    sd = {k: lamina.zeros(*v.shape) for k, v in m.state_dict().items()}
    sd["0.weight"] = lamina.zeros(8, 5)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight.*\(8, 5\).*\(7, 5\)"):
        m.load_state_dict(sd, strict=False)
    np.testing.assert_array_equal(m[3].weight.detach().numpy(), before)
    with pytest.raises(RuntimeError, match='"0.bias", expected a tensor'):
        m.load_state_dict({**sd, "0.weight": lamina.zeros(7, 5), "0.bias": "nope"})
    with pytest.raises(TypeError, match="mapping"):
        m.load_state_dict([1, 2])


def test_load_state_dict_assign():
    m = nn.Linear(2, 3)
    new = {"weight": lamina.ones(3, 2), "bias": lamina.zeros(3)}
    m.load_state_dict(new, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert float(m.weight.detach().sum()) == 6.0


def test_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    tn = torch.nn
    pairs = [
        (nn.Linear(5, 3), tn.Linear(5, 3)),
        (nn.Linear(5, 3, bias=False), tn.Linear(5, 3, bias=False)),
        (_mlp(nn), _mlp(tn)),
        (nn.ModuleList([_mlp(nn), nn.ModuleList([nn.Linear(2, 2), nn.Identity()])]),
         tn.ModuleList([_mlp(tn), tn.ModuleList([tn.Linear(2, 2), tn.Identity()])])),
        (nn.ModuleDict({"enc": nn.Linear(4, 2), "dec": nn.Sequential(nn.Linear(2, 4))}),
         tn.ModuleDict({"enc": tn.Linear(4, 2), "dec": tn.Sequential(tn.Linear(2, 4))})),
    ]
    for lm, tm in pairs:
        lsd, tsd = lm.state_dict(), tm.state_dict()
        assert list(lsd) == list(tsd)
        assert [tuple(v.shape) for v in lsd.values()] == [tuple(v.shape) for v in tsd.values()]
        assert [n for n, _ in lm.named_modules()] == [n for n, _ in tm.named_modules()]
        assert repr(lm) == repr(tm)
        lm.load_state_dict(tsd)  # torch tensors load directly


def test_repr_matches_torch_forms():
    torch = pytest.importorskip("torch")
    tn = torch.nn
    lm = nn.Sequential(nn.Linear(2, 3), nn.ReLU(inplace=True), nn.Dropout(0.25), nn.GELU(),
                       nn.Softmax(dim=1), nn.LogSoftmax(dim=-1), nn.Sigmoid(), nn.Tanh(),
                       nn.Flatten(), nn.Identity(),
                       nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1), nn.ReLU()]))
    tm = tn.Sequential(tn.Linear(2, 3), tn.ReLU(inplace=True), tn.Dropout(0.25), tn.GELU(),
                       tn.Softmax(dim=1), tn.LogSoftmax(dim=-1), tn.Sigmoid(), tn.Tanh(),
                       tn.Flatten(), tn.Identity(),
                       tn.ModuleList([tn.Linear(1, 1), tn.Linear(1, 1), tn.ReLU()]))
    assert repr(lm) == repr(tm)
    assert repr(nn.Sequential()) == "Sequential()"
    assert repr(Block()).startswith("Block(\n  (fc): Linear(in_features=3")


def test_containers():
    seq = _mlp(nn)
    assert len(seq) == 4 and isinstance(seq[-1], nn.Linear)
    assert isinstance(seq[1:3], nn.Sequential) and len(seq[1:3]) == 2
    assert list(seq[1:3]._modules) == ["1", "2"]
    seq.append(nn.Tanh())
    assert isinstance(seq[4], nn.Tanh) and [type(m).__name__ for m in seq][-1] == "Tanh"
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2", "3"]
    with pytest.raises(IndexError, match="out of range"):
        seq[10]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.ReLU(), 3)
    ml = nn.ModuleList([nn.ReLU()])
    ml += [nn.Tanh()]
    ml.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "ReLU", "Tanh"]
    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Linear(1, 1)
    assert list(md) == ["a", "b"] and "b" in md and len(list(md.parameters())) == 2
    x = lamina.randn(3)
    assert nn.Identity(1, k=2)(x) is x
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(x)


def test_to_keeps_parameter_identity_and_deepcopy():
    import copy
    import pickle

    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    params = list(m.parameters())
    before = [p.detach().numpy().copy() for p in params]
    m.double()
    after = list(m.parameters())
    assert all(a is b for a, b in zip(params, after))  # optimizers built earlier keep working
    assert all(p.dtype == lamina.float64 and isinstance(p, nn.Parameter) for p in after)
    for b, p in zip(before, after):
        np.testing.assert_allclose(p.detach().numpy(), b.astype(np.float64), rtol=0, atol=0)
    m2 = copy.deepcopy(m)
    for p, q in zip(m.parameters(), m2.parameters()):
        assert p is not q and p._storage_id != q._storage_id
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    t = lamina.randn(2, 3, requires_grad=True)
    u = pickle.loads(pickle.dumps(t))
    assert u.requires_grad and u.shape == t.shape
    np.testing.assert_array_equal(u.detach().numpy(), t.detach().numpy())
