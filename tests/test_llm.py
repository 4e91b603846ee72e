"""Post-training compression of the tiny transformer: GPTQ, RTN, Wanda, SparseGPT, magnitude, n:m masks."""

from __future__ import annotations

import math

import pytest
import torch

from compression_survey.compression import llm


def correlated_inputs(n: int = 2048, d: int = 64, seed: int = 0) -> torch.Tensor:
    """Inputs with strongly correlated features and unequal scales (like LayerNorm outputs of a transformer)."""
    g = torch.Generator().manual_seed(seed)
    mixing = torch.randn(d, d, generator=g) / math.sqrt(d)
    scales = torch.logspace(-1, 1, d)[torch.randperm(d, generator=g)]
    return (torch.randn(n, d, generator=g) @ mixing + 0.3 * torch.randn(n, d, generator=g)) * scales


@pytest.fixture
def layer():
    g = torch.Generator().manual_seed(1)
    x = correlated_inputs()
    weight = torch.randn(48, 64, generator=g) * 0.1
    xtx = x.double().T @ x.double()
    return weight, x, llm.layer_hessian(xtx, len(x)), torch.diag(xtx).sqrt()


@pytest.mark.parametrize("bits", [3, 4])
@pytest.mark.parametrize("group_size", [16, None])
def test_gptq_reconstructs_the_layer_output_better_than_rtn(layer, bits, group_size):
    weight, x, hessian, _ = layer
    rtn = llm.rtn_quantize(weight, bits, group_size)
    gptq = llm.gptq_quantize(weight, hessian, bits, group_size, block_size=32)
    assert llm.reconstruction_error(weight, gptq, x) <= llm.reconstruction_error(weight, rtn, x)


@pytest.mark.parametrize("method", ["rtn", "gptq"])
def test_quantized_values_lie_on_each_groups_grid(layer, method):
    weight, _, hessian, _ = layer
    bits, group = 3, 16
    if method == "rtn":
        q, scale, zero = llm.rtn_quantize(weight, bits, group, return_qparams=True)
    else:
        q, scale, zero = llm.gptq_quantize(weight, hessian, bits, group, block_size=32, return_qparams=True)
    assert scale.shape == zero.shape == (48, 64 // group)
    codes = q.reshape(48, -1, group) / scale[..., None] + zero[..., None]
    assert torch.allclose(codes, codes.round(), atol=1e-4)
    assert codes.round().min() >= 0 and codes.round().max() <= 2**bits - 1
    assert max(len(torch.unique(row.round(decimals=6))) for row in q.reshape(-1, group)) <= 2**bits


def test_gptq_with_identity_hessian_and_no_damping_is_rtn():
    """With uncorrelated, equal-scale inputs there is nothing to compensate: GPTQ rounds to nearest."""
    weight = torch.randn(8, 32, generator=torch.Generator().manual_seed(2))
    gptq = llm.gptq_quantize(weight, torch.eye(32), 4, None, damp=0.0)
    assert torch.allclose(gptq, llm.rtn_quantize(weight, 4, None), atol=1e-6)


@pytest.mark.parametrize("method", ["magnitude", "wanda", "sparsegpt"])
def test_two_four_masks_have_exactly_two_zeros_in_every_four(layer, method):
    weight, _, hessian, norms = layer
    pruned = {"magnitude": lambda: llm.magnitude_prune(weight, n_m=(2, 4)),
              "wanda": lambda: llm.wanda_prune(weight, norms, n_m=(2, 4)),
              "sparsegpt": lambda: llm.sparsegpt_prune(weight, hessian, n_m=(2, 4), block_size=32)}[method]()
    zeros = (pruned.reshape(-1, 4) == 0).sum(dim=1)
    assert torch.equal(zeros, torch.full_like(zeros, 2))


def test_nm_mask_keeps_the_highest_scores():
    scores = torch.tensor([[4.0, 1.0, 3.0, 2.0, 0.0, 9.0, 8.0, 7.0]])
    assert llm.nm_mask(scores, 2, 4).tolist() == [[True, False, True, False, False, True, True, False]]


@pytest.mark.parametrize("sparsity", [0.5, 0.25])
def test_unstructured_pruning_removes_the_requested_fraction(layer, sparsity):
    weight, _, hessian, norms = layer
    for pruned in (llm.magnitude_prune(weight, sparsity), llm.wanda_prune(weight, norms, sparsity),
                   llm.sparsegpt_prune(weight, hessian, sparsity, block_size=32)):
        assert int((pruned == 0).sum()) == round(sparsity * weight.numel())


def test_wanda_compares_within_each_output_row(layer):
    weight, _, _, norms = layer
    pruned = llm.wanda_prune(weight, norms, 0.5)
    assert torch.equal((pruned == 0).sum(dim=1), torch.full((48,), 32))


def test_wanda_equals_per_row_magnitude_pruning_when_input_norms_are_equal(layer):
    weight = layer[0]
    norms = torch.full((64,), 3.0)
    assert torch.equal(llm.wanda_prune(weight, norms, 0.5), llm.magnitude_prune(weight, 0.5, per_row=True))
    assert torch.equal(llm.wanda_prune(weight, norms, n_m=(2, 4)), llm.magnitude_prune(weight, n_m=(2, 4)))


def test_wanda_keeps_small_weights_on_large_inputs():
    weight = torch.tensor([[0.1, 1.0, 0.2, 0.9]])
    norms = torch.tensor([100.0, 1.0, 100.0, 1.0])
    assert (llm.wanda_prune(weight, norms, 0.5) != 0).tolist() == [[True, False, True, False]]
    assert (llm.magnitude_prune(weight, 0.5) != 0).tolist() == [[False, True, False, True]]


@pytest.mark.parametrize("n_m", [None, (2, 4)])
def test_sparsegpt_reconstructs_better_than_magnitude_and_wanda(layer, n_m):
    weight, x, hessian, norms = layer
    sparse = llm.sparsegpt_prune(weight, hessian, 0.5, n_m, block_size=32)
    err = llm.reconstruction_error(weight, sparse, x)
    assert err <= llm.reconstruction_error(weight, llm.magnitude_prune(weight, 0.5, n_m), x)
    assert err <= llm.reconstruction_error(weight, llm.wanda_prune(weight, norms, 0.5, n_m), x)


def test_wanda_reconstructs_better_than_magnitude_on_unequal_input_scales(layer):
    weight, x, _, norms = layer
    assert (llm.reconstruction_error(weight, llm.wanda_prune(weight, norms, 0.5), x)
            < llm.reconstruction_error(weight, llm.magnitude_prune(weight, 0.5), x))


def test_dead_inputs_get_zero_weight():
    weight = torch.ones(4, 8)
    hessian = torch.eye(8)
    hessian[3, 3] = 0.0
    assert torch.all(llm.gptq_quantize(weight, hessian, 4)[:, 3] == 0)
    assert torch.all(llm.sparsegpt_prune(weight, hessian, 0.25, block_size=8)[:, 3] == 0)


@pytest.mark.parametrize("call, message", [
    (lambda w, h: llm.rtn_quantize(w, 1, 16), "bits must be an integer in 2..16"),
    (lambda w, h: llm.rtn_quantize(w, 4, 24), "group_size must divide in_features"),
    (lambda w, h: llm.rtn_quantize(w[0], 4, 16), "weight must be a 2-D"),
    (lambda w, h: llm.gptq_quantize(w, h[:32, :32], 4, 16), "hessian must have shape"),
    (lambda w, h: llm.gptq_quantize(w, h, 4, 16, block_size=24), "block_size must be a positive multiple"),
    (lambda w, h: llm.gptq_quantize(w, h, 4, 16, damp=-1.0), "damp must be >= 0"),
    (lambda w, h: llm.magnitude_prune(w, 1.5), "sparsity must be a fraction"),
    (lambda w, h: llm.magnitude_prune(w, n_m=(4, 2)), "n:m sparsity needs integers 0 < n < m"),
    (lambda w, h: llm.magnitude_prune(w, n_m=(2, 5)), "must be a multiple of m"),
    (lambda w, h: llm.wanda_prune(w, torch.ones(63), 0.5), "input_norms must have shape"),
    (lambda w, h: llm.sparsegpt_prune(w, h, n_m=(2, 4), block_size=30), "must be a multiple of m"),
])
def test_bad_arguments_raise_value_error_with_a_clear_message(layer, call, message):
    weight, _, hessian, _ = layer
    with pytest.raises(ValueError, match=message):
        call(weight, hessian)


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    model = llm.TinyGPT(vocab_size=11, context=8, d_model=16, n_heads=2, n_layers=1)
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    tokens = torch.arange(100) % 11
    assert llm.perplexity(model, tokens) == pytest.approx(11.0, rel=1e-5)
    with pytest.raises(ValueError, match="at least 9 tokens"):
        llm.perplexity(model, tokens[:5])


def test_training_lowers_perplexity_and_is_deterministic():
    tokens = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7] * 64)
    ppl = []
    for _ in range(2):
        torch.manual_seed(0)
        model = llm.TinyGPT(vocab_size=8, context=16, d_model=32, n_heads=2, n_layers=1)
        before = llm.perplexity(model, tokens)
        llm.train_lm(model, tokens, steps=30, batch_size=8, seed=3)
        ppl.append(llm.perplexity(model, tokens))
    assert ppl[0] < before / 2
    assert ppl[0] == ppl[1]
    torch.manual_seed(0)
    model = llm.TinyGPT(vocab_size=8, context=16, d_model=32, n_heads=2, n_layers=1)
    trainer = llm.LMTrainer(model, tokens, total_steps=30, batch_size=8, seed=3)
    trainer.run(10), trainer.run(25)
    assert trainer.step == 30 and llm.perplexity(model, tokens) == ppl[0]


def test_compress_model_is_sequential_and_leaves_the_original_untouched():
    torch.manual_seed(0)
    model = llm.TinyGPT(vocab_size=8, context=16, d_model=32, n_heads=2, n_layers=2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    calibration = torch.randint(0, 8, (4, 16), generator=torch.Generator().manual_seed(0))
    seen = []

    def compressor(weight, xtx, n):
        seen.append((tuple(weight.shape), tuple(xtx.shape), n))
        return llm.wanda_prune(weight, torch.diag(xtx).sqrt().float(), 0.5)

    pruned = llm.compress_model(model, compressor, calibration)
    assert seen[:4] == [((96, 32), (32, 32), 64), ((32, 32), (32, 32), 64), ((128, 32), (32, 32), 64),
                        ((32, 128), (128, 128), 64)]
    assert len(seen) == 8 and llm.sparsity_of(pruned) == 0.5 and llm.sparsity_of(model) == 0.0
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_kv_cache_quantization_changes_little_at_8_bits():
    torch.manual_seed(0)
    model = llm.TinyGPT(vocab_size=8, context=16, d_model=32, n_heads=2, n_layers=1)
    ids = torch.randint(0, 8, (2, 16), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        dense = model(ids)
        model.set_kv_bits(8)
        err8 = (model(ids) - dense).abs().max()
        model.set_kv_bits(2)
        err2 = (model(ids) - dense).abs().max()
    assert err8 < err2
    with pytest.raises(ValueError, match="kv bits"):
        model.set_kv_bits(1)


def test_char_corpus_holds_out_every_tenth_document():
    docs = [f"doc {i}" for i in range(20)]
    corpus = llm.char_corpus(docs)
    assert corpus.n_documents_heldout == 2 and corpus.n_documents_train == 18
    assert corpus.decode(corpus.heldout) == "doc 9\n\ndoc 19"
    with pytest.raises(ValueError, match="characters outside the vocabulary"):
        corpus.encode("xyz")
    with pytest.raises(ValueError, match="heldout_every"):
        llm.char_corpus(docs, heldout_every=1)
