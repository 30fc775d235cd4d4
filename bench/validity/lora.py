"""Low-rank tuning (LoRA) of all-MiniLM-L6-v2 for stance and for the checker's categories: tried, not shipped.

The shipped stance model and checker head read the transformer's vectors as they come and learn a
linear model on top. This script tries the next step that usually helps: training small low-rank
adapters (A @ B, rank 8, added to every dense layer of the six; Hu et al. 2021) and a linear head
together, so the transformer itself learns the task, on the CPU with JAX. Its forward pass is
`sociable.text.contextual.build_graph`'s in jax.numpy (checked against it to 2e-7).

    PYTHONPATH=src python bench/validity/lora.py stance    # RumourEval train + our 605; dev picks offsets; test once
    PYTHONPATH=src python bench/validity/lora.py checker   # corpus train; dev picks cuts; held-out once

Needs JAX (``pip install -c requirements.lock -e '.[tune]'``). Stance: about 8 minutes an epoch
on two cores, checker 4. The figures and why neither was kept are in docs/validity.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from sociable.text.contextual import MAX_TOKENS, model_folder

TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
           "intermediate.dense", "output.dense")
SEPARATOR = " [SEP] "


@dataclass(frozen=True, slots=True)
class Settings:
    epochs: int = 3
    learning_rate: float = 1e-3
    rank: int = 8
    alpha: float = 16.0  # the adapters' product is scaled by alpha / rank
    batch: int = 16
    class_power: float = 0.5
    seed: int = 0


def base_weights() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    import json

    from safetensors.numpy import load_file

    folder = model_folder()
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return {k: v.astype(np.float32) for k, v in load_file(str(folder / "model.safetensors")).items()}, config


class Tuner:
    """The base network in JAX, its adapters and head, and the steps that train and read them."""

    def __init__(self, classes: Sequence[str], settings: Settings = Settings(), *, multilabel: bool = False) -> None:
        import jax
        import jax.numpy as jnp
        from tokenizers import Tokenizer

        self.jax, self.jnp, self.classes, self.settings = jax, jnp, tuple(classes), settings
        self.multilabel = multilabel  # one yes/no per class (sigmoid) rather than one class per text (softmax)
        folder = model_folder()
        weights, config = base_weights()
        self.w = {k: jnp.asarray(v) for k, v in weights.items()}
        self.layers = int(config["num_hidden_layers"])
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self.scale = settings.alpha / settings.rank
        self.params = self._initial(jax.random.PRNGKey(settings.seed))
        self._grad = jax.jit(jax.value_and_grad(self._loss))
        self._logits = jax.jit(self._forward)
        self._adam = jax.jit(self._adam_step)

    def _initial(self, key: Any) -> dict[str, Any]:
        jax, jnp = self.jax, self.jnp
        params: dict[str, Any] = {}
        for i in range(self.layers):
            for target in TARGETS:
                outputs, inputs = self.w[f"encoder.layer.{i}.{target}.weight"].shape
                key, sub = jax.random.split(key)
                params[f"{i}.{target}.A"] = jax.random.normal(sub, (inputs, self.settings.rank)) * 0.01
                params[f"{i}.{target}.B"] = jnp.zeros((self.settings.rank, outputs))
        key, sub = jax.random.split(key)
        params["head.W"] = jax.random.normal(sub, (self.hidden, len(self.classes))) * 0.01
        params["head.b"] = jnp.zeros(len(self.classes))
        params["head.s"] = jnp.array(10.0)
        return params

    def _norm(self, x: Any, prefix: str) -> Any:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / self.jnp.sqrt(var + self.eps) * self.w[f"{prefix}.weight"] + self.w[f"{prefix}.bias"]

    def _dense(self, x: Any, params: dict[str, Any], layer: int, target: str) -> Any:
        prefix = f"encoder.layer.{layer}.{target}"
        y = x @ self.w[f"{prefix}.weight"].T + self.w[f"{prefix}.bias"]
        return y + (x @ params[f"{layer}.{target}.A"]) @ params[f"{layer}.{target}.B"] * self.scale

    def vectors(self, params: dict[str, Any], ids: Any, mask: Any) -> Any:
        """Unit sentence vectors, as `contextual.build_graph` computes them (with the adapters)."""
        jax, jnp = self.jax, self.jnp
        rows, length = ids.shape
        size = self.hidden // self.heads
        x = (self.w["embeddings.word_embeddings.weight"][ids] + self.w["embeddings.position_embeddings.weight"][:length]
             + self.w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        bias = (1.0 - mask[:, None, None, :]) * -1e9
        for i in range(self.layers):
            def split(t: Any) -> Any:
                return t.reshape(rows, length, self.heads, size).transpose(0, 2, 1, 3)
            q, k, v = (split(self._dense(x, params, i, f"attention.self.{n}")) for n in ("query", "key", "value"))
            attended = jax.nn.softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + bias, axis=-1) @ v
            attended = attended.transpose(0, 2, 1, 3).reshape(rows, length, self.hidden)
            x = self._norm(x + self._dense(attended, params, i, "attention.output.dense"),
                           f"encoder.layer.{i}.attention.output.LayerNorm")
            inner = self._dense(x, params, i, "intermediate.dense")
            gelu = 0.5 * inner * (1 + jax.scipy.special.erf(inner / np.sqrt(2.0)))
            x = self._norm(x + self._dense(gelu, params, i, "output.dense"), f"encoder.layer.{i}.output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / jnp.maximum(mask.sum(1, keepdims=True), 1.0)
        return pooled / jnp.maximum(jnp.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _forward(self, params: dict[str, Any], ids: Any, mask: Any) -> Any:
        return params["head.s"] * (self.vectors(params, ids, mask) @ params["head.W"]) + params["head.b"]

    def _loss(self, params: dict[str, Any], ids: Any, mask: Any, y: Any, weights: Any) -> Any:
        if self.multilabel:  # y: rows × classes of 0/1; weights: each class's weight on its positives
            z = self._forward(params, ids, mask)
            log_yes, log_no = self.jax.nn.log_sigmoid(z), self.jax.nn.log_sigmoid(-z)
            return -(weights * y * log_yes + (1 - y) * log_no).sum(axis=1).mean()
        logp = self.jax.nn.log_softmax(self._forward(params, ids, mask))
        nll = -self.jnp.take_along_axis(logp, y[:, None], 1)[:, 0]
        return (nll * weights[y]).sum() / weights[y].sum()

    def _adam_step(self, params: Any, grads: Any, state: Any, rate: Any, step: Any) -> tuple[Any, Any]:
        tree, jnp = self.jax.tree_util.tree_map, self.jnp
        first, second = state
        first = tree(lambda m, g: 0.9 * m + 0.1 * g, first, grads)
        second = tree(lambda v, g: 0.999 * v + 0.001 * g * g, second, grads)
        params = tree(lambda p, m, v: p - rate * (m / (1 - 0.9 ** step)) / (jnp.sqrt(v / (1 - 0.999 ** step)) + 1e-8),
                      params, first, second)
        return params, (first, second)

    def _batches(self, encodings: list[Any], order: np.ndarray, size: int) -> Iterator[tuple[np.ndarray, Any, Any]]:
        for start in range(0, len(order), size):
            rows = order[start:start + size]
            width = -(-max(len(encodings[r].ids) for r in rows) // 16) * 16  # few distinct shapes to compile
            ids = np.zeros((len(rows), width), np.int32)
            mask = np.zeros((len(rows), width), np.float32)
            for k, r in enumerate(rows):
                n = len(encodings[r].ids)
                ids[k, :n] = encodings[r].ids
                mask[k, :n] = 1.0
            yield rows, ids, mask

    def fit(self, texts: Sequence[str], labels: np.ndarray,
            after_epoch: Callable[[int, float], None] | None = None) -> None:
        """Train the adapters and head on ``texts``: ``labels`` holds class indices, or for a multi-label tuner a
        texts × classes matrix of 0/1 (a class's positives then weigh (negatives / positives) ** class_power)."""
        jax, jnp, s = self.jax, self.jnp, self.settings
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        if self.multilabel:
            positives = np.maximum(labels.sum(axis=0), 1)
            weights = jnp.asarray(((len(labels) - positives) / positives) ** s.class_power, dtype=jnp.float32)
        else:
            counts = np.maximum(np.bincount(labels, minlength=len(self.classes)), 1)
            weights = jnp.asarray((counts.sum() / (len(self.classes) * counts)) ** s.class_power, dtype=jnp.float32)
        zeros = jax.tree_util.tree_map(jnp.zeros_like, self.params)
        state = (zeros, zeros)
        rng = np.random.default_rng(s.seed)
        per_epoch = -(-len(texts) // s.batch)
        total, step = s.epochs * per_epoch, 0
        for epoch in range(s.epochs):
            shuffled = rng.permutation(len(texts))
            chunks = [shuffled[i:i + s.batch * 50] for i in range(0, len(shuffled), s.batch * 50)]
            order = np.concatenate([c[np.argsort(lengths[c], kind="stable")] for c in chunks])
            batches = list(self._batches(encodings, order, s.batch))
            rng.shuffle(batches)  # type: ignore[arg-type]
            loss = 0.0
            for rows, ids, mask in batches:
                step += 1
                rate = s.learning_rate * min(1.0, step / 50) * max(0.0, 1 - step / total)
                value, grads = self._grad(self.params, ids, mask, jnp.asarray(labels[rows]), weights)
                self.params, state = self._adam(self.params, grads, state, rate, step)
                loss += float(value)
            if after_epoch:
                after_epoch(epoch, loss / len(batches))

    def log_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Log-probabilities per text and class (softmax; for a multi-label tuner each class's own sigmoid)."""
        encodings = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        out = np.zeros((len(texts), len(self.classes)), np.float32)
        for rows, ids, mask in self._batches(encodings, order, 64):
            z = self._logits(self.params, ids, mask)
            out[rows] = np.asarray(self.jax.nn.log_sigmoid(z) if self.multilabel else self.jax.nn.log_softmax(z))
        return out


def thread_text(text: str, target: str | None, parent: str | None) -> str:
    """The reaction, its parent (when it is not the claim) and the claim (unless the reaction is the claim)."""
    parts = [text or ""]
    if parent and parent != target:
        parts.append(parent)
    if target and target != text:
        parts.append(target)
    return SEPARATOR.join(parts)


def stance(settings: Settings) -> None:
    from rumoureval import COMMIT, Example, data_folder, examples
    from train_stance import labels_of, macro_f1, our_examples, tune_offsets

    from sociable.analyses.stance.model import STANCES

    def inputs(items: list[Example]) -> list[str]:
        return [thread_text(e.text, e.target_text, e.parent_text) for e in items]

    def line(name: str, y: np.ndarray, logp: np.ndarray) -> None:
        p = np.argmax(logp, axis=1)
        print(f"  {name:<40} accuracy {np.mean(p == y):.3f}  macro-F1 {macro_f1(y, p):.3f}", flush=True)

    folder = data_folder()
    train, dev, test = examples("train", folder) + our_examples(), examples("dev", folder), examples("test", folder)
    y, y_dev = labels_of(train), labels_of(dev)
    print(f"RumourEval 2017 @ {COMMIT[:7]}: train {len(train):,} (with our 605), dev {len(dev)}; {settings}")
    tuner = Tuner(STANCES, settings)
    started = time.perf_counter()
    tuner.fit(inputs(train), y, lambda epoch, loss: line(
        f"epoch {epoch + 1} (loss {loss:.3f}, {time.perf_counter() - started:.0f} s): dev", y_dev,
        tuner.log_probabilities(inputs(dev))))
    logp = tuner.log_probabilities(inputs(dev))
    offsets = tune_offsets(logp, y_dev)  # the shipped regression's rule, on dev
    print(f"  offsets chosen on dev: {dict(zip(STANCES, offsets.round(2).tolist(), strict=True))}")
    line("dev with offsets", y_dev, logp + offsets)
    line("TEST with offsets", labels_of(test), tuner.log_probabilities(inputs(test)) + offsets)


def checker(settings: Settings) -> None:
    from sociable.safety.checker import prepare
    from sociable.safety.corpus import CATEGORIES, Example, corpus
    from sociable.safety.prefilter import Scan
    from sociable.safety.rules import run_rules
    from sociable.safety.semantic import unnamed
    from sociable.safety.train import _f1, choose_cuts, decide

    prepare()
    posts = corpus()

    def part(split: str) -> list[Example]:
        return [e for e in posts if e.split == split]

    def truth(items: list[Example]) -> np.ndarray:
        return np.array([[c in e.labels for c in CATEGORIES] for e in items])

    def fired(items: list[Example]) -> np.ndarray:
        return np.array([[any(h.rule.category == c for h in run_rules(Scan(e.text))) for c in CATEGORIES]
                         for e in items])

    def scores(items: list[Example]) -> np.ndarray:
        return np.exp(tuner.log_probabilities([unnamed(e.text) for e in items]))

    def writing(e: Example) -> str:  # as tests/safety/test_semantic.py names the writings
        name = e.source.rsplit(" of ", 1)[-1]
        return name[6] if name.startswith(("apart_b_", "apart_c_", "apart_d_")) else (
            "a" if name.startswith("apart_") else "first")

    def line(name: str, items: list[Example], proba: np.ndarray, cuts: tuple[np.ndarray, np.ndarray]) -> None:
        flagged = decide(proba, fired(items), *cuts).any(axis=1)
        wanted = truth(items).any(axis=1)
        near = np.array([e.kind == "near miss" for e in items])
        p, r, f = _f1(int((flagged & wanted).sum()), int((flagged & ~wanted).sum()), int((~flagged & wanted).sum()))
        print(f"  {name:<28} flag P/R/F1 {p:.3f}/{r:.3f}/{f:.3f}  near misses flagged {flagged[near].mean():.1%}",
              flush=True)

    train, dev, heldout = part("train"), part("dev"), part("heldout")
    print(f"checker corpus: train {len(train):,}, dev {len(dev):,}, held out {len(heldout):,}; {settings}")
    tuner = Tuner(CATEGORIES, settings, multilabel=True)
    tuner.fit([unnamed(e.text) for e in train], truth(train).astype(np.float32))
    proba = scores(dev)
    cuts = choose_cuts(proba, fired(dev), truth(dev), np.array([e.kind == "near miss" for e in dev]))
    line("dev (cuts chosen here)", dev, proba, cuts)
    held = scores(heldout)
    line("HELD OUT", heldout, held, cuts)
    for name in ("first", "a", "b", "c", "d"):
        rows = [i for i, e in enumerate(heldout) if writing(e) == name]
        line(f"  held out, writing {name} ({len(rows)})", [heldout[i] for i in rows], held[rows], cuts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=("stance", "checker"))
    parser.add_argument("--epochs", type=int, help="3 for stance, 2 for the checker unless given")
    args = parser.parse_args()
    epochs = args.epochs or (3 if args.task == "stance" else 2)
    (stance if args.task == "stance" else checker)(Settings(epochs=epochs))


if __name__ == "__main__":
    main()
