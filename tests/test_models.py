"""course_utils.models: NotesNet and describe (a CNN in PyTorch)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils.models import LayerRow, ModelSummary, NotesNet, describe


@pytest.mark.parametrize("in_channels", [1, 3])
@pytest.mark.parametrize(
    "size, flattened", [(28, 32 * 12 * 12), (32, 32 * 14 * 14), ((28, 32), 32 * 12 * 14)]
)
@pytest.mark.parametrize("n_classes", [2, 10, 20])
def test_notesnet_shapes(in_channels, size, flattened, n_classes):
    torch.manual_seed(0)
    model = NotesNet(n_classes, in_channels=in_channels, input_size=size)
    h, w = (size, size) if isinstance(size, int) else size
    assert model.flattened_size == flattened
    assert model.fc1.in_features == flattened and model.fc1.out_features == n_classes
    assert model.conv1.in_channels == in_channels and model.conv1.out_channels == 32
    assert model.conv1.kernel_size == (5, 5)
    assert (
        isinstance(model.pool, nn.MaxPool2d)
        and model.pool.kernel_size == 2
        and model.pool.stride == 2
    )
    logits = model(torch.rand(4, in_channels, h, w))
    assert logits.shape == (4, n_classes)


def test_notesnet_flattened_size_follows_the_options():
    model = NotesNet(5, input_size=20, conv_channels=8, kernel_size=3)  # 20 -> 18 -> 9
    assert model.flattened_size == 8 * 9 * 9
    assert model(torch.rand(2, 1, 20, 20)).shape == (2, 5)
    odd = NotesNet(3, input_size=(11, 12))  # 11 -> 7 -> 3 (floor), 12 -> 8 -> 4
    assert odd.flattened_size == 32 * 3 * 4


def test_notesnet_returns_unbounded_logits():
    torch.manual_seed(0)
    model = NotesNet(10)
    logits = model(torch.rand(64, 1, 28, 28))
    assert (logits < 0).any(), "logits must be able to be negative (no ReLU on the output)"
    assert (logits > 0).any()
    # No softmax either: rows do not sum to 1.
    assert not torch.allclose(logits.sum(dim=1), torch.ones(64))


def test_notesnet_forward_matches_the_layers_by_hand():
    torch.manual_seed(1)
    model = NotesNet(4, in_channels=3, input_size=32)
    x = torch.rand(2, 3, 32, 32)
    pooled = nn.functional.max_pool2d(torch.relu(model.conv1(x)), kernel_size=2)
    by_hand = pooled.reshape(2, -1) @ model.fc1.weight.T + model.fc1.bias
    assert torch.allclose(model(x), by_hand, atol=1e-6)


def test_notesnet_parameter_count():
    model = NotesNet(10)
    expected = (32 * 1 * 5 * 5 + 32) + (4608 * 10 + 10)
    assert sum(p.numel() for p in model.parameters()) == expected == 46922
    model = NotesNet(20, in_channels=3, input_size=32)
    assert sum(p.numel() for p in model.parameters()) == (32 * 3 * 25 + 32) + (
        32 * 14 * 14 * 20 + 20
    )


def test_notesnet_rejects_wrong_input_shapes():
    model = NotesNet(10)
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\).*unsqueeze"):
        model(torch.rand(1, 28, 28))
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\), got \(2, 3, 28, 28\)"):
        model(torch.rand(2, 3, 28, 28))
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\), got \(2, 1, 32, 32\)"):
        model(torch.rand(2, 1, 32, 32))
    with pytest.raises(TypeError, match="`x`"):
        model([[0.0]])


def test_notesnet_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_classes"):
        NotesNet(0)
    with pytest.raises(TypeError, match="n_classes"):
        NotesNet(2.5)
    with pytest.raises(TypeError, match="in_channels"):
        NotesNet(10, in_channels="1")
    with pytest.raises(ValueError, match="input_size"):
        NotesNet(10, input_size=5)
    with pytest.raises(TypeError, match="input_size"):
        NotesNet(10, input_size=(28, 28, 28))
    with pytest.raises(ValueError, match="kernel_size"):
        NotesNet(10, kernel_size=0)


def test_describe_rows_for_notesnet():
    model = NotesNet(10)
    summary = describe(model, (1, 1, 28, 28))
    assert isinstance(summary, ModelSummary)
    assert summary.rows == (
        LayerRow("conv1", "Conv2d", (1, 32, 24, 24), 832),
        LayerRow("pool", "MaxPool2d", (1, 32, 12, 12), 0),
        LayerRow("fc1", "Linear", (1, 10), 46090),
    )
    assert summary.input_shape == (1, 1, 28, 28) and summary.output_shape == (1, 10)
    assert summary.total_params == sum(p.numel() for p in model.parameters()) == 46922
    assert summary.trainable_params == summary.total_params
    assert sum(row.params for row in summary.rows) == summary.total_params


def test_describe_prints_a_table():
    text = str(describe(NotesNet(10), (2, 1, 28, 28)))
    lines = text.splitlines()
    assert lines[0].split() == ["layer", "type", "output", "shape", "params"]
    assert any(
        line.startswith("conv1") and "(2, 32, 24, 24)" in line and line.endswith("832")
        for line in lines
    )
    assert any(line.startswith("fc1") and line.endswith("46,090") for line in lines)
    assert any(line.startswith("total") and line.endswith("46,922") for line in lines)
    assert repr(describe(NotesNet(10), (2, 1, 28, 28))) == text


def test_describe_sequential_with_batch_norm_and_frozen_layer():
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 8 * 8, 5),
    )
    model[0].weight.requires_grad_(False)
    before = model[1].running_mean.clone()
    model.train()
    summary = describe(model, torch.Size([2, 3, 8, 8]))
    assert [r.kind for r in summary.rows] == ["Conv2d", "BatchNorm2d", "ReLU", "Flatten", "Linear"]
    assert [r.name for r in summary.rows] == ["0", "1", "2", "3", "4"]
    assert [r.output_shape for r in summary.rows] == [(2, 4, 8, 8)] * 3 + [(2, 256), (2, 5)]
    assert [r.params for r in summary.rows] == [112, 8, 0, 0, 1285]
    assert summary.total_params == 112 + 8 + 1285
    assert summary.trainable_params == summary.total_params - 108
    # describe leaves the model as it found it: still training, running statistics unchanged.
    assert model.training
    assert torch.equal(model[1].running_mean, before)
    assert not model[0]._forward_hooks


def test_describe_counts_a_shared_layer_once():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(3, 3)

        def forward(self, x):
            return self.layer(self.layer(x))

    summary = describe(Twice(), (1, 3))
    assert [r.name for r in summary.rows] == ["layer", "layer"]
    assert [r.params for r in summary.rows] == [12, 0]
    assert summary.total_params == 12


def test_describe_rejects_bad_inputs():
    with pytest.raises(TypeError, match="`model`"):
        describe("not a model", (1, 1, 28, 28))
    for bad in [(), (1, 0, 28, 28), "1x28x28", (1, 1.5), None]:
        with pytest.raises(ValueError, match="`input_shape`"):
            describe(NotesNet(10), bad)
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        describe(NotesNet(10), (1, 1, 32, 32))


def test_describe_gives_the_output_shape_of_containers_by_name():
    block = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.ReLU())
    model = nn.Sequential(block, nn.Sequential(nn.Conv2d(4, 6, 3, stride=2), nn.ReLU()))
    summary = describe(model, (2, 3, 17, 17))
    assert summary.shape_of("0") == (2, 4, 9, 9)  # a container: its last call's output
    assert summary.shape_of("1") == (2, 6, 4, 4)
    assert summary.shape_of("1.0") == (2, 6, 4, 4)  # a leaf, as in its row
    assert [r.name for r in summary.rows] == ["0.0", "0.1", "1.0", "1.1"]  # rows: leaves only
    assert not any(m._forward_hooks for m in model.modules())
    with pytest.raises(ValueError, match=r"shape_of: no module named '2'"):
        summary.shape_of("2")
    with pytest.raises(ValueError, match="names starting like it: 1, 1.0, 1.1"):
        summary.shape_of("1.")
    with pytest.raises(TypeError, match="`name`"):
        summary.shape_of(1)


def test_describe_reads_the_blocks_of_torchvision_mobilenet_v2():
    torchvision = pytest.importorskip("torchvision")
    model = torchvision.models.mobilenet_v2()  # the geometry only: no weights needed
    summary = describe(model, (1, 3, 200, 200))
    sizes = [summary.shape_of(f"features.{k}")[2] for k in range(19)]
    # stride-2 blocks 0, 2, 4, 7, 14: each gives ceil(n / 2) (3x3 kernel, padding 1)
    assert sizes == [100, 100, 50, 50, 25, 25, 25, 13, 13, 13, 13, 13, 13, 13, 7, 7, 7, 7, 7]
    assert summary.shape_of("features")[1:] == (1280, 7, 7)
    assert summary.output_shape == (1, 1000)
