"""A Bluesky repository export: a CAR v1 file of DAG-CBOR blocks, its commit and its Merkle search tree.

`com.atproto.sync.getRepo` (and the app's "Export my data") gives a CAR v1 file: a varint-length
header `{version: 1, roots: [commit CID]}`, then blocks, each a varint length, a CID and the block.
The commit names the repository's DID and the root of its Merkle search tree (MST), whose nodes
`{l, e: [{p, k, v, t}]}` map record keys (`collection/rkey`, each key sharing its first `p` bytes
with the key before it) to the CIDs of the records. Every block's sha-256 CID is checked against
its bytes; anything malformed ends the read with one sentence that says where.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sociable.errors import UnreadableFile

_SHA256 = 0x12
_MAX_HEADER = 1 << 20
_MAX_DEPTH = 64
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class UnreadableRepo(UnreadableFile):
    """A file is not a readable CAR v1 repository export."""


class _Malformed(Exception):
    """A fault at a byte offset inside one piece of the file; the caller names the piece."""


@dataclass(frozen=True, slots=True)
class CID:
    """A content identifier, kept as its binary form."""

    raw: bytes

    def __str__(self) -> str:
        if self.raw[:2] == b"\x12\x20":  # CIDv0: base58btc of the multihash
            number, text = int.from_bytes(self.raw, "big"), ""
            while number:
                number, digit = divmod(number, 58)
                text = _BASE58[digit] + text
            return text
        return "b" + base64.b32encode(self.raw).decode("ascii").lower().rstrip("=")

    def digest(self) -> tuple[int, bytes]:
        """(multihash code, digest) of the CID."""
        if self.raw[:2] == b"\x12\x20":
            return _SHA256, self.raw[2:]
        _, pos = _varint(self.raw, 0)
        _, pos = _varint(self.raw, pos)
        code, pos = _varint(self.raw, pos)
        _, pos = _varint(self.raw, pos)
        return code, self.raw[pos:]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 varint at `pos` (at most 9 bytes, as multiformats allows) and the offset after it."""
    value = shift = 0
    for index in range(pos, min(pos + 9, len(data))):
        byte = data[index]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, index + 1
        shift += 7
    if len(data) - pos < 9:
        raise _Malformed(f"it ends inside a varint at byte {pos}")
    raise _Malformed(f"the varint at byte {pos} is longer than 9 bytes")


def _cid(data: bytes, pos: int, limit: int | None = None) -> tuple[CID, int]:
    """A binary CID (v0 or v1) at `pos`, ending by `limit` (default: the end of data), and the offset after it."""
    if data[pos : pos + 2] == b"\x12\x20":
        end = pos + 34
    else:
        version, end = _varint(data, pos)
        if version != 1:
            raise _Malformed(f"the CID at byte {pos} has version {version}; expected 1")
        _, end = _varint(data, end)  # codec
        _, end = _varint(data, end)  # hash code
        length, end = _varint(data, end)
        end += length
    if end > (len(data) if limit is None else limit):
        raise _Malformed(f"it ends inside the CID at byte {pos}")
    return CID(bytes(data[pos:end])), end


class _Decoder:
    """Strict DAG-CBOR: definite lengths only, text map keys, tag 42 (a CID) as the only tag."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def whole(self) -> Any:
        value = self.value(0)
        if self.pos != len(self.data):
            raise _Malformed(f"{len(self.data) - self.pos} bytes follow its value at byte {self.pos}")
        return value

    def take(self, size: int) -> bytes:
        if size > len(self.data) - self.pos:
            raise _Malformed(f"it ends at byte {len(self.data)} inside a value that needs {size} more bytes")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def head(self) -> tuple[int, int, int]:
        start = self.pos
        initial = self.take(1)[0]
        major, info = initial >> 5, initial & 31
        if info < 24:
            return major, info, start
        if info > 27:
            raise _Malformed(f"byte {start} is 0x{initial:02x}: an indefinite length or reserved value, "
                             "which DAG-CBOR does not allow")
        return major, int.from_bytes(self.take(1 << (info - 24)), "big"), start

    def value(self, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise _Malformed(f"values are nested more than {_MAX_DEPTH} deep at byte {self.pos}")
        initial = self.data[self.pos] if self.pos < len(self.data) else None
        major, argument, start = self.head()
        if major == 0:
            return argument
        if major == 1:
            return -1 - argument
        if major == 2:
            return self.take(argument)
        if major == 3:
            try:
                return self.take(argument).decode("utf-8")
            except UnicodeDecodeError:
                raise _Malformed(f"the text at byte {start} is not UTF-8") from None
        if major in (4, 5) and argument > len(self.data) - self.pos:
            raise _Malformed(f"the {'array' if major == 4 else 'map'} at byte {start} claims {argument} entries, "
                             "more than the bytes left")
        if major == 4:
            return [self.value(depth + 1) for _ in range(argument)]
        if major == 5:
            return self.mapping(argument, depth)
        if major == 6:
            return self.link(argument, start)
        return self.simple(initial or 0, argument, start)

    def mapping(self, size: int, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for _ in range(size):
            at = self.pos
            key = self.value(depth + 1)
            if not isinstance(key, str):
                raise _Malformed(f"the map key at byte {at} is not text")
            result[key] = self.value(depth + 1)
        return result

    def link(self, tag: int, start: int) -> CID:
        if tag != 42:
            raise _Malformed(f"the tag at byte {start} is {tag}; DAG-CBOR allows only 42 (a CID)")
        content = self.value(_MAX_DEPTH)
        if not isinstance(content, bytes) or content[:1] != b"\x00" or len(content) < 3:
            raise _Malformed(f"the CID at byte {start} is not a byte string starting with 0x00")
        cid, end = _cid(content, 1)
        if end != len(content):
            raise _Malformed(f"the CID at byte {start} has {len(content) - end} bytes too many")
        return cid

    def simple(self, initial: int, argument: int, start: int) -> Any:
        info = initial & 31
        if info in (20, 21, 22):
            return None if info == 22 else info == 21
        if info in (25, 26, 27):
            fmt = {25: ">e", 26: ">f", 27: ">d"}[info]
            return struct.unpack(fmt, argument.to_bytes(1 << (info - 24), "big"))[0]
        raise _Malformed(f"byte {start} is the simple value {argument}, which DAG-CBOR does not allow")


def decode_dag_cbor(data: bytes) -> Any:
    """One DAG-CBOR value filling `data`; ValueError with the fault's byte offset otherwise."""
    try:
        return _Decoder(data).whole()
    except _Malformed as exc:
        raise ValueError(str(exc)) from None


def is_car(head: bytes) -> bool:
    """True when a file starts like a CAR v1 file: a header length, then a DAG-CBOR map naming roots."""
    try:
        size, pos = _varint(head, 0)
    except _Malformed:
        return False
    start = head[pos : pos + 16]
    return 0 < size < _MAX_HEADER and start[:1] != b"" and start[0] >> 5 == 5 and (b"roots" in start
                                                                                  or b"version" in start)


@dataclass(frozen=True, slots=True)
class Repo:
    """A repository export: its DID, its records (key → CID, in key order) and every block's bytes."""

    did: str
    records: dict[str, CID]
    blocks: Mapping[CID, bytes]
    name: str

    def record(self, key: str) -> Any:
        """The decoded record stored under `collection/rkey`."""
        cid = self.records[key]
        return _decoded(self.blocks, cid, self.name, f"the record {key}")


def read_repo(data: bytes, name: str, collections: Sequence[str] | None = None) -> Repo:
    """A repository export's DID, record keys (of `collections` only, if given) and blocks, from its CAR file."""
    roots, blocks = _read_car(data, name)
    if len(roots) != 1:
        raise UnreadableRepo(f"{name} names {len(roots)} roots; a repository export names one, its commit.")
    commit = _decoded(blocks, roots[0], name, "the commit")
    if not isinstance(commit, Mapping) or not isinstance(commit.get("did"), str) \
            or not isinstance(commit.get("data"), CID):
        raise UnreadableRepo(f"{name} is a CAR file but its root is not a repository commit (did, data); "
                             "export the repository with com.atproto.sync.getRepo.")
    return Repo(commit["did"], dict(_walk(blocks, commit["data"], name, collections)), blocks, name)


def _read_car(data: bytes, name: str) -> tuple[list[CID], dict[CID, bytes]]:
    """The roots and the blocks of a CAR v1 file."""
    try:
        size, pos = _varint(data, 0)
    except _Malformed as exc:
        raise UnreadableRepo(f"{name} is not a CAR file: {exc} where its header length should be.") from None
    if not 0 < size <= min(_MAX_HEADER, len(data) - pos):
        raise UnreadableRepo(f"{name} is not a CAR file: its header length ({size:,} bytes) does not fit the file.")
    try:
        header = decode_dag_cbor(data[pos : pos + size])
    except ValueError as exc:
        raise UnreadableRepo(f"{name} is not a CAR file: its header is not DAG-CBOR ({exc}).") from None
    if not isinstance(header, Mapping) or header.get("version") != 1:
        version = header.get("version") if isinstance(header, Mapping) else None
        raise UnreadableRepo(f"{name} is not a CAR v1 file (its header says version {version!r}); export the "
                             "repository with com.atproto.sync.getRepo, which writes CAR v1.")
    roots = header.get("roots")
    if not isinstance(roots, list) or not all(isinstance(root, CID) for root in roots):
        raise UnreadableRepo(f"{name} is not a CAR file: its header's roots are not a list of CIDs.")
    return roots, _blocks(data, pos + size, name)


def _blocks(data: bytes, pos: int, name: str) -> dict[CID, bytes]:
    blocks: dict[CID, bytes] = {}
    while pos < len(data):
        number = len(blocks) + 1
        try:
            size, start = _varint(data, pos)
            if start + size > len(data):
                raise _Malformed(f"it needs {size:,} bytes from byte {start:,} but ends at byte {len(data):,}")
            cid, body = _cid(data, start, start + size)
        except _Malformed as exc:
            raise UnreadableRepo(f"{name} is cut short or damaged at block {number:,} ({exc}); export the "
                                 "repository again.") from None
        block = data[body : start + size]
        code, digest = cid.digest()
        if code == _SHA256 and hashlib.sha256(block).digest() != digest:
            raise UnreadableRepo(f"block {number:,} of {name} ({cid}) does not match its CID: the file is damaged; "
                                 "export the repository again.")
        blocks[cid] = block
        pos = start + size
    return blocks


def _decoded(blocks: Mapping[CID, bytes], cid: CID, name: str, what: str) -> Any:
    block = blocks.get(cid)
    if block is None:
        raise UnreadableRepo(f"{name} does not hold {what} ({cid}); it is a partial export: export the whole "
                             "repository with com.atproto.sync.getRepo (no 'since').")
    try:
        return decode_dag_cbor(block)
    except ValueError as exc:
        raise UnreadableRepo(f"{what} in {name} ({cid}) is not DAG-CBOR ({exc}).") from None


def _walk(blocks: Mapping[CID, bytes], root: CID, name: str,
          collections: Sequence[str] | None) -> Iterator[tuple[str, CID]]:
    """(key, record CID) of the tree under `root` in key order: left subtree, then each entry and its right subtree.

    With `collections`, subtrees whose key range holds none of their keys are not read at all.
    """
    wanted = [(f"{c}/".encode(), f"{c}0".encode()) for c in collections] if collections is not None else None
    seen: set[CID] = set()
    pending: list[tuple[str, Any, Any]] = [("node", root, (None, None))]
    while pending:
        kind, item, bounds = pending.pop()
        if kind == "entry":  # reached in order
            if wanted is None or any(lo <= item < hi for lo, hi in wanted):
                yield item.decode("utf-8", "replace"), bounds
            continue
        low, high = bounds
        if wanted is not None and not any((low is None or low < hi) and (high is None or high > lo)
                                          for lo, hi in wanted):
            continue
        if item in seen:
            raise UnreadableRepo(f"the tree of {name} reaches the node {item} twice; the file is damaged.")
        seen.add(item)
        pending.extend(reversed(_node_items(blocks, item, low, high, name)))


def _node_items(blocks: Mapping[CID, bytes], cid: CID, low: bytes | None, high: bytes | None,
                name: str) -> list[tuple[str, Any, Any]]:
    """A tree node's subtrees (with the key range each covers) and entries, in key order."""
    node = _decoded(blocks, cid, name, "a tree node")
    entries = node.get("e") if isinstance(node, Mapping) else None
    if not isinstance(entries, list) or not isinstance(node.get("l"), CID | None):
        raise UnreadableRepo(f"the tree node {cid} of {name} is not an MST node (l, e).")
    keys, key = [], b""
    for entry in entries:
        key = _entry_key(entry, key, cid, name)
        keys.append(key)
    items: list[tuple[str, Any, Any]] = []
    if node.get("l") is not None:
        items.append(("node", node["l"], (low, keys[0] if keys else high)))
    for index, (entry, key) in enumerate(zip(entries, keys, strict=True)):
        items.append(("entry", key, entry["v"]))
        if entry.get("t") is not None:
            items.append(("node", entry["t"], (key, keys[index + 1] if index + 1 < len(keys) else high)))
    return items


def _entry_key(entry: Any, previous: bytes, node: CID, name: str) -> bytes:
    """An MST entry's full key: the first `p` bytes of the previous key, then its suffix `k`."""
    if not isinstance(entry, Mapping) or not isinstance(entry.get("p"), int) \
            or not isinstance(entry.get("k"), bytes) or not isinstance(entry.get("v"), CID) \
            or not isinstance(entry.get("t"), CID | None) or not 0 <= entry["p"] <= len(previous):
        raise UnreadableRepo(f"an entry of the tree node {node} of {name} is not an MST entry (p, k, v, t).")
    return previous[: entry["p"]] + entry["k"]
