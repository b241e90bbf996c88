"""Devices (issue 15): PyTorch's spelling, moving tensors and models, the errors, the host copies.

A GPU is not needed: ``fake_cuda.as_cuda()`` makes "cuda" a fake device on the CPU whose arrays
refuse every numpy function and numpy operand (see autograd_core/fake_cuda.py), so whatever
would touch numpy with device data fails here. The op suite on that device is in
test_devices_ops.py.
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import Tensor, devices, fake_cuda, nn
from autograd_core.devices import Device
from autograd_core.fake_cuda import FakeArray


@pytest.fixture
def cuda() -> Iterator[str]:
    """"cuda" is the fake device for the test."""
    with fake_cuda.as_cuda():
        yield "cuda"


# ---- Device ---------------------------------------------------------------------------------

def test_devices_are_spelled_as_in_pytorch() -> None:
    assert str(Device("cpu")) == "cpu" and repr(Device("cpu")) == "device(type='cpu')"
    assert str(Device("cuda:1")) == "cuda:1" and Device("cuda:1") == Device("cuda", 1)
    assert repr(Device("cuda:0")) == "device(type='cuda', index=0)"
    assert Device("cuda:0") == "cuda" and Device("cuda:0") == "cuda:0"
    assert Device("cuda:0") != "cuda:1" and Device("cuda") != "cpu"
    assert Device(Device("cuda:2")).index == 2 and Device("cpu") == "cpu"
    assert {Device("cuda:0"), Device("cuda")} == {Device("cuda")}  # equal, so one hash


@pytest.mark.parametrize("spec", ["gpu", "cuda:", "cuda:x", "CPU", "cuda0", ""])
def test_an_unknown_device_is_a_value_error_naming_it(spec: str) -> None:
    with pytest.raises(ValueError, match=f"unknown device {spec!r}"):
        Device(spec)
    with pytest.raises(ValueError, match="unknown device"):
        Tensor([1.0], device=spec)


def test_wrong_device_arguments() -> None:
    with pytest.raises(TypeError, match="device is a string"):
        Device(3.5)
    with pytest.raises(ValueError, match="one CPU device"):
        Device("cpu", 1)
    with pytest.raises(ValueError, match="has an index already"):
        Device("cuda:0", 1)


def test_cuda_without_cupy_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devices, "_cuda", None)
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy raises ImportError
    with pytest.raises(RuntimeError, match=r"CuPy.*pip install 'autograd-core\[gpu\]'"):
        Tensor([1.0], device="cuda")
    with pytest.raises(RuntimeError, match="pip install"):
        Tensor([1.0]).cuda()
    with pytest.raises(RuntimeError, match="pip install"):
        nn.Linear(2, 2).to("cuda")
    assert not devices.cuda_is_available()


def test_cuda_without_a_gpu_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_device() -> int:
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=no_device))
    cupyx = types.ModuleType("cupyx")
    cupyx.scipy = types.ModuleType("cupyx.scipy")
    cupyx.scipy.special = types.ModuleType("cupyx.scipy.special")
    monkeypatch.setattr(devices, "_cuda", None)
    for name, module in (("cupy", fake), ("cupyx", cupyx), ("cupyx.scipy", cupyx.scipy),
                         ("cupyx.scipy.special", cupyx.scipy.special)):
        monkeypatch.setitem(sys.modules, name, module)
    with pytest.raises(RuntimeError, match="finds no GPU.*no CUDA-capable device"):
        Tensor([1.0], device="cuda")


# ---- namespaces ---------------------------------------------------------------------------

def test_each_array_has_its_namespace_and_device(cuda: str) -> None:
    host = np.ones(3)
    moved = devices.to_device(host, cuda)
    assert isinstance(moved, FakeArray)
    assert devices.namespace_of(host) is np and devices.namespace_of(moved) is fake_cuda.xp
    assert devices.device_of(host) == "cpu" and str(devices.device_of(moved)) == "cuda:0"
    assert devices.to_device(moved, "cuda:0") is moved and devices.to_device(host, "cpu") is host
    back = devices.to_host(moved)
    assert type(back) is np.ndarray and back is not host
    np.testing.assert_array_equal(back, host)
    with pytest.raises(RuntimeError, match="'cuda:1' does not exist"):
        devices.to_device(host, "cuda:1")


def test_the_fake_device_refuses_numpy(cuda: str) -> None:
    """The point of the fake device: any numpy call or numpy operand on its data fails."""
    a = devices.to_device(np.arange(3.0), cuda)
    for leak in (lambda: np.exp(a), lambda: np.where(a > 0, a, 0.0), lambda: a + np.ones(3),
                 lambda: np.ones(3) * a, lambda: np.asarray(a), lambda: np.zeros(3)[a > 0],
                 lambda: fake_cuda.xp.maximum(a, np.ones(3))):
        with pytest.raises(TypeError, match="fake_cuda"):
            leak()
    assert float((a * 2 + 1).sum()) == 9.0  # its own arithmetic works


# ---- tensors ---------------------------------------------------------------------------------

def test_tensor_on_a_device_and_back(cuda: str) -> None:
    t = Tensor([[1.0, 2.0], [3.0, 4.0]], device=cuda)
    assert isinstance(t.data, FakeArray) and t.device == "cuda" and str(t.device) == "cuda:0"
    assert Tensor([1.0]).device == "cpu" and isinstance(Tensor([1.0]).device, Device)
    back = t.cpu()
    assert type(back.data) is np.ndarray and back.device == "cpu"
    np.testing.assert_array_equal(back.data, [[1.0, 2.0], [3.0, 4.0]])
    assert t.to("cuda") is t and t.cuda() is t and back.cpu() is back  # already there
    assert back.to(Device("cuda:0")).device == "cuda:0" and back.cuda().device == "cuda"
    assert Tensor(t.data).device == "cuda"  # a device array stays on its device
    assert t.to(np.float32).dtype == np.float32 and t.to(np.float32).device == "cuda"
    both = back.to("cuda", dtype=np.float32)
    assert both.device == "cuda" and both.dtype == np.float32
    with pytest.raises(TypeError, match="to: expected a device or a dtype"):
        t.to(3.5)


def test_moving_is_differentiable_forward_and_backward(cuda: str) -> None:
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = (x.to(cuda) * 3.0).exp().sum().cpu()  # computed on the device, gradient to the CPU
    y.backward()
    assert type(x.grad) is np.ndarray
    np.testing.assert_allclose(x.grad, 3.0 * np.exp(3.0 * x.data))
    dual = Tensor._dual([1.0, 2.0], [1.0, 0.0])
    pushed = (dual.cuda() ** 2).cpu()
    np.testing.assert_array_equal(pushed.tangent, [2.0, 0.0])
    # and second order through the moves
    (g,) = ac.engine.gradients((x.cuda() ** 3).sum().cpu(), [x], Tensor(1.0), create_graph=True)
    (h,) = ac.engine.gradients(g.sum(), [x], Tensor(1.0))
    np.testing.assert_allclose(h, 6.0 * x.data)


def test_host_copies_for_item_numpy_printing_and_numpy_functions(cuda: str) -> None:
    t = Tensor([[1.5, 2.0]], device=cuda, requires_grad=True)
    assert t.sum().item() == 3.5 and float(t[0, 0]) == 1.5 and int(t[0, 1]) == 2
    host = t.numpy()
    assert type(host) is np.ndarray
    np.testing.assert_array_equal(host, [[1.5, 2.0]])
    np.testing.assert_array_equal(np.asarray(t), [[1.5, 2.0]])
    assert repr(t) == "Tensor([[1.5, 2. ]], requires_grad=True, device='cuda:0')"
    assert repr(Tensor([1.0])) == "Tensor([1.])"  # the CPU's repr is unchanged
    graph = ac.draw_graph((t * 2.0).sum())
    assert graph is not None
    assert len(t) == 1 and t.shape == (1, 2) and t.size == 2 and t.numel() == 2


def test_comparisons_give_device_masks(cuda: str) -> None:
    t = Tensor([1.0, -1.0, 2.0], device=cuda)
    mask = t > 0
    assert devices.device_of(mask) == "cuda"
    np.testing.assert_array_equal(devices.to_host(t[mask].data), [1.0, 2.0])


def test_mixing_devices_is_an_error_naming_op_and_devices(cuda: str) -> None:
    on_cpu = Tensor([[1.0, 2.0]])
    on_gpu = Tensor([[1.0], [2.0]], device=cuda)
    expected = "Expected all tensors to be on the same device, but found at least two devices"
    for op, mix in (("+", lambda: on_cpu + on_gpu.T), ("*", lambda: on_gpu.T * on_cpu),
                    ("@", lambda: on_cpu @ on_gpu), ("where", lambda: ac.where(True, on_cpu,
                                                                               on_gpu.T)),
                    ("maximum", lambda: ac.maximum(on_cpu, on_gpu.T)),
                    ("concatenate", lambda: ac.concatenate([on_cpu, on_gpu.T])),
                    ("stack", lambda: ac.stack([on_cpu, on_gpu.T])),
                    ("linear", lambda: ac.linear(on_cpu, on_gpu.T)),
                    ("+", lambda: on_gpu + np.ones((2, 1)))):  # a host array is a CPU operand
        with pytest.raises(RuntimeError, match=rf"{re.escape(op)}: {expected}, (cpu and cuda:0|"
                                               r"cuda:0 and cpu)"):
            mix()
    # Python numbers and lists have no device: they join the tensor's
    np.testing.assert_array_equal((on_gpu + 1.0).cpu().data, [[2.0], [3.0]])
    np.testing.assert_array_equal((on_gpu * [[2.0], [3.0]]).cpu().data, [[2.0], [6.0]])


def test_backward_on_the_device(cuda: str) -> None:
    x = Tensor([1.0, 2.0], device=cuda, requires_grad=True)
    (x * x).backward(np.array([1.0, 1.0]))  # a host seed is copied over
    assert isinstance(x.grad, FakeArray)
    np.testing.assert_array_equal(devices.to_host(x.grad), [2.0, 4.0])
    (x * x).backward(Tensor([1.0, 0.0], device=cuda))  # accumulates, on the device
    np.testing.assert_array_equal(devices.to_host(x.grad), [4.0, 4.0])


# ---- models, optimizers, data ----------------------------------------------------------------

def _model() -> nn.Module:
    nn.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.Linear(8, 3))


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_a_model_trains_on_the_device_as_on_the_cpu(cuda: str, optimizer: str) -> None:
    rng = np.random.default_rng(0)
    x, labels = rng.standard_normal((6, 4)), np.array([0, 1, 2, 0, 1, 2])
    models = {"cpu": _model(), "cuda": _model()}
    params = models["cuda"].parameters()
    versions = [p._version for p in params]
    assert models["cuda"].to(cuda) is models["cuda"]  # in place, as PyTorch
    assert models["cuda"].parameters() == params  # the same Tensors, moved
    assert all(p._version == v + 1 for p, v in zip(params, versions))  # counted as writes
    assert all(isinstance(p.data, FakeArray) for p in params)
    assert all(isinstance(b, FakeArray) for b in models["cuda"].buffers())
    options = {"SGD": dict(lr=0.1, momentum=0.9, weight_decay=0.01)}.get(optimizer, {})
    losses = {}
    for where, model in models.items():
        opt = getattr(nn.optim, optimizer)(model.parameters(), **options)
        loader = nn.data.DataLoader(nn.data.TensorDataset(x, labels), batch_size=3)
        history = []
        for _ in range(3):
            for xb, yb in loader:
                opt.zero_grad()
                loss = nn.CrossEntropyLoss()(model(xb.to(where)), yb)  # host labels
                loss.backward()
                opt.step()
                history.append(loss.item())
        losses[where] = history
        if where == "cuda":
            buffers = [value for state in opt.state.values() for value in state.values()]
            assert not any(isinstance(value, np.ndarray) for value in buffers)  # none on the host
            if optimizer != "SGD" or options:
                assert any(isinstance(value, FakeArray) for value in buffers)
    np.testing.assert_allclose(losses["cuda"], losses["cpu"], rtol=1e-12)
    for p_cpu, p_gpu in zip(models["cpu"].parameters(), models["cuda"].parameters()):
        np.testing.assert_allclose(devices.to_host(p_gpu.data), p_cpu.data, rtol=1e-12)
    models["cuda"].eval()
    np.testing.assert_allclose(models["cuda"](Tensor(x, device=cuda)).cpu().data,
                               models["cpu"].eval()(Tensor(x)).data, rtol=1e-12)


def test_state_dict_is_on_the_host_and_loads_onto_the_device(cuda: str, tmp_path) -> None:
    model = _model().to(cuda)
    state = model.state_dict()
    assert all(type(array) is np.ndarray for array in state.values())
    other = _model()
    for p in other.parameters():
        p.data[...] = 0.5
    other.to(cuda).load_state_dict(state)
    for a, b in zip(model.parameters(), other.parameters()):
        assert isinstance(b.data, FakeArray)
        np.testing.assert_array_equal(devices.to_host(a.data), devices.to_host(b.data))
    model.save(tmp_path / "m.safetensors")
    loaded = _model().to(cuda)
    loaded.load(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(devices.to_host(loaded[0].weight.data),
                                  devices.to_host(model[0].weight.data))
    back = model.to("cpu")
    assert all(type(p.data) is np.ndarray for p in back.parameters())


def test_a_graph_recorded_before_a_move_cannot_be_differentiated_after_it(cuda: str) -> None:
    model = nn.Linear(2, 1)
    loss = model(Tensor([[1.0, 2.0]])).sum()
    model.to(cuda)
    with pytest.raises(RuntimeError, match="written in place"):
        loss.backward()


def test_dropout_and_initialisers_work_on_the_device(cuda: str) -> None:
    layer = nn.Dropout(0.5)
    out = layer(Tensor(np.ones((4, 5)), device=cuda))
    assert out.device == "cuda"
    values = set(np.unique(devices.to_host(out.data)).tolist())
    assert values <= {0.0, 2.0}
    linear = nn.Linear(3, 2).to(cuda)
    nn.init.xavier_uniform_(linear.weight)
    nn.init.zeros_(linear.bias)
    assert isinstance(linear.weight.data, FakeArray) and isinstance(linear.bias.data, FakeArray)
    np.testing.assert_array_equal(devices.to_host(linear.bias.data), [0.0, 0.0])
