"""The demonstrations' shared helpers (data, models, training, measurement) and the notebook cache stamping."""

from __future__ import annotations

import pytest
import torch
import torch.nn.utils.prune
from sphinx.errors import ExtensionError

from compression_survey.demos import (
    LeNet300100,
    SmallCNN,
    accuracy,
    count_parameters,
    interleaved_latencies,
    latency_seconds,
    load_digits_split,
    mean_std,
    serialized_size_bytes,
    setup_torch,
    train,
)
from compression_survey.sphinxext import notebook_inputs


def test_digits_split_is_stratified_and_shaped():
    data = load_digits_split()
    assert data.x_train.shape == (1257, 64) and data.x_test.shape == (540, 64)
    assert float(data.x_train.max()) == 1.0 and float(data.x_train.min()) == 0.0
    assert torch.bincount(data.y_test).min() >= 52  # every class present in proportion (about 54 each)
    images = load_digits_split(images=True)
    assert images.x_test.shape == (540, 1, 8, 8)
    with pytest.raises(ValueError):
        load_digits_split(test_fraction=1.0)


def test_training_is_deterministic_for_a_seed():
    data = load_digits_split()
    weights = []
    for _ in range(2):
        setup_torch(3)
        model = train(LeNet300100(hidden=(32, 16)), data.x_train, data.y_train, epochs=8, lr=1e-2, seed=3)
        weights.append(torch.cat([p.flatten() for p in model.parameters()]))
    assert torch.equal(weights[0], weights[1])
    assert accuracy(model, data.x_test, data.y_test) > 80.0


def test_train_rejects_mismatched_data():
    with pytest.raises(ValueError, match="rows"):
        train(LeNet300100(), torch.zeros(3, 64), torch.zeros(2, dtype=torch.long), epochs=1)


def test_parameter_counts_and_sizes():
    model = LeNet300100()
    assert count_parameters(model) == 64 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10
    torch.nn.utils.prune.l1_unstructured(model.fc1, "weight", amount=0.5)
    assert count_parameters(model, nonzero=True) == count_parameters(model) - 64 * 300 // 2
    assert serialized_size_bytes(LeNet300100()) > 4 * count_parameters(LeNet300100())
    assert SmallCNN()(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_latency_and_statistics():
    assert latency_seconds(SmallCNN(), torch.zeros(4, 1, 8, 8), repeats=3, warmup=1) > 0
    with pytest.raises(ValueError):
        latency_seconds(SmallCNN(), torch.zeros(1, 1, 8, 8), repeats=0)
    assert mean_std([1.0, 3.0]) == (2.0, pytest.approx(2**0.5))
    with pytest.raises(ValueError):
        mean_std([1.0])


def test_notebook_inputs_match_patterns(tmp_path):
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "a.py").write_text("")
    (tmp_path / "refs.bib").write_text("")
    patterns = {"notebooks/*": ["src/**/*.py"], "notebooks/stats": ["refs.bib"]}
    assert notebook_inputs(patterns, "notebooks/stats", tmp_path) == [tmp_path / "refs.bib", tmp_path / "src/pkg/a.py"]
    assert notebook_inputs(patterns, "docs/index", tmp_path) == []
    with pytest.raises(ExtensionError, match="matches no file"):
        notebook_inputs({"notebooks/*": ["missing/*.py"]}, "notebooks/x", tmp_path)


def test_interleaved_latencies_one_per_model():
    models = [torch.nn.Linear(8, 8), torch.nn.Sequential(torch.nn.Linear(8, 512), torch.nn.Linear(512, 8))]
    times = interleaved_latencies(models, torch.randn(64, 8), repeats=5, warmup=1)
    assert len(times) == 2 and all(t > 0 for t in times)
    with pytest.raises(ValueError, match="repeats"):
        interleaved_latencies(models, torch.randn(1, 8), repeats=0)
    with pytest.raises(ValueError, match="model"):
        interleaved_latencies([], torch.randn(1, 8))
