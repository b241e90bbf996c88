"""The bridge to PyTorch: .safetensors files that PyTorch loads, ``nn.to_torch`` and
``nn.from_torch`` (the same outputs and gradients, before and after a step), and a model
trained here that goes on training in PyTorch from its saved file.

PyTorch is an optional extra. Without it these tests skip with the reason, except where
AUTOGRAD_CORE_REQUIRE_TORCH=1 (``make test``, and so CI, sets it): there they fail.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_core import Tensor
from autograd_core.nn.layers import (
    ELU,
    GELU,
    BatchNorm1d,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ModuleDict,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from autograd_core.nn.module import Module
from autograd_core.nn.optim import SGD
from autograd_core.nn.torch_bridge import _LAYERS, from_torch, to_torch

TOLERANCE = 1e-12  # float64 on both sides: the same formulas, at most a few roundings apart


# ---- without PyTorch ----------------------------------------------------------------------------


def test_without_pytorch_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    for function in (to_torch, from_torch):
        with pytest.raises(ImportError, match=rf"{function.__name__} needs PyTorch, which is not "
                                              r"installed: pip install 'autograd-core\[torch\]'"):
            function(Linear(2, 2))


# ---- twins: the same outputs, gradients and steps ---------------------------------------------


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def floats(*shape: int, seed: int = 1) -> np.ndarray:
    return rng(seed).standard_normal(shape)


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str, tolerance: float) -> None:
    assert ours.shape == theirs.shape, what
    assert np.allclose(ours, theirs, rtol=tolerance, atol=tolerance), (
        what, np.max(np.abs(ours - theirs)))


def assert_same_state(ours: Module, theirs: Any, tolerance: float) -> None:
    mine = ours.state_dict()
    # not theirs.state_dict(): it lists a shared layer's tensors under each of its names
    entries = [*theirs.named_parameters(), *theirs.named_buffers()]
    other = {name: t.detach().numpy() for name, t in entries}
    assert sorted(mine) == sorted(other)
    for name in mine:
        assert mine[name].dtype == other[name].dtype, name
        assert_close(mine[name], other[name], name, tolerance)


def assert_twins(torch: Any, ours: Module, theirs: Any, x: np.ndarray,
                 tolerance: float = TOLERANCE) -> None:
    """The same state; the same outputs, loss and gradients; the same state after one SGD step
    of each (batch norm's running statistics included), and the same outputs after it."""
    assert_same_state(ours, theirs, tolerance)
    out, their_out = ours(x), theirs(torch.from_numpy(x))
    assert_close(out.data, their_out.detach().numpy(), "output", tolerance)
    weights = floats(*out.shape, seed=7)  # loss = sum(weights * out): every output counts
    (out * Tensor(weights)).sum().backward()
    (their_out * torch.from_numpy(weights)).sum().backward()
    their_grads = dict(theirs.named_parameters())
    for name, parameter in ours.named_parameters():
        if parameter.requires_grad:
            assert_close(parameter.grad, their_grads[name].grad.numpy(), f"{name}.grad", tolerance)
        else:
            assert parameter.grad is None and their_grads[name].grad is None, name
    SGD(ours.parameters(), lr=0.1).step()
    torch.optim.SGD(theirs.parameters(), lr=0.1).step()
    assert_same_state(ours, theirs, tolerance)
    assert_close(ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(),
                 "output after a step", tolerance)


def ours_mlp() -> Module:
    g = rng()
    return Sequential(Linear(3, 5, generator=g), Tanh(), Linear(5, 4, generator=g), ReLU(),
                      Linear(4, 2, generator=g))


def ours_normalised() -> Module:
    g = rng()
    return Sequential(Linear(3, 6, generator=g), BatchNorm1d(6, momentum=0.3),
                      LeakyReLU(0.1), LayerNorm(6), GELU(), Linear(6, 3, generator=g),
                      LogSoftmax(dim=1))


def ours_activations() -> Module:
    g = rng()
    return Sequential(Flatten(), Linear(6, 4, generator=g), ELU(0.7),
                      Softplus(beta=2.0, threshold=1.0), Identity(), Linear(4, 4, generator=g),
                      Sigmoid(), GELU("tanh"), Linear(4, 3, bias=False, generator=g),
                      Softmax(dim=-1))


def ours_in_evaluation() -> Module:
    g = rng()
    model = Sequential(Linear(3, 4, generator=g), Dropout(0.5), BatchNorm1d(4, momentum=None),
                       LayerNorm(4, elementwise_affine=False), Linear(4, 2, generator=g))
    for seed in range(3):  # running statistics that are not the initial ones
        model(floats(8, 3, seed=seed))
    return model.eval()


def ours_embedding() -> Module:
    g = rng()
    return Sequential(Embedding(10, 4, padding_idx=0, generator=g), Flatten(),
                      Linear(12, 2, generator=g))


def ours_float32() -> Module:
    g = rng()
    return Sequential(Linear(3, 4, dtype=np.float32, generator=g),
                      BatchNorm1d(4, dtype=np.float32), Tanh(),
                      Linear(4, 2, dtype=np.float32, generator=g))


INDICES = np.array([[0, 3, 9], [4, 4, 1], [0, 0, 7], [2, 5, 8]])  # row 0 is the padding
MODELS: dict[str, tuple[Callable[[], Module], np.ndarray]] = {
    "mlp": (ours_mlp, floats(6, 3)),
    "normalised": (ours_normalised, floats(6, 3)),
    "activations": (ours_activations, floats(5, 2, 3)),
    "evaluation": (ours_in_evaluation, floats(6, 3)),
    "embedding": (ours_embedding, INDICES),
    "float32": (ours_float32, floats(6, 3).astype(np.float32)),
}


def tolerance_for(x: np.ndarray) -> float:
    return 1e-5 if x.dtype == np.float32 else TOLERANCE


@pytest.mark.parametrize("name", MODELS)
def test_to_torch_gives_the_same_outputs_gradients_and_steps(torch: Any, name: str) -> None:
    make, x = MODELS[name]
    ours = make()
    theirs = to_torch(ours)
    assert type(theirs) is torch.nn.Sequential and theirs.training == ours.training
    assert_twins(torch, ours, theirs, x, tolerance_for(x))


@pytest.mark.parametrize("name", MODELS)
def test_from_torch_gives_the_same_outputs_gradients_and_steps(torch: Any, name: str) -> None:
    make, x = MODELS[name]
    theirs = to_torch(make())
    with torch.no_grad():  # weights of PyTorch's own drawing, not ours
        for parameter in theirs.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=torch.Generator().manual_seed(
                parameter.numel()), dtype=parameter.dtype))
    ours = from_torch(theirs)
    assert type(ours) is Sequential and ours.training == theirs.training
    assert_twins(torch, ours, theirs, x, tolerance_for(x))


def test_every_row_of_the_table_is_tested() -> None:
    used = {type(module) for make, _ in MODELS.values() for module in make().modules()}
    used |= {ModuleList, ModuleDict}  # test_containers_and_sharing_translate
    assert {row.ours for row in _LAYERS} - used == set()


def test_a_pytorch_model_of_its_own_drawing_translates(torch: Any) -> None:
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                                 torch.nn.Linear(8, 2), torch.nn.LogSoftmax(dim=1)).double()
    assert_twins(torch, from_torch(theirs), theirs, floats(5, 3))


def test_dtypes_settings_and_modes_are_kept(torch: Any) -> None:
    ours = ours_in_evaluation()
    ours[0].weight.requires_grad = False  # frozen
    theirs = to_torch(ours)
    assert theirs[0].weight.dtype == torch.float64 and not theirs[0].weight.requires_grad
    assert theirs[2].num_batches_tracked.dtype == torch.int64
    assert int(theirs[2].num_batches_tracked) == 3 and theirs[2].momentum is None
    assert theirs[1].p == 0.5 and not theirs.training and not theirs[1].training
    assert theirs[3].weight is None and theirs[3].bias is None
    back = from_torch(theirs)
    assert not back[0].weight.requires_grad and back[0].bias.requires_grad
    assert not back.training and not back[1].training
    assert back[1].p == 0.5 and back[2].momentum is None and back[3].weight is None
    assert back[0].weight.dtype == np.float64
    assert_twins(torch, back, theirs, floats(4, 3))
    assert repr(to_torch(ours_float32())[1]).startswith("BatchNorm1d(4, eps=1e-05")
    assert to_torch(ours_float32())[0].weight.dtype == torch.float32
    assert from_torch(to_torch(ours_float32()))[0].weight.dtype == np.float32


def test_containers_and_sharing_translate(torch: Any) -> None:
    g = rng()
    shared = Linear(3, 3, generator=g)
    ours = Sequential(shared, Tanh(), shared)  # one layer used twice: its weights are tied
    theirs = to_torch(ours)
    assert theirs[0] is theirs[2]
    assert_twins(torch, ours, theirs, floats(4, 3))
    back = from_torch(theirs)
    assert back[0] is back[2]
    listed = ModuleList([Linear(2, 3, generator=g), ReLU()])
    assert type(to_torch(listed)) is torch.nn.ModuleList
    assert type(from_torch(to_torch(listed))) is ModuleList
    assert_same_state(listed, to_torch(listed), 0.0)
    heads = ModuleDict({"cls": Linear(2, 3, generator=g), "reg": Linear(2, 1, generator=g)})
    theirs_heads = to_torch(heads)
    assert list(theirs_heads.keys()) == ["cls", "reg"]
    assert_same_state(heads, theirs_heads, 0.0)
    assert list(from_torch(theirs_heads).keys()) == ["cls", "reg"]


def test_what_cannot_translate_is_refused_clearly(torch: Any) -> None:
    class Mine(Module):
        def forward(self, x: Any) -> Any:
            return x

    with pytest.raises(TypeError, match=r"to_torch: cannot translate Mine: the modules it knows "
                                        r"are .*Linear.*build the twin by hand"):
        to_torch(Sequential(Linear(2, 2), Mine()))

    class MyLinear(Linear):  # a subclass may compute something else: not translated
        pass

    with pytest.raises(TypeError, match="to_torch: cannot translate MyLinear"):
        to_torch(MyLinear(2, 2))
    with pytest.raises(TypeError, match="from_torch: cannot translate Conv1d"):
        from_torch(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 2)))
    with pytest.raises(TypeError, match="from_torch: expected a torch.nn.Module, got Sequential"):
        from_torch(Sequential())
    with pytest.raises(ValueError, match=r"from_torch: Softmax\(dim=None\) has no fixed axis"):
        from_torch(torch.nn.Softmax())
    with pytest.raises(ValueError, match=r"Embedding\(max_norm=1.0\) is not supported"):
        from_torch(torch.nn.Embedding(3, 2, max_norm=1.0))
    with pytest.raises(TypeError, match="Linear.weight has dtype torch.bfloat16, which numpy "
                                        "lacks"):
        from_torch(torch.nn.Linear(2, 2).to(torch.bfloat16))
    mixed = Linear(2, 2)
    mixed.bias = Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match=r"to_torch: Linear mixes the dtypes \['float32', "
                                        r"'float64'\]"):
        to_torch(mixed)


# ---- files: saved here, loaded by PyTorch (and back) ----------------------------------------


def pytorch_twin(torch: Any) -> Any:
    """What a PyTorch user writes for ours_classifier(): the same layers, in float64."""
    nn = torch.nn
    return nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3)).double()


def ours_classifier() -> Sequential:
    g = rng(3)
    return Sequential(Linear(2, 8, generator=g), BatchNorm1d(8), Tanh(), Linear(8, 3, generator=g))


def test_pytorch_loads_a_saved_safetensors_file(torch: Any, tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    ours = ours_classifier()
    for seed in range(2):
        ours(floats(8, 2, seed=seed))  # running statistics of its own
    ours.save(tmp_path / "model.safetensors")
    theirs = pytorch_twin(torch)
    result = theirs.load_state_dict(load_file(tmp_path / "model.safetensors"))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert_same_state(ours, theirs, 0.0)
    ours.eval(), theirs.eval()
    x = floats(5, 2)
    assert_close(ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(), "output", TOLERANCE)
    with torch.no_grad():  # and back: PyTorch's file loads here
        theirs[0].weight.mul_(2.0)
    save_file(theirs.state_dict(), tmp_path / "from_torch.safetensors")
    ours.load(tmp_path / "from_torch.safetensors")
    assert_same_state(ours, theirs, 0.0)


def spirals(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Three interleaved spirals: inputs (count, 2) and labels (count,)."""
    g = rng(11)
    labels = np.arange(count) % 3
    radius = g.uniform(0.2, 1.0, count)
    angle = 3.0 * radius + labels * 2 * np.pi / 3 + g.normal(0, 0.1, count)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1), labels


def cross_entropy_ours(logits: Tensor, labels: np.ndarray) -> Tensor:
    picked = logits.log_softmax(axis=1) * Tensor(np.eye(3)[labels])
    return -picked.sum() / len(labels)


def test_a_model_trained_here_continues_training_in_pytorch(torch: Any, tmp_path: Path) -> None:
    """The issue's "done when": train here, save, load the file into PyTorch's own model, and
    training goes on there exactly as it would have gone on here."""
    from safetensors.torch import load_file

    x, labels = spirals(60)
    ours = ours_classifier()
    optimizer = SGD(ours.parameters(), lr=0.5)

    def step_ours() -> float:
        optimizer.zero_grad()
        loss = cross_entropy_ours(ours(x), labels)
        loss.backward()
        optimizer.step()
        return float(loss.data)

    first = [step_ours() for _ in range(20)]
    ours.save(tmp_path / "checkpoint.safetensors")

    theirs = pytorch_twin(torch)
    theirs.load_state_dict(load_file(tmp_path / "checkpoint.safetensors"))
    their_optimizer = torch.optim.SGD(theirs.parameters(), lr=0.5)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(labels)

    def step_theirs() -> float:
        their_optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(theirs(inputs), targets)
        loss.backward()
        their_optimizer.step()
        return loss.item()

    here = [step_ours() for _ in range(20)]
    there = [step_theirs() for _ in range(20)]
    assert np.allclose(here, there, rtol=1e-10, atol=1e-10), np.max(np.abs(np.subtract(here,
                                                                                       there)))
    assert there[-1] < first[-1] < first[0]  # and it keeps learning
    assert_same_state(ours, theirs, 1e-10)
