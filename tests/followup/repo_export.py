"""Write a Bluesky repository export the way getRepo does: DAG-CBOR blocks, a real MST, a CAR v1 file.

An encoder of our own (independent of the reader under test): canonical DAG-CBOR (shortest
integers, map keys by length then bytes, CIDs as tag 42), CIDv1 dag-cbor sha-256 CIDs, and the
Merkle search tree built by the atproto rules (a key's layer is the number of leading zero bits of
its sha-256 hash, halved; entries share key prefixes with the entry before them).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Link:
    """A CID, kept binary (version 1, dag-cbor, sha2-256)."""

    raw: bytes


def varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise ValueError("integer too large for CBOR")


def encode(value: Any) -> bytes:
    """Canonical DAG-CBOR of a value."""
    if value is None or isinstance(value, bool):
        return {None: b"\xf6", False: b"\xf4", True: b"\xf5"}[value]
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _head(3, len(data)) + data
    if isinstance(value, Link):
        return b"\xd8\x2a" + encode(b"\x00" + value.raw)
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(encode(item) for item in value)
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: (len(key.encode("utf-8")), key.encode("utf-8")))
        return _head(5, len(keys)) + b"".join(encode(key) + encode(value[key]) for key in keys)
    raise TypeError(f"cannot encode {type(value).__name__}")


def cid_of(block: bytes) -> Link:
    return Link(b"\x01\x71\x12\x20" + hashlib.sha256(block).digest())


def layer_of(key: str) -> int:
    digest, zeros = hashlib.sha256(key.encode("utf-8")).digest(), 0
    for byte in digest:
        if byte:
            zeros += 8 - byte.bit_length()
            break
        zeros += 8
    return zeros // 2


@dataclass
class RepoExport:
    """A repository's records, written as the CAR file getRepo would answer."""

    did: str
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    blocks: list[tuple[Link, bytes]] = field(default_factory=list)
    tree_nodes: int = 0

    def add(self, key: str, record: dict[str, Any]) -> None:
        self.records[key] = record

    def _block(self, value: Any) -> Link:
        data = encode(value)
        link = cid_of(data)
        self.blocks.append((link, data))
        return link

    def _tree(self, items: list[tuple[str, Link, int]], layer: int) -> Link | None:
        """The node holding the keys of `layer`, its subtrees holding the lower keys between them."""
        if not items:
            return None
        tops = [index for index, (_, _, key_layer) in enumerate(items) if key_layer == layer]
        left = self._tree(items[: tops[0] if tops else len(items)], layer - 1)
        entries, previous = [], b""
        for number, index in enumerate(tops):
            key = items[index][0].encode("utf-8")
            shared = next((n for n, (a, b) in enumerate(zip(previous, key, strict=False)) if a != b),
                          min(len(previous), len(key)))
            end = tops[number + 1] if number + 1 < len(tops) else len(items)
            entries.append({"p": shared, "k": key[shared:], "v": items[index][1],
                            "t": self._tree(items[index + 1 : end], layer - 1)})
            previous = key
        self.tree_nodes += 1
        return self._block({"l": left, "e": entries})

    def car(self, *, drop: str | None = None) -> bytes:
        """The CAR v1 bytes: header, commit, tree nodes, records (`drop` leaves one record's block out)."""
        self.blocks, self.tree_nodes = [], 0
        items = []
        for key in sorted(self.records):
            link = self._block(self.records[key])
            if key == drop:
                self.blocks.pop()
            items.append((key, link, layer_of(key)))
        root = self._tree(items, max(layer for _, _, layer in items)) if items else self._block({"l": None, "e": []})
        commit = self._block({"did": self.did, "version": 3, "data": root, "rev": "3l2xtmbfxk22c", "prev": None,
                              "sig": bytes(64)})
        header = encode({"version": 1, "roots": [commit]})
        out = bytearray(varint(len(header)) + header)
        for link, data in [self.blocks[-1], *self.blocks[:-1]]:
            out += varint(len(link.raw) + len(data)) + link.raw + data
        return bytes(out)
