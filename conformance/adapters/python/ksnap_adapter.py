#!/usr/bin/env python3
"""A minimal KSNAP conformance adapter in Python, standard library only.

It speaks the adapter protocol of spec/conformance.md over stdin and stdout:
one JSON request per line in, one JSON response per line out, in order, and
nothing else on stdout (logs go to stderr). It implements the capabilities

* ``decode``:    a KSNAP metadata file of format 1.0 or 1.1 -> its JSON form (spec/format-v1.md),
* ``encode``:    a JSON form -> the canonical KSNAP file,
* ``read-data``: the entries of a savepoint data file (spec/savepoint-data.md).

Everything a reader needs is here and written out by hand, so that a backend
author can see each rule of the spec in one place: XXH64, the container, a
protobuf wire reader and writer, the JSON-form checks, an LZ4 block decoder and
the savepoint data reader. The module is also importable: the unit tests call
``decode_file``, ``encode_json``, ``read_data`` and ``handle_request`` directly.

Run it as ``python3 ksnap_adapter.py``; see README.md beside it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import struct
import sys
import tempfile
import traceback

ADAPTER_NAME = "ksnap-python-minimal"
ADAPTER_VERSION = "0.1.0"
PROTOCOL_VERSION = 1
CAPABILITIES = ["decode", "encode", "read-data"]
# The newest metadata format versions this adapter reads and writes (spec/conformance.md "Format versions"):
# it reads 1.1 (and every earlier 1.x), and its encoder writes canonical 1.0 files.
FORMATS = {"read": "1.1", "write": "1.0"}

U64_MAX = (1 << 64) - 1
U32_MAX = (1 << 32) - 1


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------

class KsnapError(Exception):
    """A failure with one of the spec's stable error codes (format-v1.md "Errors").

    ``where`` holds the optional location members of the error: ``offset`` (a byte offset in the
    file), ``field`` (a JSON field path such as ``operators[0].parallelism``), ``keyGroup`` and
    ``block`` (for data files). They are sent along with ``code`` and ``message``; the protocol's
    error object allows extra members and they make a failing test's report easier to read.
    """

    def __init__(self, code: str, message: str, **where):
        super().__init__(message)
        self.code = code
        self.message = message
        self.where = {k: v for k, v in where.items() if v is not None}

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message, **self.where}


@contextlib.contextmanager
def field_context(prefix: str):
    """Prefixes the field path of a KsnapError raised inside, e.g. ``operators[2]`` + ``.name``."""
    try:
        yield
    except KsnapError as e:
        inner = e.where.get("field")
        if inner is None:
            e.where["field"] = prefix
        elif inner.startswith("["):
            e.where["field"] = prefix + inner
        else:
            e.where["field"] = prefix + "." + inner
        raise


# --------------------------------------------------------------------------------------------------
# XXH64 (https://github.com/Cyan4973/xxHash/blob/v0.8.2/doc/xxhash_spec.md), seed 0 by default
# --------------------------------------------------------------------------------------------------

_P1 = 0x9E3779B185EBCA87
_P2 = 0xC2B2AE3D27D4EB4F
_P3 = 0x165667B19E3779F9
_P4 = 0x85EBCA77C2B2AE63
_P5 = 0x27D4EB2F165667C5
_M64 = U64_MAX


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M64


def _round(acc: int, lane: int) -> int:
    acc = (acc + lane * _P2) & _M64
    return (_rotl(acc, 31) * _P1) & _M64


def xxh64(data: bytes, seed: int = 0) -> int:
    """XXH64 of ``data`` as an unsigned 64-bit int. Python ints are unbounded: mask after each step."""
    n = len(data)
    pos = 0
    if n >= 32:
        v1 = (seed + _P1 + _P2) & _M64
        v2 = (seed + _P2) & _M64
        v3 = seed
        v4 = (seed - _P1) & _M64
        stripes = n - n % 32
        # iter_unpack reads the 32-byte stripes as four little-endian u64 lanes without slicing.
        for l1, l2, l3, l4 in struct.iter_unpack("<4Q", memoryview(data)[:stripes]):
            v1 = _round(v1, l1)
            v2 = _round(v2, l2)
            v3 = _round(v3, l3)
            v4 = _round(v4, l4)
        pos = stripes
        h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _M64
        for v in (v1, v2, v3, v4):
            h ^= _round(0, v)
            h = (h * _P1 + _P4) & _M64
    else:
        h = (seed + _P5) & _M64
    h = (h + n) & _M64
    while pos + 8 <= n:
        (lane,) = struct.unpack_from("<Q", data, pos)
        h ^= _round(0, lane)
        h = (_rotl(h, 27) * _P1 + _P4) & _M64
        pos += 8
    if pos + 4 <= n:
        (lane,) = struct.unpack_from("<I", data, pos)
        h ^= (lane * _P1) & _M64
        h = (_rotl(h, 23) * _P2 + _P3) & _M64
        pos += 4
    while pos < n:
        h ^= (data[pos] * _P5) & _M64
        h = (_rotl(h, 11) * _P1) & _M64
        pos += 1
    h ^= h >> 33
    h = (h * _P2) & _M64
    h ^= h >> 29
    h = (h * _P3) & _M64
    h ^= h >> 32
    return h


def hash_hex(value: int) -> str:
    """A hash as text: 16 lowercase hex digits, most significant first (format-v1.md "Checksums")."""
    return format(value, "016x")


# --------------------------------------------------------------------------------------------------
# Container (format-v1.md "Container" and "Reading a file")
# --------------------------------------------------------------------------------------------------

MAGIC = b"\x89KSNAP\r\n"
HEADER_SIZE = 24
TRAILER_SIZE = 8
READ_MAJOR = 1
FEATURES_1_1 = 0x1FF  # format 1.0 defines no required-feature bits; 1.1 defines bits 0-8 ("Format 1.1" below)
MAX_FILE_BYTES = 1 << 30  # the reference reader's maxFileBytes; a reader limit, each reader picks its own


def _need(size: int, needed: int, what: str) -> None:
    if size < needed:
        raise KsnapError("TRUNCATED", f"file is {size} bytes, too short to hold the {what} (needs {needed})",
                         offset=size)


def check_magic_and_version(head: bytes, size: int) -> tuple[int, int]:
    """Steps 1 and 2 of "Reading a file" on the first bytes ``head`` of a file of ``size`` bytes.

    They come first because bytes 0..12 are stable across every major version: any reader can say
    what a file is, even one it cannot read.
    """
    for i in range(min(size, len(MAGIC))):
        if head[i] != MAGIC[i]:
            raise KsnapError("BAD_MAGIC", f"not a KSNAP file: byte {i} is 0x{head[i]:02x}, "
                                          f"the magic needs 0x{MAGIC[i]:02x}", offset=i)
    _need(size, len(MAGIC), "magic")
    _need(size, 12, "format version")
    major, minor = struct.unpack_from("<HH", head, 8)
    if major != READ_MAJOR:
        raise KsnapError("UNSUPPORTED_VERSION", f"format version {major}.{minor} is not supported; "
                                                f"this reader reads {READ_MAJOR}.x", offset=8)
    return major, minor


def known_features(minor: int) -> int:
    """The required-feature bits this 1.1 reader knows in a file of format 1.``minor``: the bits the file's own
    version defines, up to 1.1's. A 1.0 file may set none (1.0 defines none), so a 1.0 file with bit 0 set is
    refused, as every 1.0 reader refuses it (vector v1.0/invalid/unknown-required-feature)."""
    return FEATURES_1_1 if minor >= 1 else 0


def unframe(data: bytes) -> tuple[int, int, memoryview]:
    """Checks the whole container in the spec's order; returns (major, minor, body)."""
    major, minor = check_magic_and_version(data[:12], len(data))
    if len(data) > MAX_FILE_BYTES:
        raise KsnapError("LIMIT_EXCEEDED", f"file size {len(data)} exceeds the limit of {MAX_FILE_BYTES} bytes",
                         offset=0)
    # Features come before lengths and checksum: a future feature may change the framing itself.
    _need(len(data), 16, "required-feature flags")
    (features,) = struct.unpack_from("<I", data, 12)
    unknown = features & ~known_features(minor)
    if unknown:
        raise KsnapError("UNKNOWN_REQUIRED_FEATURE", f"required_features 0x{features:08x} has bits 0x{unknown:08x} "
                                                     "this reader does not understand", offset=12)
    _need(len(data), HEADER_SIZE + TRAILER_SIZE, "header and checksum")
    (body_length,) = struct.unpack_from("<Q", data, 16)
    available = len(data) - HEADER_SIZE - TRAILER_SIZE
    if body_length > available:
        raise KsnapError("TRUNCATED", f"body length {body_length} exceeds the {available} bytes between "
                                      "header and checksum", offset=16)
    if body_length < available:
        raise KsnapError("TRAILING_BYTES", f"body length {body_length} leaves {available - body_length} "
                                           "unexplained bytes before the checksum", offset=16)
    end = HEADER_SIZE + body_length
    (stored,) = struct.unpack_from("<Q", data, end)
    computed = xxh64(memoryview(data)[:end])
    if stored != computed:
        raise KsnapError("CHECKSUM_MISMATCH", f"stored xxh64 {hash_hex(stored)} differs from the computed "
                                              f"{hash_hex(computed)} of bytes 0..{end}", offset=end)
    return major, minor, memoryview(data)[HEADER_SIZE:end]


def frame_body(body: bytes) -> bytes:
    """Wraps a body as a 1.0 file: header (major 1, minor 0, no features), body, XXH64 trailer."""
    header = MAGIC + struct.pack("<HHIQ", 1, 0, 0, len(body))
    covered = header + body
    return covered + struct.pack("<Q", xxh64(covered))


# --------------------------------------------------------------------------------------------------
# Protobuf wire reader (format-v1.md "What a decoder accepts and rejects")
# --------------------------------------------------------------------------------------------------

VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5
WIRE_NAMES = {VARINT: "varint", I64: "fixed64", LEN: "length-delimited", SGROUP: "start-group",
              EGROUP: "end-group", I32: "fixed32"}


class WireReader:
    """Reads protobuf wire data from ``buf``. Every read takes ``end``, the end of the enclosing
    message, and never reads past it: a value that would run past it is MALFORMED_BODY. That one
    rule covers truncated varints, lengths past the end and lengths of 2^32 or more."""

    def __init__(self, buf, base: int):
        self.buf = buf
        self.pos = 0
        self.base = base  # offset of buf in the file, so that errors report file offsets

    def malformed(self, message: str, at: int | None = None) -> KsnapError:
        return KsnapError("MALFORMED_BODY", message, offset=self.base + (self.pos if at is None else at))

    def varint(self, end: int) -> int:
        """A varint of at most 10 bytes and 64 bits; non-minimal encodings are accepted."""
        buf, pos = self.buf, self.pos
        value = 0
        for i in range(10):
            if pos >= end:
                raise self.malformed("varint runs past the end of its message")
            b = buf[pos]
            pos += 1
            value |= (b & 0x7F) << (7 * i)
            if b < 0x80:
                # The 10th byte may only hold bit 63: anything more overflows 64 bits.
                if i == 9 and b > 1:
                    break
                self.pos = pos
                return value
        raise self.malformed("varint is longer than 10 bytes or overflows 64 bits")

    def length_end(self, end: int) -> int:
        """Reads a length prefix; returns where the delimited bytes end. The full 64-bit length is
        compared, never a 32-bit cut of it (a cut would turn 2^32 + 1 into 1)."""
        at = self.pos
        length = self.varint(end)
        if length > end - self.pos:
            raise self.malformed(f"length {length} exceeds the {end - self.pos} bytes left in the message", at)
        return self.pos + length

    def fixed(self, end: int, size: int) -> int:
        if self.pos + size > end:
            raise self.malformed(f"a fixed{size * 8} value needs {size} bytes, {end - self.pos} are left")
        value = int.from_bytes(self.buf[self.pos:self.pos + size], "little")
        self.pos += size
        return value

    def fields(self, end: int):
        """Yields (field number, wire type) for each field of the message ending at ``end``; the
        caller reads or skips each value before asking for the next field."""
        while self.pos < end:
            at = self.pos
            tag = self.tag(end)
            number, wire_type = tag >> 3, tag & 7
            if number == 0:
                raise self.malformed("field number 0 is not allowed", at)
            if wire_type in (6, 7):
                raise self.malformed(f"wire type {wire_type} does not exist", at)
            if wire_type == EGROUP:
                raise self.malformed("an end-group tag without a start-group tag", at)
            yield number, wire_type

    def tag(self, end: int) -> int:
        """A tag is a uint32 (field numbers end at 2^29 - 1): a varint of 2^32 or more is
        MALFORMED_BODY, never cut to 32 bits (2^32 + 8 would become field 1)."""
        at = self.pos
        tag = self.varint(end)
        if tag > U32_MAX:
            raise self.malformed("tag of 2^32 or more: field numbers end at 2^29 - 1", at)
        return tag

    def skip(self, wire_type: int, end: int, number: int) -> None:
        """Skips the value of an unknown field (how later minors stay readable by this reader)."""
        if wire_type == VARINT:
            self.varint(end)  # unknown varints obey the same 10-byte, 64-bit rule as known ones
        elif wire_type == I64:
            self.fixed(end, 8)
        elif wire_type == I32:
            self.fixed(end, 4)
        elif wire_type == LEN:
            self.pos = self.length_end(end)
        elif wire_type == SGROUP:
            self.skip_group(end, number)
        else:  # fields() already rejected 4, 6 and 7
            raise self.malformed(f"wire type {wire_type} cannot be skipped")

    def skip_group(self, end: int, number: int) -> None:
        """Skips a (deprecated but valid) group up to its matching end-group tag. Iterative, with a
        stack of open groups, so that deeply nested groups cannot exhaust Python's recursion."""
        open_groups = [number]
        while open_groups:
            if self.pos >= end:
                raise self.malformed(f"group {open_groups[-1]} has no end-group tag before the end of its message")
            at = self.pos
            tag = self.tag(end)
            inner, wire_type = tag >> 3, tag & 7
            if inner == 0 or wire_type in (6, 7):
                raise self.malformed(f"invalid tag {tag} inside a group", at)
            if wire_type == EGROUP:
                if inner != open_groups[-1]:
                    raise self.malformed(f"end-group tag {inner} closes group {open_groups[-1]}", at)
                open_groups.pop()
            elif wire_type == SGROUP:
                open_groups.append(inner)
            else:
                self.skip(wire_type, end, inner)

    # Typed reads of known fields. Each checks the wire type first: a known field with a wire type
    # its type does not allow is MALFORMED_BODY.

    def expect(self, wire_type: int, wanted: int, field: str) -> None:
        if wire_type != wanted:
            raise self.malformed(f"{field} has wire type {WIRE_NAMES[wire_type]}, expected {WIRE_NAMES[wanted]}")

    def uint64(self, wire_type: int, end: int, field: str) -> int:
        self.expect(wire_type, VARINT, field)
        return self.varint(end)

    def uint32(self, wire_type: int, end: int, field: str) -> int:
        # A larger varint is accepted and cut to its low 32 bits, as protobuf does.
        return self.uint64(wire_type, end, field) & U32_MAX

    def boolean(self, wire_type: int, end: int, field: str) -> bool:
        # Any non-zero varint is true, whatever its width: 2^32 is true although its low 32 bits are 0.
        return self.uint64(wire_type, end, field) != 0

    def enum(self, wire_type: int, end: int, names: dict, field: str, path: str):
        """An enum as its JSON name, or None for 0 (absent). An undefined number is INVALID_FIELD.
        The whole varint is the number: 2^32 + 1 is undefined, never cut to 1."""
        at = self.pos
        number = self.uint64(wire_type, end, field)
        if number == 0:
            return None
        if number not in names:
            raise KsnapError("INVALID_FIELD", f"{field} {number} is not a value this format version defines",
                             offset=self.base + at, field=path)
        return names[number]

    def fixed64(self, wire_type: int, end: int, field: str) -> int:
        self.expect(wire_type, I64, field)
        return self.fixed(end, 8)

    def string(self, wire_type: int, end: int, max_bytes: int, field: str, path: str) -> str:
        """A string, checked against its byte limit (INVALID_FIELD) and for UTF-8 (MALFORMED_BODY)."""
        self.expect(wire_type, LEN, field)
        at = self.pos
        stop = self.length_end(end)
        if stop - self.pos > max_bytes:
            raise KsnapError("INVALID_FIELD", f"{field} is {stop - self.pos} bytes; at most {max_bytes} are allowed",
                             offset=self.base + at, field=path)
        raw = bytes(self.buf[self.pos:stop])
        try:
            text = raw.decode("utf-8")  # strict: rejects overlong forms, surrogates and cut sequences
        except UnicodeDecodeError as e:
            raise KsnapError("MALFORMED_BODY", f"{field} is not valid UTF-8 ({e.reason})",
                             offset=self.base + self.pos + e.start, field=path) from None
        self.pos = stop
        return text

    def message_end(self, wire_type: int, end: int, field: str) -> int:
        self.expect(wire_type, LEN, field)
        return self.length_end(end)


# --------------------------------------------------------------------------------------------------
# Snapshot body -> JSON form (format-v1.md "Messages" and "JSON form")
# --------------------------------------------------------------------------------------------------

KINDS = {1: "checkpoint", 2: "savepoint"}
SHARINGS = {1: "none", 2: "forward", 3: "forward-backward"}
OWNERSHIPS = {1: "system", 2: "user"}

MAX_ID_BYTES = 256        # operator_id, backend_id, job_id, file id
MAX_TEXT_BYTES = 4096     # path, folder, snapshot_dir, name
MAX_KEY_GROUPS = 32768    # max_parallelism and offsets per handle


def missing(r: WireReader, what: str, path: str) -> KsnapError:
    return KsnapError("MISSING_FIELD", f"{what} is required and is absent or zero",
                      offset=r.base + r.pos, field=path)


def once(r: WireReader, seen, what: str) -> None:
    """protobuf merges a singular message field that occurs twice; KSNAP forbids it instead, so that
    readers need not implement merging."""
    if seen is not None:
        raise r.malformed(f"{what} occurs more than once")


def decode_body(body, base: int = HEADER_SIZE) -> dict:
    """Decodes a Snapshot body into the JSON form (without formatVersion)."""
    r = WireReader(body, base)
    return read_snapshot(r, len(body))


def read_snapshot(r: WireReader, end: int) -> dict:
    snapshot_id = max_parallelism = timestamp = 0
    kind = properties = None
    snapshot_dir = job_id = ""
    operators = []
    added = {}  # the 1.1 members that are set (read_snapshot_1_1)
    for number, wt in r.fields(end):
        if number == 1:
            snapshot_id = r.uint64(wt, end, "snapshot_id")
        elif number == 2:
            kind = r.enum(wt, end, KINDS, "kind", "kind")
        elif number == 3:
            sub = r.message_end(wt, end, "properties")
            once(r, properties, "properties")
            with field_context("properties"):
                properties = read_properties(r, sub)
        elif number == 4:
            max_parallelism = r.uint32(wt, end, "max_parallelism")
        elif number == 5:
            sub = r.message_end(wt, end, "operators")
            with field_context(f"operators[{len(operators)}]"):
                operators.append(read_operator(r, sub))
        elif number == 6:
            snapshot_dir = r.string(wt, end, MAX_TEXT_BYTES, "snapshot_dir", "snapshotDir")
        elif number == 7:
            job_id = r.string(wt, end, MAX_ID_BYTES, "job_id", "jobId")
        elif number == 8:
            timestamp = r.uint64(wt, end, "timestamp_millis")
        elif number in (15, 16):
            read_snapshot_1_1(r, number, wt, end, added)
        else:
            r.skip(wt, end, number)
    if snapshot_id == 0:
        raise missing(r, "snapshot_id", "snapshotId")
    if kind is None:
        raise missing(r, "kind", "kind")
    if properties is None:
        raise missing(r, "properties", "properties")
    if max_parallelism == 0:
        raise missing(r, "max_parallelism", "maxParallelism")
    if max_parallelism > MAX_KEY_GROUPS:
        raise KsnapError("INVALID_FIELD", f"max_parallelism {max_parallelism} exceeds {MAX_KEY_GROUPS}",
                         field="maxParallelism")
    return {
        "snapshotId": str(snapshot_id), "kind": kind, "properties": properties,
        "maxParallelism": max_parallelism, "snapshotDir": snapshot_dir, "jobId": job_id,
        "timestampMillis": str(timestamp), "operators": operators, **added,
    }


def read_properties(r: WireReader, end: int) -> dict:
    incremental = key_group_aware = False
    sharing = ownership = None
    for number, wt in r.fields(end):
        if number == 1:
            incremental = r.boolean(wt, end, "incremental")
        elif number == 2:
            key_group_aware = r.boolean(wt, end, "key_group_aware")
        elif number == 3:
            sharing = r.enum(wt, end, SHARINGS, "sharing", "sharing")
        elif number == 4:
            ownership = r.enum(wt, end, OWNERSHIPS, "ownership", "ownership")
        else:
            r.skip(wt, end, number)
    if sharing is None:
        raise missing(r, "sharing", "sharing")
    if ownership is None:
        raise missing(r, "ownership", "ownership")
    return {"incremental": incremental, "keyGroupAware": key_group_aware, "sharing": sharing, "ownership": ownership}


def read_operator(r: WireReader, end: int) -> dict:
    operator_id = name = ""
    parallelism = 0
    subtasks = []
    added = {}  # the 1.1 members that are set (read_operator_1_1)
    for number, wt in r.fields(end):
        if number == 1:
            operator_id = r.string(wt, end, MAX_ID_BYTES, "operator_id", "operatorId")
        elif number == 2:
            name = r.string(wt, end, MAX_TEXT_BYTES, "name", "name")
        elif number == 3:
            parallelism = r.uint32(wt, end, "parallelism")
        elif number == 4:
            sub = r.message_end(wt, end, "subtasks")
            with field_context(f"subtasks[{len(subtasks)}]"):
                subtasks.append(read_subtask(r, sub))
        elif number in (11, 12, 13, 14):
            read_operator_1_1(r, number, wt, end, added)
        else:
            r.skip(wt, end, number)
    if operator_id == "":
        raise missing(r, "operator_id", "operatorId")
    if parallelism == 0:
        raise missing(r, "parallelism", "parallelism")
    return {"operatorId": operator_id, "name": name, "parallelism": parallelism, "subtasks": subtasks, **added}


def read_subtask(r: WireReader, end: int) -> dict:
    subtask_index = 0
    handles = []
    added = {}  # the 1.1 members that are set (read_subtask_1_1)
    for number, wt in r.fields(end):
        if number == 1:
            subtask_index = r.uint32(wt, end, "subtask_index")
        elif number == 2:
            sub = r.message_end(wt, end, "handles")
            with field_context(f"handles[{len(handles)}]"):
                handles.append(read_handle(r, sub))
        elif number in (9, 10, 11, 12, 13):
            read_subtask_1_1(r, number, wt, end, added)
        else:
            r.skip(wt, end, number)
    return {"subtaskIndex": subtask_index, "handles": handles, **added}


def read_handle(r: WireReader, end: int) -> dict:
    """KeyedStateHandle: a oneof of the variants in HANDLE_VARIANTS (1.0: fields 1 incremental and 2
    savepoint; 1.1 adds 3, 4 and 5). Exactly one must occur once; other fields (a variant of a later
    version, say) are skipped like any unknown field."""
    handle = None
    for number, wt in r.fields(end):
        if number not in HANDLE_VARIANTS:
            r.skip(wt, end, number)
            continue
        r.expect(wt, LEN, "handle variant")
        if handle is not None:
            raise KsnapError("INVALID_FIELD", "more than one variant of the handle oneof is set",
                             offset=r.base + r.pos)
        sub = r.length_end(end)
        name, read_variant = HANDLE_VARIANTS[number]
        with field_context(name):
            handle = read_variant(r, sub)
    if handle is None:
        raise KsnapError("MISSING_FIELD", "the handle sets no variant this reader knows "
                                          f"({', '.join(name for name, _ in HANDLE_VARIANTS.values())})",
                         offset=r.base + r.pos)
    return handle


def read_key_groups(r: WireReader, end: int) -> dict:
    start = count = 0
    for number, wt in r.fields(end):
        if number == 1:
            start = r.uint32(wt, end, "start")
        elif number == 2:
            count = r.uint32(wt, end, "count")
        else:
            r.skip(wt, end, number)
    return {"start": start, "count": count}


def read_incremental(r: WireReader, end: int) -> dict:
    backend_id = folder = ""
    checkpoint_id = base_checkpoint_id = state_size = checkpointed_size = 0
    key_groups = meta_file = None
    shared_files, private_files = [], []
    for number, wt in r.fields(end):
        if number == 1:
            backend_id = r.string(wt, end, MAX_ID_BYTES, "backend_id", "backendId")
        elif number == 2:
            sub = r.message_end(wt, end, "key_groups")
            once(r, key_groups, "key_groups")
            key_groups = read_key_groups(r, sub)
        elif number == 3:
            folder = r.string(wt, end, MAX_TEXT_BYTES, "folder", "folder")
        elif number == 4:
            checkpoint_id = r.uint64(wt, end, "checkpoint_id")
        elif number == 5:
            base_checkpoint_id = r.uint64(wt, end, "base_checkpoint_id")
        elif number == 6:
            sub = r.message_end(wt, end, "shared_files")
            with field_context(f"sharedFiles[{len(shared_files)}]"):
                shared_files.append(read_file_ref(r, sub, shared=True))
        elif number == 7:
            sub = r.message_end(wt, end, "private_files")
            with field_context(f"privateFiles[{len(private_files)}]"):
                private_files.append(read_file_ref(r, sub, shared=False))
        elif number == 8:
            sub = r.message_end(wt, end, "meta_file")
            once(r, meta_file, "meta_file")
            with field_context("metaFile"):
                meta_file = read_file_ref(r, sub, shared=False)
        elif number == 9:
            state_size = r.uint64(wt, end, "state_size")
        elif number == 10:
            checkpointed_size = r.uint64(wt, end, "checkpointed_size")
        else:
            r.skip(wt, end, number)
    if backend_id == "":
        raise missing(r, "backend_id", "backendId")
    if key_groups is None:
        raise missing(r, "key_groups", "keyGroups")
    if folder == "":
        raise missing(r, "folder", "folder")
    if checkpoint_id == 0:
        raise missing(r, "checkpoint_id", "checkpointId")
    if meta_file is None:
        raise missing(r, "meta_file", "metaFile")
    return {
        "type": "incremental", "backendId": backend_id, "keyGroups": key_groups, "folder": folder,
        "checkpointId": str(checkpoint_id), "baseCheckpointId": str(base_checkpoint_id),
        "sharedFiles": shared_files, "privateFiles": private_files, "metaFile": meta_file,
        "stateSize": str(state_size), "checkpointedSize": str(checkpointed_size),
    }


def read_savepoint(r: WireReader, end: int) -> dict:
    key_groups = data_file = None
    offsets: list[int] = []
    for number, wt in r.fields(end):
        if number == 1:
            sub = r.message_end(wt, end, "key_groups")
            once(r, key_groups, "key_groups")
            key_groups = read_key_groups(r, sub)
        elif number == 2:
            sub = r.message_end(wt, end, "data_file")
            once(r, data_file, "data_file")
            with field_context("dataFile"):
                data_file = read_file_ref(r, sub, shared=False)
        elif number == 3:
            read_offsets(r, wt, end, offsets)
        else:
            r.skip(wt, end, number)
    if key_groups is None:
        raise missing(r, "key_groups", "keyGroups")
    if data_file is None:
        raise missing(r, "data_file", "dataFile")
    return {"type": "savepoint", "keyGroups": key_groups, "dataFile": data_file,
            "offsets": [str(o) for o in offsets]}


# The variants of KeyedStateHandle's oneof: field number -> (name in error paths, reader). Format 1.1 adds
# fields 10, 11 and 12 (HANDLE_VARIANTS.update in "Format 1.1" below).
HANDLE_VARIANTS = {1: ("incremental", read_incremental), 2: ("savepoint", read_savepoint)}


def read_offsets(r: WireReader, wt: int, end: int, offsets: list, limit: int = MAX_KEY_GROUPS) -> None:
    """Repeated uint64 offsets: one unpacked value (wire type 0) or a packed run (wire type 2).
    A file may mix both and split the packed form into several runs; all append in order. More than
    ``limit`` values in all is INVALID_FIELD."""
    if wt == VARINT:
        values_end = None
    else:
        r.expect(wt, LEN, "offsets")
        values_end = r.length_end(end)
    while True:
        if len(offsets) == limit:
            raise KsnapError("INVALID_FIELD", f"more than {limit} offsets",
                             offset=r.base + r.pos, field="offsets")
        offsets.append(r.varint(end if values_end is None else values_end))
        if values_end is None or r.pos >= values_end:
            return


def read_file_ref(r: WireReader, end: int, shared: bool) -> dict:
    """FileRef, or SharedFileRef when ``shared``: the same fields 1-4, plus the required field 5
    (origin_checkpoint_id). The 1.1 local_name is field 11 of FileRef and 12 of SharedFileRef, past the
    numbers released vectors use as unknown fields. JSON: ``localName`` only when not empty."""
    file_id = path = local_name = ""
    size = xxh = origin = 0
    for number, wt in r.fields(end):
        if number == 1:
            file_id = r.string(wt, end, MAX_ID_BYTES, "file id", "id")
        elif number == 2:
            path = r.string(wt, end, MAX_TEXT_BYTES, "file path", "path")
        elif number == 3:
            size = r.uint64(wt, end, "size")
        elif number == 4:
            xxh = r.fixed64(wt, end, "xxh64")
        elif number == 5 and shared:
            origin = r.uint64(wt, end, "origin_checkpoint_id")
        elif number == (12 if shared else 11):
            local_name = read_local_name(r, wt, end)
        else:
            r.skip(wt, end, number)
    if file_id == "":
        raise missing(r, "file id", "id")
    if path == "":
        raise missing(r, "file path", "path")
    ref = {"id": file_id, "path": path, "size": str(size), "xxh64": hash_hex(xxh)}
    if shared:
        if origin == 0:
            raise missing(r, "origin_checkpoint_id", "originCheckpointId")
        ref["originCheckpointId"] = str(origin)
    return with_optional(ref, localName=local_name)


# --------------------------------------------------------------------------------------------------
# Format 1.1 additions (schemas/ksnap/v1/snapshot.proto, the fields and messages marked "1.1")
# --------------------------------------------------------------------------------------------------
#
# Each 1.0 message reader hands its 1.1 fields to a read_*_1_1 function, which adds the members that are
# set to ``added``: a 1.1 member appears in the JSON form only when it holds something, so a 1.0 file
# prints exactly as a 1.0 reader prints it. Objects that are new in 1.1 print every member (see
# PRINT_DEFAULTS_IN_1_1_OBJECTS). Which required-feature bits the structures need is checked once the
# whole body is decoded (check_required_features).

FEATURE_OPERATOR_STATE = 1 << 0                  # managed_operator_state or raw_operator_state
FEATURE_RAW_KEYED_STATE = 1 << 1                 # raw_keyed_handles
FEATURE_SEGMENTS = 1 << 2                        # a StreamRef.segment
FEATURE_STREAM_HANDLES = 1 << 3                  # keyed variant stream_incremental or key_groups_stream
FEATURE_OPAQUE_HANDLES = 1 << 4                  # keyed variant opaque, or channel_state
FEATURE_COORDINATOR_AND_MASTER_STATE = 1 << 5    # coordinator_state or master_states
FEATURE_EXTERNAL_REFS = 1 << 6                   # a StreamRef.external
FEATURE_FINISHED_MARKERS = 1 << 7                # an operator or subtask finished
FEATURE_OPERATOR_MAX_PARALLELISM = 1 << 8        # an operator max_parallelism not 0 and not the snapshot's
FEATURE_NAMES = {
    FEATURE_OPERATOR_STATE: "OPERATOR_STATE", FEATURE_RAW_KEYED_STATE: "RAW_KEYED_STATE",
    FEATURE_SEGMENTS: "SEGMENTS", FEATURE_STREAM_HANDLES: "STREAM_HANDLES", FEATURE_OPAQUE_HANDLES: "OPAQUE_HANDLES",
    FEATURE_COORDINATOR_AND_MASTER_STATE: "COORDINATOR_AND_MASTER_STATE", FEATURE_EXTERNAL_REFS: "EXTERNAL_REFS",
    FEATURE_FINISHED_MARKERS: "FINISHED_MARKERS", FEATURE_OPERATOR_MAX_PARALLELISM: "OPERATOR_MAX_PARALLELISM",
}

MAX_PAYLOAD_BYTES = 1 << 20          # InlineBytes.data, OpaqueHandle.payload, MasterState.payload (1 MiB)
MAX_LOCAL_NAME_BYTES = 255           # local_name of FileRef, SharedFileRef and StreamRef
MAX_OPERATOR_STATE_OFFSETS = 1 << 24  # offsets of one NamedOperatorState
# kind, data_format, system and a segment's id are MAX_ID_BYTES (256); name, uri, uid, path MAX_TEXT_BYTES (4096).

SEGMENT_SCOPES = {1: "exclusive", 2: "shared"}
DISTRIBUTION_MODES = {1: "split-distribute", 2: "union", 3: "broadcast"}

# The JSON form's one open choice for 1.1: whether the members of objects new in 1.1 (streams, the new
# handles, operator state, master state, source) are printed when they hold their default ("0", "",
# [], 0). True applies 1.0's rule, "every field, including defaults"; set it to False to print them
# only when set. Either way the members marked optional below (with_optional) appear only when set.
PRINT_DEFAULTS_IN_1_1_OBJECTS = True
ZERO_HASH = "0" * 16
DEFAULTS_IN_1_1_OBJECTS = {
    "size": "0", "xxh64": ZERO_HASH, "offset": "0", "length": "0", "folder": "", "baseCheckpointId": "0",
    "sharedFiles": [], "privateFiles": [], "stateSize": "0", "checkpointedSize": "0", "offsets": [], "files": [],
    "payload": "", "states": [], "version": 0, "formatVersion": 0, "checkpointId": "0",
}


def object_1_1(members: dict) -> dict:
    """A JSON object new in 1.1, with or without its default members (PRINT_DEFAULTS_IN_1_1_OBJECTS)."""
    if PRINT_DEFAULTS_IN_1_1_OBJECTS:
        return members
    return {k: v for k, v in members.items() if k not in DEFAULTS_IN_1_1_OBJECTS or v != DEFAULTS_IN_1_1_OBJECTS[k]}


def with_optional(obj: dict, **members) -> dict:
    """``obj`` plus the given members that are set (not "", None, 0 or false): ignorable 1.1 members such as
    ``localName``, which appear in the JSON form only when a file holds them."""
    obj.update({k: v for k, v in members.items() if v})
    return obj


def set_member(added: dict, name: str, value) -> None:
    """A 1.1 scalar: the last occurrence wins, as in protobuf; a default value leaves the member out."""
    if value:
        added[name] = value
    else:
        added.pop(name, None)


def base64_text(data: bytes) -> str:
    """Bytes in the JSON form: padded base64 (RFC 4648, section 4)."""
    return base64.b64encode(data).decode("ascii")


def read_bytes(r: WireReader, wt: int, end: int, max_bytes: int, field: str, path: str) -> bytes:
    """A bytes field, its length checked against ``max_bytes`` (INVALID_FIELD) before it is copied."""
    r.expect(wt, LEN, field)
    at = r.pos
    stop = r.length_end(end)
    if stop - r.pos > max_bytes:
        raise KsnapError("INVALID_FIELD", f"{field} is {stop - r.pos} bytes; at most {max_bytes} are allowed",
                         offset=r.base + at, field=path)
    data = bytes(r.buf[r.pos:stop])
    r.pos = stop
    return data


def read_int32(r: WireReader, wt: int, end: int, field: str) -> int:
    """An int32: a varint whose low 32 bits are two's complement. Writers sign-extend a negative value to
    64 bits, so it takes 10 bytes; the high bits are dropped, as protobuf does."""
    value = r.uint64(wt, end, field) & U32_MAX
    return value - (1 << 32) if value >= 1 << 31 else value


def read_local_name(r: WireReader, wt: int, end: int) -> str:
    return r.string(wt, end, MAX_LOCAL_NAME_BYTES, "local_name", "localName")


def read_enum_required(r: WireReader, wt: int, end: int, names: dict, field: str, path: str) -> str:
    """A required enum: 0 is MISSING_FIELD, a number the format does not define INVALID_FIELD."""
    value = r.enum(wt, end, names, field, path)
    if value is None:
        raise missing(r, field, path)
    return value


# ---- Snapshot, OperatorState and SubtaskState: their 1.1 fields ----

def read_snapshot_1_1(r: WireReader, number: int, wt: int, end: int, added: dict) -> None:
    """Snapshot 15 master_states, 16 source."""
    if number == 15:
        sub = r.message_end(wt, end, "master_states")
        states = added.setdefault("masterStates", [])
        with field_context(f"masterStates[{len(states)}]"):
            states.append(read_master_state(r, sub))
    else:
        sub = r.message_end(wt, end, "source")
        once(r, added.get("source"), "source")
        with field_context("source"):
            added["source"] = read_source(r, sub)


def read_operator_1_1(r: WireReader, number: int, wt: int, end: int, added: dict) -> None:
    """OperatorState 11 max_parallelism, 12 uid, 13 coordinator_state, 14 finished."""
    if number == 11:
        at = r.pos
        max_parallelism = r.uint32(wt, end, "max_parallelism")
        if max_parallelism > MAX_KEY_GROUPS:
            raise KsnapError("INVALID_FIELD", f"max_parallelism {max_parallelism} exceeds {MAX_KEY_GROUPS}",
                             offset=r.base + at, field="maxParallelism")
        set_member(added, "maxParallelism", max_parallelism)
    elif number == 12:
        set_member(added, "uid", r.string(wt, end, MAX_TEXT_BYTES, "uid", "uid"))
    elif number == 13:
        sub = r.message_end(wt, end, "coordinator_state")
        once(r, added.get("coordinatorState"), "coordinator_state")
        with field_context("coordinatorState"):
            added["coordinatorState"] = read_stream(r, sub)
    else:
        set_member(added, "finished", r.boolean(wt, end, "finished"))


def read_subtask_1_1(r: WireReader, number: int, wt: int, end: int, added: dict) -> None:
    """SubtaskState 9 managed_operator_state, 10 raw_operator_state, 11 raw_keyed_handles, 12 channel_state,
    13 finished."""
    if number in (9, 10):
        name = "managedOperatorState" if number == 9 else "rawOperatorState"
        sub = r.message_end(wt, end, name)
        once(r, added.get(name), name)
        with field_context(name):
            added[name] = read_operator_state_handle(r, sub)
    elif number == 11:
        sub = r.message_end(wt, end, "raw_keyed_handles")
        handles = added.setdefault("rawKeyedHandles", [])
        with field_context(f"rawKeyedHandles[{len(handles)}]"):
            handles.append(read_handle(r, sub))
    elif number == 12:
        sub = r.message_end(wt, end, "channel_state")
        channel_state = added.setdefault("channelState", [])
        with field_context(f"channelState[{len(channel_state)}]"):
            channel_state.append(read_opaque(r, sub, keyed=False))
    else:
        set_member(added, "finished", r.boolean(wt, end, "finished"))


# ---- Streams: where state bytes are ----

def read_stream(r: WireReader, end: int) -> dict:
    """StreamRef: a oneof of STREAM_TARGETS, plus local_name. Exactly one target must occur, once."""
    stream = None
    local_name = ""
    for number, wt in r.fields(end):
        if number in STREAM_TARGETS:
            r.expect(wt, LEN, "stream target")
            if stream is not None:
                raise KsnapError("INVALID_FIELD", "more than one target of the stream oneof is set",
                                 offset=r.base + r.pos)
            sub = r.length_end(end)
            name, read_target = STREAM_TARGETS[number]
            with field_context(name):
                stream = read_target(r, sub)
        elif number == 5:
            local_name = read_local_name(r, wt, end)
        else:
            r.skip(wt, end, number)
    if stream is None:
        raise KsnapError("MISSING_FIELD", "the stream sets no target (file, segment, inline or external)",
                         offset=r.base + r.pos)
    return with_optional(stream, localName=local_name)


def read_file_stream(r: WireReader, end: int) -> dict:
    """StreamRef.file: a 1.0 FileRef whose local_name must be empty (the StreamRef's holds it)."""
    at = r.pos
    ref = read_file_ref(r, end, shared=False)
    if "localName" in ref:
        raise KsnapError("INVALID_FIELD", "a FileRef inside a StreamRef has a local_name; only the StreamRef's "
                                          "local_name may be set", offset=r.base + at, field="localName")
    return object_1_1({"type": "file", **ref})


def read_segment(r: WireReader, end: int) -> dict:
    segment_id = path = logical_id = ""
    offset = length = xxh = 0
    scope = None
    for number, wt in r.fields(end):
        if number == 1:
            segment_id = r.string(wt, end, MAX_ID_BYTES, "segment id", "id")
        elif number == 2:
            path = r.string(wt, end, MAX_TEXT_BYTES, "segment path", "path")
        elif number == 3:
            offset = r.uint64(wt, end, "offset")
        elif number == 4:
            length = r.uint64(wt, end, "length")
        elif number == 5:
            scope = r.enum(wt, end, SEGMENT_SCOPES, "scope", "scope")
        elif number == 6:
            xxh = r.fixed64(wt, end, "xxh64")
        elif number == 7:
            logical_id = r.string(wt, end, MAX_TEXT_BYTES, "logical_id", "logicalId")
        else:
            r.skip(wt, end, number)
    if segment_id == "":
        raise missing(r, "segment id", "id")
    if path == "":
        raise missing(r, "segment path", "path")
    if scope is None:
        raise missing(r, "scope", "scope")
    segment = object_1_1({"type": "segment", "id": segment_id, "path": path, "offset": str(offset),
                          "length": str(length), "scope": scope, "xxh64": hash_hex(xxh)})
    return with_optional(segment, logicalId=logical_id)


def read_inline(r: WireReader, end: int) -> dict:
    data = b""
    name = ""
    for number, wt in r.fields(end):
        if number == 1:
            data = read_bytes(r, wt, end, MAX_PAYLOAD_BYTES, "inline data", "data")
        elif number == 2:
            name = r.string(wt, end, MAX_TEXT_BYTES, "inline name", "name")
        else:
            r.skip(wt, end, number)
    return with_optional(object_1_1({"type": "inline", "data": base64_text(data)}), name=name)


def read_external(r: WireReader, end: int) -> dict:
    uri = ""
    size = xxh = 0
    for number, wt in r.fields(end):
        if number == 1:
            uri = r.string(wt, end, MAX_TEXT_BYTES, "uri", "uri")
        elif number == 2:
            size = r.uint64(wt, end, "size")
        elif number == 3:
            xxh = r.fixed64(wt, end, "xxh64")
        else:
            r.skip(wt, end, number)
    if uri == "":
        raise missing(r, "uri", "uri")
    return object_1_1({"type": "external", "uri": uri, "size": str(size), "xxh64": hash_hex(xxh)})


# StreamRef's oneof: field number -> (name in error paths, reader).
STREAM_TARGETS = {1: ("file", read_file_stream), 2: ("segment", read_segment), 3: ("inline", read_inline),
                  4: ("external", read_external)}


def read_shared_stream(r: WireReader, end: int) -> dict:
    """SharedStreamRef: in JSON, the stream's object plus originCheckpointId."""
    stream = None
    origin = 0
    for number, wt in r.fields(end):
        if number == 1:
            sub = r.message_end(wt, end, "ref")
            once(r, stream, "ref")
            stream = read_stream(r, sub)
        elif number == 2:
            origin = r.uint64(wt, end, "origin_checkpoint_id")
        else:
            r.skip(wt, end, number)
    if stream is None:
        raise missing(r, "ref", "ref")
    if origin == 0:
        raise missing(r, "origin_checkpoint_id", "originCheckpointId")
    return {**stream, "originCheckpointId": str(origin)}


def read_stream_list(r: WireReader, wt: int, end: int, items: list, name: str, shared: bool) -> None:
    """One item of a repeated StreamRef (or SharedStreamRef when ``shared``) field named ``name`` in JSON."""
    sub = r.message_end(wt, end, name)
    with field_context(f"{name}[{len(items)}]"):
        items.append(read_shared_stream(r, sub) if shared else read_stream(r, sub))


# ---- The keyed handle variants of 1.1 ----

def read_stream_incremental(r: WireReader, end: int) -> dict:
    """StreamIncrementalHandle: IncrementalHandle's fields, with streams for files and an optional folder."""
    backend_id = folder = ""
    checkpoint_id = base_checkpoint_id = state_size = checkpointed_size = 0
    key_groups = meta = None
    shared_files, private_files = [], []
    for number, wt in r.fields(end):
        if number == 1:
            backend_id = r.string(wt, end, MAX_ID_BYTES, "backend_id", "backendId")
        elif number == 2:
            sub = r.message_end(wt, end, "key_groups")
            once(r, key_groups, "key_groups")
            key_groups = read_key_groups(r, sub)
        elif number == 3:
            folder = r.string(wt, end, MAX_TEXT_BYTES, "folder", "folder")
        elif number == 4:
            checkpoint_id = r.uint64(wt, end, "checkpoint_id")
        elif number == 5:
            base_checkpoint_id = r.uint64(wt, end, "base_checkpoint_id")
        elif number == 6:
            read_stream_list(r, wt, end, shared_files, "sharedFiles", shared=True)
        elif number == 7:
            read_stream_list(r, wt, end, private_files, "privateFiles", shared=False)
        elif number == 8:
            sub = r.message_end(wt, end, "meta")
            once(r, meta, "meta")
            with field_context("meta"):
                meta = read_stream(r, sub)
        elif number == 9:
            state_size = r.uint64(wt, end, "state_size")
        elif number == 10:
            checkpointed_size = r.uint64(wt, end, "checkpointed_size")
        else:
            r.skip(wt, end, number)
    if backend_id == "":
        raise missing(r, "backend_id", "backendId")
    if key_groups is None:
        raise missing(r, "key_groups", "keyGroups")
    if checkpoint_id == 0:
        raise missing(r, "checkpoint_id", "checkpointId")
    if meta is None:
        raise missing(r, "meta", "meta")
    return object_1_1({
        "type": "stream-incremental", "backendId": backend_id, "keyGroups": key_groups, "folder": folder,
        "checkpointId": str(checkpoint_id), "baseCheckpointId": str(base_checkpoint_id),
        "sharedFiles": shared_files, "privateFiles": private_files, "meta": meta,
        "stateSize": str(state_size), "checkpointedSize": str(checkpointed_size),
    })


def read_key_groups_stream(r: WireReader, end: int) -> dict:
    key_groups = data = None
    offsets: list[int] = []
    data_format = ""
    for number, wt in r.fields(end):
        if number == 1:
            sub = r.message_end(wt, end, "key_groups")
            once(r, key_groups, "key_groups")
            key_groups = read_key_groups(r, sub)
        elif number == 2:
            sub = r.message_end(wt, end, "data")
            once(r, data, "data")
            with field_context("data"):
                data = read_stream(r, sub)
        elif number == 3:
            read_offsets(r, wt, end, offsets)
        elif number == 4:
            data_format = r.string(wt, end, MAX_ID_BYTES, "data_format", "dataFormat")
        else:
            r.skip(wt, end, number)
    if key_groups is None:
        raise missing(r, "key_groups", "keyGroups")
    if data is None:
        raise missing(r, "data", "data")
    if data_format == "":
        raise missing(r, "data_format", "dataFormat")
    return object_1_1({"type": "key-groups-stream", "keyGroups": key_groups, "data": data,
                       "offsets": [str(o) for o in offsets], "dataFormat": data_format})


def read_opaque(r: WireReader, end: int, keyed: bool) -> dict:
    """OpaqueHandle: as a keyed handle (``keyed``) it must carry key_groups; in channel_state it must not."""
    kind = ""
    key_groups = None
    files, shared_files = [], []
    payload = b""
    for number, wt in r.fields(end):
        if number == 1:
            kind = r.string(wt, end, MAX_ID_BYTES, "kind", "kind")
        elif number == 2:
            if not keyed:
                raise KsnapError("INVALID_FIELD", "an opaque handle in channel_state has key_groups",
                                 offset=r.base + r.pos, field="keyGroups")
            sub = r.message_end(wt, end, "key_groups")
            once(r, key_groups, "key_groups")
            key_groups = read_key_groups(r, sub)
        elif number == 3:
            read_stream_list(r, wt, end, files, "files", shared=False)
        elif number == 4:
            read_stream_list(r, wt, end, shared_files, "sharedFiles", shared=True)
        elif number == 5:
            payload = read_bytes(r, wt, end, MAX_PAYLOAD_BYTES, "payload", "payload")
        else:
            r.skip(wt, end, number)
    if kind == "":
        raise missing(r, "kind", "kind")
    if keyed and key_groups is None:
        raise missing(r, "key_groups", "keyGroups")
    opaque = object_1_1({"type": "opaque", "kind": kind, "files": files, "sharedFiles": shared_files,
                         "payload": base64_text(payload)})
    return with_optional(opaque, keyGroups=key_groups)


HANDLE_VARIANTS.update({
    10: ("streamIncremental", read_stream_incremental),
    11: ("keyGroupsStream", read_key_groups_stream),
    12: ("opaque", lambda r, end: read_opaque(r, end, keyed=True)),
})


# ---- Operator state, master state, source ----

def read_operator_state_handle(r: WireReader, end: int) -> dict:
    stream = None
    states = []
    for number, wt in r.fields(end):
        if number == 1:
            sub = r.message_end(wt, end, "stream")
            once(r, stream, "stream")
            with field_context("stream"):
                stream = read_stream(r, sub)
        elif number == 2:
            sub = r.message_end(wt, end, "states")
            with field_context(f"states[{len(states)}]"):
                states.append(read_named_operator_state(r, sub))
        else:
            r.skip(wt, end, number)
    if stream is None:
        raise missing(r, "stream", "stream")
    return object_1_1({"stream": stream, "states": states})


def read_named_operator_state(r: WireReader, end: int) -> dict:
    name = ""
    mode = None
    offsets: list[int] = []
    for number, wt in r.fields(end):
        if number == 1:
            name = r.string(wt, end, MAX_TEXT_BYTES, "name", "name")
        elif number == 2:
            mode = r.enum(wt, end, DISTRIBUTION_MODES, "mode", "mode")
        elif number == 3:
            read_offsets(r, wt, end, offsets, MAX_OPERATOR_STATE_OFFSETS)
        else:
            r.skip(wt, end, number)
    if name == "":
        raise missing(r, "name", "name")
    if mode is None:
        raise missing(r, "mode", "mode")
    return object_1_1({"name": name, "mode": mode, "offsets": [str(o) for o in offsets]})


def read_master_state(r: WireReader, end: int) -> dict:
    name = ""
    version = 0
    payload = b""
    for number, wt in r.fields(end):
        if number == 1:
            name = r.string(wt, end, MAX_TEXT_BYTES, "name", "name")
        elif number == 2:
            version = read_int32(r, wt, end, "version")
        elif number == 3:
            payload = read_bytes(r, wt, end, MAX_PAYLOAD_BYTES, "payload", "payload")
        else:
            r.skip(wt, end, number)
    if name == "":
        raise missing(r, "name", "name")
    return object_1_1({"name": name, "version": version, "payload": base64_text(payload)})


def read_source(r: WireReader, end: int) -> dict:
    system = ""
    format_version = checkpoint_id = 0
    for number, wt in r.fields(end):
        if number == 1:
            system = r.string(wt, end, MAX_ID_BYTES, "system", "system")
        elif number == 2:
            format_version = r.uint32(wt, end, "format_version")
        elif number == 3:
            checkpoint_id = r.uint64(wt, end, "checkpoint_id")
        else:
            r.skip(wt, end, number)
    if system == "":
        raise missing(r, "system", "system")
    return object_1_1({"system": system, "formatVersion": format_version, "checkpointId": str(checkpoint_id)})


# ---- Required-feature bits ----

def required_features(doc: dict) -> dict:
    """The required-feature bits the 1.1 structures of a JSON form need: {bit: JSON path of the first
    structure that needs it}. (A 1.1 writer sets exactly these bits in the header.)"""
    needed: dict = {}

    def use(bit: int, path: str) -> None:
        needed.setdefault(bit, path)

    def stream(s: dict, path: str) -> None:
        if s["type"] == "segment":
            use(FEATURE_SEGMENTS, path)
        elif s["type"] == "external":
            use(FEATURE_EXTERNAL_REFS, path)

    def streams(handle: dict, path: str, *names: str) -> None:
        for name in names:
            for i, s in enumerate(handle.get(name, [])):
                stream(s, f"{path}.{name}[{i}]")

    def keyed(h: dict, path: str) -> None:
        if h["type"] == "stream-incremental":
            use(FEATURE_STREAM_HANDLES, path)
            stream(h["meta"], f"{path}.meta")
            streams(h, path, "sharedFiles", "privateFiles")
        elif h["type"] == "key-groups-stream":
            use(FEATURE_STREAM_HANDLES, path)
            stream(h["data"], f"{path}.data")
        elif h["type"] == "opaque":
            use(FEATURE_OPAQUE_HANDLES, path)
            streams(h, path, "files", "sharedFiles")

    if doc.get("masterStates"):
        use(FEATURE_COORDINATOR_AND_MASTER_STATE, "masterStates")
    for i, op in enumerate(doc["operators"]):
        at = f"operators[{i}]"
        if op.get("maxParallelism") == doc["maxParallelism"]:
            # Equal to the snapshot's it says nothing (canonical: omitted): a reader drops it, as the spec says.
            del op["maxParallelism"]
        if op.get("maxParallelism", 0) != 0:
            use(FEATURE_OPERATOR_MAX_PARALLELISM, f"{at}.maxParallelism")
        if "coordinatorState" in op:
            use(FEATURE_COORDINATOR_AND_MASTER_STATE, f"{at}.coordinatorState")
            stream(op["coordinatorState"], f"{at}.coordinatorState")
        if op.get("finished"):
            use(FEATURE_FINISHED_MARKERS, f"{at}.finished")
        for j, sub in enumerate(op["subtasks"]):
            st = f"{at}.subtasks[{j}]"
            for k, h in enumerate(sub["handles"]):
                keyed(h, f"{st}.handles[{k}]")
            for name in ("managedOperatorState", "rawOperatorState"):
                if name in sub:
                    use(FEATURE_OPERATOR_STATE, f"{st}.{name}")
                    stream(sub[name]["stream"], f"{st}.{name}.stream")
            for k, h in enumerate(sub.get("rawKeyedHandles", [])):
                use(FEATURE_RAW_KEYED_STATE, f"{st}.rawKeyedHandles[{k}]")
                keyed(h, f"{st}.rawKeyedHandles[{k}]")
            for k, h in enumerate(sub.get("channelState", [])):
                use(FEATURE_OPAQUE_HANDLES, f"{st}.channelState[{k}]")
                streams(h, f"{st}.channelState[{k}]", "files", "sharedFiles")
            if sub.get("finished"):
                use(FEATURE_FINISHED_MARKERS, f"{st}.finished")
    return needed


def check_required_features(doc: dict, features: int) -> None:
    """A 1.1 structure whose bit the header does not set is INVALID_FIELD: a 1.0 reader would have skipped
    it without refusing the file. (A bit set for a structure the file does not hold is allowed.)"""
    for bit, path in sorted(required_features(doc).items()):
        if not features & bit:
            raise KsnapError("INVALID_FIELD", f"{path} needs required-feature bit {bit.bit_length() - 1} "
                                              f"({FEATURE_NAMES[bit]}), which the header does not set",
                             field=path)


def decode_bytes(data: bytes) -> dict:
    """A whole KSNAP file -> its JSON form, every field present, lists in file order."""
    major, minor, body = unframe(data)
    snapshot = decode_body(body)
    (features,) = struct.unpack_from("<I", data, 12)
    check_required_features(snapshot, features)
    return {"formatVersion": f"{major}.{minor}", **snapshot}


def decode_file(path: str) -> dict:
    """Reads and decodes the file at ``path``. Magic and version are checked on the first 12 bytes
    and the size limit on the file's size, both before the whole file is read into memory."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(12)
            check_magic_and_version(head, size)
            if size > MAX_FILE_BYTES:
                raise KsnapError("LIMIT_EXCEEDED", f"file size {size} exceeds the limit of {MAX_FILE_BYTES} bytes",
                                 offset=0)
            data = head + f.read()
    except OSError as e:
        raise KsnapError("IO_ERROR", f"cannot read {path}: {e.strerror or e}") from None
    return decode_bytes(data)


# --------------------------------------------------------------------------------------------------
# JSON form checks (schemas/ksnap-v1.schema.json): INVALID_JSON, with the JSON path of the problem
# --------------------------------------------------------------------------------------------------
#
# Each check_* function validates one value at ``path`` and returns it normalised: optional members
# filled in with their defaults, so that the encoder sees every field, exactly as decode returns them.

U64_PATTERN = re.compile(r"0|[1-9][0-9]{0,19}")
POSITIVE_U64_PATTERN = re.compile(r"[1-9][0-9]{0,19}")
HASH_PATTERN = re.compile(r"[0-9a-f]{16}")
FORMAT_VERSION_PATTERN = re.compile(r"1\.(0|[1-9][0-9]{0,4})")
REQUIRED = object()  # marks a member without a default


def invalid_json(path: str, message: str) -> KsnapError:
    return KsnapError("INVALID_JSON", f"{path or '(document)'}: {message}", field=path or None)


def join(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def check_object(value, path: str, members: dict) -> dict:
    """An object with exactly the given ``members`` {name: (check, default)}: unknown ones are
    rejected (to catch typos), required ones must be present, the others get their default."""
    if not isinstance(value, dict):
        raise invalid_json(path, "must be an object")
    for name in value:
        if name not in members:
            raise invalid_json(join(path, name), "is not a known property")
    out = {}
    for name, (check, default) in members.items():
        if name in value:
            out[name] = check(value[name], join(path, name))
        elif default is REQUIRED:
            raise invalid_json(join(path, name), "is required")
        else:
            out[name] = default() if callable(default) else default
    return out


def check_string(min_chars: int = 0, max_chars: int | None = None, pattern=None):
    """A string of ``min_chars``..``max_chars`` code points (JSON Schema's minLength and maxLength
    count code points; the byte limits of the format are the encoder's, INVALID_FIELD)."""
    def check(value, path):
        if not isinstance(value, str):
            raise invalid_json(path, "must be a string")
        if len(value) < min_chars or (max_chars is not None and len(value) > max_chars):
            raise invalid_json(path, f"must be {min_chars}..{max_chars} characters long")
        if pattern is not None and not pattern.fullmatch(value):
            raise invalid_json(path, f"must match ^{pattern.pattern}$")
        return value
    return check


def check_u64(positive: bool = False):
    """A 64-bit integer as a decimal string; the pattern allows 20 digits, so check the range too."""
    text = check_string(pattern=POSITIVE_U64_PATTERN if positive else U64_PATTERN)

    def check(value, path):
        value = text(value, path)
        if int(value) > U64_MAX:
            raise invalid_json(path, "is larger than 2^64 - 1")
        return value
    return check


def check_integer(minimum: int, maximum: int):
    def check(value, path):
        # JSON Schema's "integer" is any number with a zero fraction (1.0 counts); bool is not a number.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise invalid_json(path, "must be an integer")
        if isinstance(value, float):
            if not value.is_integer():
                raise invalid_json(path, "must be an integer")
            value = int(value)
        if not minimum <= value <= maximum:
            raise invalid_json(path, f"must be in {minimum}..{maximum}")
        return value
    return check


def check_boolean(value, path):
    if not isinstance(value, bool):
        raise invalid_json(path, "must be a boolean")
    return value


def check_enum(*names):
    def check(value, path):
        if not isinstance(value, str) or value not in names:
            raise invalid_json(path, f"must be one of {', '.join(names)}")
        return value
    return check


def check_array(item_check, max_items: int | None = None):
    def check(value, path):
        if not isinstance(value, list):
            raise invalid_json(path, "must be an array")
        if max_items is not None and len(value) > max_items:
            raise invalid_json(path, f"has more than {max_items} items")
        return [item_check(item, f"{path}[{i}]") for i, item in enumerate(value)]
    return check


def members_check(members: dict):
    return lambda value, path: check_object(value, path, members)


ID = check_string(1, 256)
OPTIONAL_ID = check_string(0, 256)
TEXT = check_string(0, 4096)
PATH = check_string(1, 4096)
U64 = check_u64()
POSITIVE_U64 = check_u64(positive=True)
U32 = check_integer(0, U32_MAX)
HASH = check_string(pattern=HASH_PATTERN)

KEY_GROUPS = members_check({"start": (U32, REQUIRED), "count": (U32, REQUIRED)})
FILE_MEMBERS = {"id": (ID, REQUIRED), "path": (PATH, REQUIRED), "size": (U64, "0"), "xxh64": (HASH, "0" * 16)}
FILE = members_check(FILE_MEMBERS)
SHARED_FILE = members_check({**FILE_MEMBERS, "originCheckpointId": (POSITIVE_U64, REQUIRED)})

INCREMENTAL_MEMBERS = {
    "type": (check_enum("incremental"), REQUIRED), "backendId": (ID, REQUIRED), "keyGroups": (KEY_GROUPS, REQUIRED),
    "folder": (PATH, REQUIRED), "checkpointId": (POSITIVE_U64, REQUIRED), "baseCheckpointId": (U64, "0"),
    "sharedFiles": (check_array(SHARED_FILE), list), "privateFiles": (check_array(FILE), list),
    "metaFile": (FILE, REQUIRED), "stateSize": (U64, "0"), "checkpointedSize": (U64, "0"),
}
SAVEPOINT_MEMBERS = {
    "type": (check_enum("savepoint"), REQUIRED), "keyGroups": (KEY_GROUPS, REQUIRED), "dataFile": (FILE, REQUIRED),
    "offsets": (check_array(U64, max_items=MAX_KEY_GROUPS), list),
}


def check_handle(value, path):
    """A handle is tagged by "type"; the tag picks which members are allowed."""
    if not isinstance(value, dict):
        raise invalid_json(path, "must be an object")
    if "type" not in value:
        raise invalid_json(join(path, "type"), "is required")
    tag = value["type"]
    variants = {"incremental": INCREMENTAL_MEMBERS, "savepoint": SAVEPOINT_MEMBERS}
    members = variants.get(tag) if isinstance(tag, str) else None
    if members is None:
        raise invalid_json(join(path, "type"), "must be incremental or savepoint")
    return check_object(value, path, members)


SUBTASK = members_check({"subtaskIndex": (U32, 0), "handles": (check_array(check_handle), list)})
OPERATOR = members_check({
    "operatorId": (ID, REQUIRED), "name": (TEXT, ""), "parallelism": (check_integer(1, U32_MAX), REQUIRED),
    "subtasks": (check_array(SUBTASK), list),
})
PROPERTIES = members_check({
    "incremental": (check_boolean, False), "keyGroupAware": (check_boolean, False),
    "sharing": (check_enum("none", "forward", "forward-backward"), REQUIRED),
    "ownership": (check_enum("system", "user"), REQUIRED),
})
SNAPSHOT_MEMBERS = {
    "formatVersion": (check_string(pattern=FORMAT_VERSION_PATTERN), REQUIRED),
    "snapshotId": (POSITIVE_U64, REQUIRED), "kind": (check_enum("checkpoint", "savepoint"), REQUIRED),
    "properties": (PROPERTIES, REQUIRED), "maxParallelism": (check_integer(1, MAX_KEY_GROUPS), REQUIRED),
    "snapshotDir": (TEXT, ""), "jobId": (OPTIONAL_ID, ""), "timestampMillis": (U64, "0"),
    "operators": (check_array(OPERATOR), list),
}


def check_snapshot_json(doc) -> dict:
    """Checks a JSON form and returns it with every field present (INVALID_JSON on any problem)."""
    snapshot = check_object(doc, "", SNAPSHOT_MEMBERS)
    minor = int(snapshot["formatVersion"].split(".")[1])
    if minor > 0xFFFF:
        raise invalid_json("formatVersion", f"minor version {minor} exceeds 65535")
    return snapshot


# --------------------------------------------------------------------------------------------------
# JSON form -> canonical body (format-v1.md "Canonical encoding")
# --------------------------------------------------------------------------------------------------

KIND_NUMBERS = {name: n for n, name in KINDS.items()}
SHARING_NUMBERS = {name: n for n, name in SHARINGS.items()}
OWNERSHIP_NUMBERS = {name: n for n, name in OWNERSHIPS.items()}


def put_varint(out: bytearray, value: int) -> None:
    """Minimal-length varint (canonical encoding requires it, for tags and lengths too)."""
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def put_tag(out: bytearray, number: int, wire_type: int) -> None:
    put_varint(out, (number << 3) | wire_type)


def put_uint(out: bytearray, number: int, value: int) -> None:
    """A varint field; omitted when it holds its default 0 (also for bools and enums)."""
    if value:
        put_tag(out, number, VARINT)
        put_varint(out, value)


def put_fixed64(out: bytearray, number: int, value: int) -> None:
    if value:
        put_tag(out, number, I64)
        out += struct.pack("<Q", value)


def put_bytes(out: bytearray, number: int, data: bytes) -> None:
    put_tag(out, number, LEN)
    put_varint(out, len(data))
    out += data


def put_string(out: bytearray, number: int, text: str, max_bytes: int, path: str) -> None:
    """A string field, omitted when "". The byte limit is checked here: the schema counts characters."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # JSON's \ud800 escapes can make a lone surrogate, which has no UTF-8 form
        raise KsnapError("INVALID_FIELD", f"{path} contains a lone surrogate and has no UTF-8 form",
                         field=path) from None
    if len(data) > max_bytes:
        raise KsnapError("INVALID_FIELD", f"{path} is {len(data)} bytes of UTF-8; at most {max_bytes} are allowed",
                         field=path)
    if data:
        put_bytes(out, number, data)


def put_message(out: bytearray, number: int, body: bytes) -> None:
    """A set message field is always written, even when empty (KeyGroupRange {0, 0} is ``12 00``)."""
    put_bytes(out, number, body)


def utf8_key(text: str) -> bytes:
    """Canonical order is code point order, which is UTF-8 byte order (not UTF-16 code unit order).
    "surrogatepass" only lets a lone surrogate sort (put_string rejects it when it is written)."""
    return text.encode("utf-8", "surrogatepass")


def canonical(items: list, key) -> list:
    """``items`` in canonical order as (input index, item) pairs; the index names the item in errors.
    Python's sort is stable, so items with equal keys keep their input order, as in the reference
    encoder (such a snapshot is invalid under validation.md, but encoding it is still deterministic)."""
    return sorted(enumerate(items), key=lambda pair: key(pair[1]))


def handle_order(handle: dict):
    """Canonical handle order: start, count, incremental before savepoint, then folder or data file id."""
    kg = handle["keyGroups"]
    if handle["type"] == "incremental":
        return (kg["start"], kg["count"], 0, utf8_key(handle["folder"]))
    return (kg["start"], kg["count"], 1, utf8_key(handle["dataFile"]["id"]))


def encode_snapshot(s: dict) -> bytes:
    """The canonical body of a full JSON form (as check_snapshot_json returns it): fields in
    ascending number order, defaults omitted, lists in canonical order (format-v1.md "List order")."""
    out = bytearray()
    put_uint(out, 1, int(s["snapshotId"]))
    put_uint(out, 2, KIND_NUMBERS[s["kind"]])
    put_message(out, 3, encode_properties(s["properties"]))
    put_uint(out, 4, s["maxParallelism"])
    for i, op in canonical(s["operators"], lambda op: utf8_key(op["operatorId"])):
        with field_context(f"operators[{i}]"):
            put_message(out, 5, encode_operator(op))
    put_string(out, 6, s["snapshotDir"], MAX_TEXT_BYTES, "snapshotDir")
    put_string(out, 7, s["jobId"], MAX_ID_BYTES, "jobId")
    put_uint(out, 8, int(s["timestampMillis"]))
    return bytes(out)


def encode_properties(p: dict) -> bytes:
    out = bytearray()
    put_uint(out, 1, int(p["incremental"]))
    put_uint(out, 2, int(p["keyGroupAware"]))
    put_uint(out, 3, SHARING_NUMBERS[p["sharing"]])
    put_uint(out, 4, OWNERSHIP_NUMBERS[p["ownership"]])
    return bytes(out)


def encode_operator(op: dict) -> bytes:
    out = bytearray()
    put_string(out, 1, op["operatorId"], MAX_ID_BYTES, "operatorId")
    put_string(out, 2, op["name"], MAX_TEXT_BYTES, "name")
    put_uint(out, 3, op["parallelism"])
    for i, st in canonical(op["subtasks"], lambda st: st["subtaskIndex"]):
        with field_context(f"subtasks[{i}]"):
            put_message(out, 4, encode_subtask(st))
    return bytes(out)


def encode_subtask(st: dict) -> bytes:
    out = bytearray()
    put_uint(out, 1, st["subtaskIndex"])
    for i, h in canonical(st["handles"], handle_order):
        with field_context(f"handles[{i}].{h['type']}"):
            put_message(out, 2, encode_handle(h))
    return bytes(out)


def encode_handle(h: dict) -> bytes:
    """KeyedStateHandle: the oneof's one variant, as field 1 or 2."""
    out = bytearray()
    if h["type"] == "incremental":
        put_message(out, 1, encode_incremental(h))
    else:
        put_message(out, 2, encode_savepoint(h))
    return bytes(out)


def encode_key_groups(kg: dict) -> bytes:
    out = bytearray()
    put_uint(out, 1, kg["start"])
    put_uint(out, 2, kg["count"])
    return bytes(out)


def encode_incremental(h: dict) -> bytes:
    out = bytearray()
    put_string(out, 1, h["backendId"], MAX_ID_BYTES, "backendId")
    put_message(out, 2, encode_key_groups(h["keyGroups"]))
    put_string(out, 3, h["folder"], MAX_TEXT_BYTES, "folder")
    put_uint(out, 4, int(h["checkpointId"]))
    put_uint(out, 5, int(h["baseCheckpointId"]))
    for i, f in canonical(h["sharedFiles"], lambda f: utf8_key(f["id"])):
        with field_context(f"sharedFiles[{i}]"):
            put_message(out, 6, encode_file_ref(f))
    for i, f in canonical(h["privateFiles"], lambda f: utf8_key(f["id"])):
        with field_context(f"privateFiles[{i}]"):
            put_message(out, 7, encode_file_ref(f))
    with field_context("metaFile"):
        put_message(out, 8, encode_file_ref(h["metaFile"]))
    put_uint(out, 9, int(h["stateSize"]))
    put_uint(out, 10, int(h["checkpointedSize"]))
    return bytes(out)


def encode_savepoint(h: dict) -> bytes:
    out = bytearray()
    put_message(out, 1, encode_key_groups(h["keyGroups"]))
    with field_context("dataFile"):
        put_message(out, 2, encode_file_ref(h["dataFile"]))
    if h["offsets"]:  # packed: one field 3 of wire type 2; omitted when empty
        packed = bytearray()
        for offset in h["offsets"]:
            put_varint(packed, int(offset))
        put_bytes(out, 3, bytes(packed))
    return bytes(out)


def encode_file_ref(f: dict) -> bytes:
    """FileRef, or SharedFileRef when the dict has originCheckpointId (field 5)."""
    out = bytearray()
    put_string(out, 1, f["id"], MAX_ID_BYTES, "id")
    put_string(out, 2, f["path"], MAX_TEXT_BYTES, "path")
    put_uint(out, 3, int(f["size"]))
    put_fixed64(out, 4, int(f["xxh64"], 16))
    if "originCheckpointId" in f:
        put_uint(out, 5, int(f["originCheckpointId"]))
    return bytes(out)


def encode_json(doc) -> bytes:
    """A JSON form (any 1.x formatVersion) -> the bytes of the canonical 1.0 file."""
    return frame_body(encode_snapshot(check_snapshot_json(doc)))


def write_file_atomically(path: str, data: bytes) -> None:
    """Writes to a temporary file in the same folder and renames it into place, so that ``path`` is
    either absent or complete, never partial (the runner reads it as soon as we answer)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".ksnap-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def encode_to_file(doc, out: str) -> None:
    data = encode_json(doc)
    try:
        write_file_atomically(out, data)
    except OSError as e:
        raise KsnapError("IO_ERROR", f"cannot write {out}: {e.strerror or e}") from None


# --------------------------------------------------------------------------------------------------
# LZ4 block format (https://github.com/lz4/lz4/blob/v1.9.4/doc/lz4_Block_format.md), decoding only
# --------------------------------------------------------------------------------------------------

class Lz4Error(Exception):
    pass


def lz4_block_decompress(src: bytes, size: int) -> bytes:
    """Decodes one raw LZ4 block (no frame, no size prefix) that must yield exactly ``size`` bytes.

    A block is a series of sequences: a token (high nibble: literal count, low nibble: match length
    - 4; 15 means more length bytes follow, each added, until one is not 255), the literals, then a
    2-byte little-endian offset back into the output and the match. The last sequence has literals
    only. Every length is checked against ``size`` before the output grows, so a hostile block cannot
    make this allocate more than ``size`` bytes.
    """
    out = bytearray()
    i, n = 0, len(src)

    def extended(length: int) -> int:
        nonlocal i
        if length == 15:
            while True:
                if i >= n:
                    raise Lz4Error("length runs past the end of the block")
                b = src[i]
                i += 1
                length += b
                if b != 255:
                    break
        return length

    while True:
        if i >= n:
            raise Lz4Error("the block ends before its last sequence")
        token = src[i]
        i += 1
        literals = extended(token >> 4)
        if i + literals > n or len(out) + literals > size:
            raise Lz4Error("literals run past the block or the content")
        out += src[i:i + literals]
        i += literals
        if i == n:
            break  # the last sequence: literals only
        if i + 2 > n:
            raise Lz4Error("match offset runs past the end of the block")
        offset = src[i] | (src[i + 1] << 8)
        i += 2
        if offset == 0 or offset > len(out):
            raise Lz4Error(f"match offset {offset} is outside the {len(out)} bytes decoded so far")
        length = extended(token & 0x0F) + 4
        if len(out) + length > size:
            raise Lz4Error("match runs past the content length")
        start = len(out) - offset
        if offset >= length:
            out += out[start:start + length]
        else:
            # An overlapping match repeats the last `offset` bytes (offset 1 = run of one byte).
            pattern = bytes(out[start:])
            out += (pattern * (length // offset + 1))[:length]
    if len(out) != size:
        raise Lz4Error(f"the block decodes to {len(out)} bytes, not {size}")
    return bytes(out)


# --------------------------------------------------------------------------------------------------
# Savepoint data files (spec/savepoint-data.md "Reading a file")
# --------------------------------------------------------------------------------------------------

DATA_MAGIC = b"\x89KSVD\r\n\x1a"
DATA_END_MAGIC = b"KSVD-END"
DATA_HEADER_FIXED = 28    # magic, version, features, range, meta_length
DATA_FOOTER = 32
FRAME_HEADER = 16
MAX_META_BYTES = 1 << 20
MAX_BLOCK_BYTES = 1 << 20
MAX_STATES = 4096
MAX_DATA_STRING = 4096
MAX_ENTRY_BYTES = 16 << 20  # the reference reader's maxEntryBytes
STATE_KINDS = {1: "value", 2: "list", 3: "map"}


class NeedMore(Exception):
    """The bytes at hand end inside a varint or an entry: wait for the next block."""


def data_varint(buf, pos: int, end: int) -> tuple[int, int]:
    """A data-file varint: below 2^32, minimal, at most 5 bytes. Returns (value, next position);
    raises NeedMore when ``end`` comes before its last byte."""
    value = 0
    for i in range(5):
        if pos + i >= end:
            raise NeedMore()
        b = buf[pos + i]
        value |= (b & 0x7F) << (7 * i)
        if b < 0x80:
            if b == 0 and i > 0:
                raise ValueError("varint is not minimal")
            if value > U32_MAX:
                raise ValueError("varint is 2^32 or more")
            return value, pos + i + 1
    raise ValueError("varint is longer than 5 bytes")


class DataFile:
    """A data file opened for positioned reads; only what is asked for is read."""

    def __init__(self, path: str):
        try:
            self.f = open(path, "rb")
            self.size = os.fstat(self.f.fileno()).st_size
        except OSError as e:
            raise KsnapError("IO_ERROR", f"cannot read {path}: {e.strerror or e}") from None

    def read(self, pos: int, length: int) -> bytes:
        self.f.seek(pos)
        data = self.f.read(length)
        if len(data) != length:
            raise KsnapError("TRUNCATED", f"the file ended at byte {pos + len(data)} while being read",
                             offset=pos + len(data))
        return data

    def close(self) -> None:
        self.f.close()


def _data_need(size: int, needed: int, what: str) -> None:
    if size < needed:
        raise KsnapError("TRUNCATED", f"the file ends at byte {size}, before the end of {what} at byte {needed}",
                         offset=size)


def read_data_layout(f: DataFile) -> dict:
    """Steps 2-8: header, state descriptors and footer."""
    size = f.size
    head = f.read(0, min(size, DATA_HEADER_FIXED))
    for i in range(min(len(head), len(DATA_MAGIC))):
        if head[i] != DATA_MAGIC[i]:
            raise KsnapError("BAD_MAGIC", f"not a savepoint data file: byte {i} is 0x{head[i]:02x}, "
                                          f"the magic has 0x{DATA_MAGIC[i]:02x}", offset=i)
    _data_need(size, len(DATA_MAGIC), "the magic")
    _data_need(size, 12, "the version")
    major, minor = struct.unpack_from("<HH", head, 8)
    if major != 1:
        raise KsnapError("UNSUPPORTED_VERSION", f"data file format {major}.{minor} is not supported; "
                                                "this reader reads 1.x", offset=8)
    _data_need(size, 16, "the required features")
    (features,) = struct.unpack_from("<I", head, 12)
    if features:
        raise KsnapError("UNKNOWN_REQUIRED_FEATURE", f"required_features 0x{features:x} has bits this reader "
                                                     "does not know", offset=12)
    _data_need(size, DATA_HEADER_FIXED, "the key-group range and meta length")
    start, count, meta_length = struct.unpack_from("<III", head, 16)
    if count > MAX_KEY_GROUPS or start + count > MAX_KEY_GROUPS:
        raise KsnapError("INVALID_FIELD", f"key-group range start {start}, count {count} reaches past "
                                          f"{MAX_KEY_GROUPS} key groups", offset=16)
    if meta_length > MAX_META_BYTES:
        raise KsnapError("LIMIT_EXCEEDED", f"meta_length {meta_length} is over {MAX_META_BYTES} bytes", offset=24)
    area_start = DATA_HEADER_FIXED + meta_length + 8
    _data_need(size, area_start, f"the header (meta_length {meta_length})")
    header = f.read(0, area_start)
    (stored,) = struct.unpack_from("<Q", header, area_start - 8)
    computed = xxh64(header[:area_start - 8])
    if stored != computed:
        raise KsnapError("CHECKSUM_MISMATCH", f"header_xxh64 is {hash_hex(stored)}, but the header hashes to "
                                              f"{hash_hex(computed)}", offset=area_start - 8)
    states = decode_meta(header[DATA_HEADER_FIXED:area_start - 8])
    trailer = 8 * count + DATA_FOOTER
    _data_need(size, area_start + trailer, f"the trailer of {count} key groups")
    footer = f.read(size - DATA_FOOTER, DATA_FOOTER)
    if footer[24:] != DATA_END_MAGIC:
        raise KsnapError("TRUNCATED", 'the file does not end with "KSVD-END": it was cut short or has bytes appended',
                         offset=size - 8)
    f_start, f_count, entry_count = struct.unpack_from("<IIQ", footer, 0)
    if (f_start, f_count) != (start, count):
        raise KsnapError("MALFORMED_BODY", f"the footer's key groups (start {f_start}, count {f_count}) differ from "
                                           f"the header's (start {start}, count {count})", offset=size - DATA_FOOTER)
    # This reader locates key groups by the handle's offsets, not by the index, so it does not need
    # to verify trailer_xxh64 (the spec requires that of readers that use the index).
    return {"start": start, "count": count, "states": states, "area_start": area_start,
            "index_offset": size - trailer, "entry_count": entry_count}


def decode_meta(meta: bytes) -> list[dict]:
    """Step 7: the state descriptors, sorted by name bytes, unique."""
    base = DATA_HEADER_FIXED
    pos = 0

    def malformed(message):
        return KsnapError("MALFORMED_BODY", f"meta: {message}", offset=base + pos)

    def varint(what):
        nonlocal pos
        try:
            value, pos = data_varint(meta, pos, len(meta))
        except NeedMore:
            raise malformed(f"{what} runs past the end of meta") from None
        except ValueError as e:
            raise malformed(f"{what}: {e}") from None
        return value

    def raw_string(what):
        nonlocal pos
        at = pos
        length = varint(what)
        if length > MAX_DATA_STRING:
            raise KsnapError("INVALID_FIELD", f"{what} is {length} bytes, over {MAX_DATA_STRING}", offset=base + at)
        if length > len(meta) - pos:
            raise malformed(f"{what} runs past the end of meta")
        pos += length
        return meta[pos - length:pos]

    def text(data, what):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise malformed(f"{what} is not valid UTF-8") from None

    count = varint("state_count")
    if count > MAX_STATES:
        raise KsnapError("INVALID_FIELD", f"state_count {count} is over {MAX_STATES}", offset=base)
    states = []
    previous = None
    for i in range(count):
        at = pos
        name = raw_string(f"states[{i}].name")
        if not name:
            raise KsnapError("INVALID_FIELD", f"states[{i}] has an empty name", offset=base + at)
        if previous is not None and previous >= name:
            raise KsnapError("MALFORMED_BODY", f"states[{i}] is not after states[{i - 1}] in bytewise order",
                             offset=base + at)
        previous = name
        name_text = text(name, f"states[{i}].name")
        if pos >= len(meta):
            raise malformed(f"states[{i}].kind runs past the end of meta")
        kind = STATE_KINDS.get(meta[pos])
        if kind is None:
            raise KsnapError("INVALID_FIELD", f"states[{i}] has unknown kind {meta[pos]}", offset=base + pos)
        pos += 1
        serializers = [text(raw_string(f"states[{i}].{what}"), f"states[{i}].{what}")
                       for what in ("keySerializer", "namespaceSerializer", "valueSerializer", "userKeySerializer")]
        if kind != "map" and serializers[3]:
            raise KsnapError("INVALID_FIELD", f"states[{i}] is {kind} state but has a user-key serializer",
                             offset=base + pos)
        states.append({"name": name_text, "kind": kind})
    if pos != len(meta):
        raise malformed(f"{len(meta) - pos} bytes after the last descriptor")
    return states


def check_handle_against(layout: dict, key_groups: dict, offsets: list[int]) -> None:
    """Step 9: the handle describes this file: its range, and offsets that start at the end of the
    header, strictly increase and stay before the index."""
    start, count = layout["start"], layout["count"]
    if (key_groups["start"], key_groups["count"]) != (start, count):
        raise KsnapError("INVALID_FIELD", f"the handle's key groups (start {key_groups['start']}, count "
                                          f"{key_groups['count']}) are not the file's (start {start}, count {count})",
                         field="keyGroups")
    if len(offsets) != count:
        raise KsnapError("INVALID_FIELD", f"the handle has {len(offsets)} offsets for {count} key groups",
                         field="offsets")
    for i, offset in enumerate(offsets):
        if i == 0 and offset != layout["area_start"]:
            problem = f"is not {layout['area_start']}, the end of the header"
        elif i > 0 and offset <= offsets[i - 1]:
            problem = "does not come after the previous key group's"
        elif offset >= layout["index_offset"]:
            problem = f"is not before the index at {layout['index_offset']}"
        else:
            continue
        raise KsnapError("INVALID_FIELD", f"the handle's offsets[{i}] ({offset}) {problem}", field=f"offsets[{i}]")


class EntryParser:
    """Decodes one key group's entries as its blocks arrive. An entry, or one varint, may span
    blocks: unconsumed bytes wait in ``pending`` for the next block. Each length is checked against
    the entry limit as soon as it is read, before anything waits for (or allocates) its bytes."""

    def __init__(self, key_group: int, states: list[dict]):
        self.key_group = key_group
        self.states = states
        self.pending = bytearray()
        self.need = 0  # bytes ``pending`` must hold before the open entry can be complete
        self.previous = None  # the previous entry's sort key, for the canonical-order check
        self.entries: list[dict] = []

    def push(self, content: bytes, block: int) -> None:
        self.pending += content
        if len(self.pending) < self.need:
            return
        pos = 0
        try:
            while pos < len(self.pending):
                entry, pos = self.parse_entry(pos)
                self.accept(entry, block)
        except NeedMore as more:
            # The open entry starts at ``pos``, which becomes 0 once the parsed entries are dropped.
            self.need = more.args[0]
        except ValueError as e:
            raise self.error("MALFORMED_BODY", str(e), block) from None
        else:
            self.need = 0
        del self.pending[:pos]

    def end(self, block: int) -> None:
        """At the end marker: an entry still open was cut off."""
        if self.pending:
            raise self.error("MALFORMED_BODY", f"entry {len(self.entries)} is cut off by the end of the key group",
                             block)

    def error(self, code: str, message: str, block: int) -> KsnapError:
        return KsnapError(code, f"key group {self.key_group}, block {block}: {message}",
                          keyGroup=self.key_group, block=block)

    def parse_entry(self, at: int):
        """The entry at ``pending[at]``: (entry, position after it). Raises NeedMore(bytes needed
        from ``at``, as far as known) when the pending bytes end inside it."""
        buf, end = self.pending, len(self.pending)
        try:
            state_index, pos = data_varint(buf, at, end)
        except NeedMore:
            raise NeedMore(end - at + 1) from None
        if state_index >= len(self.states):
            raise ValueError(f"state index {state_index} is out of range ({len(self.states)} states)")
        state = self.states[state_index]
        names = ["key", "namespace", "userKey", "value"] if state["kind"] == "map" else ["key", "namespace", "value"]
        fields = {}
        total = 0
        for name in names:
            try:
                length, pos = data_varint(buf, pos, end)
            except NeedMore:
                raise NeedMore(end - at + 1) from None
            total += length
            if total > MAX_ENTRY_BYTES:
                raise KsnapError("LIMIT_EXCEEDED", f"entry's {name} brings it to {total} bytes, over the limit of "
                                                   f"{MAX_ENTRY_BYTES}")
            if pos + length > end:
                # Known so far: the bytes up to this field's end, plus one for the next length, if any.
                raise NeedMore(pos + length - at + (0 if name == "value" else 1))
            fields[name] = bytes(buf[pos:pos + length])
            pos += length
        return (state_index, state, fields), pos

    def accept(self, entry, block: int) -> None:
        """Checks canonical order (state index, key, namespace, user key; bytewise) and keeps the entry."""
        state_index, state, fields = entry
        key = (state_index, fields["key"], fields["namespace"], fields.get("userKey", b""))
        if self.previous is not None:
            if key < self.previous:
                raise ValueError(f"entry {len(self.entries)} is out of canonical order")
            if key == self.previous and state["kind"] != "list":
                raise ValueError(f"entry {len(self.entries)} duplicates the previous one")
        self.previous = key
        out = {"keyGroup": self.key_group, "state": state["name"], "kind": state["kind"],
               "key": fields["key"].hex(), "namespace": fields["namespace"].hex()}
        if "userKey" in fields:
            out["userKey"] = fields["userKey"].hex()
        out["value"] = fields["value"].hex()
        self.entries.append(out)


def frame_error(code: str, message: str, key_group: int, block: int, offset: int) -> KsnapError:
    """Errors about a block name its key group, its frame number and the frame's byte offset."""
    return KsnapError(code, f"key group {key_group}, block {block} at byte {offset}: {message}",
                      keyGroup=key_group, block=block, offset=offset)


def read_frame(f: DataFile, pos: int, area_end: int, key_group: int, block: int) -> tuple[bytes, int]:
    """Steps 10.1-10.4 for the frame at ``pos``: returns its verified content and the frame's size."""
    if pos + FRAME_HEADER > area_end:
        raise frame_error("MALFORMED_BODY", f"the frame header runs past the key-group area's end at {area_end}",
                          key_group, block, pos)
    uncompressed, stored, checksum = struct.unpack("<IIQ", f.read(pos, FRAME_HEADER))
    # The block limit is checked before anything is read or allocated for the payload.
    if uncompressed > MAX_BLOCK_BYTES:
        raise frame_error("LIMIT_EXCEEDED", f"uncompressed_length {uncompressed} is over {MAX_BLOCK_BYTES}",
                          key_group, block, pos)
    if stored > uncompressed or (stored == 0 and uncompressed != 0):
        raise frame_error("MALFORMED_BODY", f"stored_length {stored} is invalid with uncompressed_length "
                                            f"{uncompressed}", key_group, block, pos)
    if pos + FRAME_HEADER + stored > area_end:
        raise frame_error("MALFORMED_BODY", f"the payload runs past the key-group area's end at {area_end}",
                          key_group, block, pos)
    payload = f.read(pos + FRAME_HEADER, stored)
    if stored == uncompressed:
        content = payload  # stored raw (this includes the empty end marker)
    else:
        try:
            content = lz4_block_decompress(payload, uncompressed)
        except Lz4Error as e:
            # An undecodable payload is reported like a wrong checksum, so that every reader agrees.
            raise frame_error("CHECKSUM_MISMATCH", f"the LZ4 payload does not decode: {e}",
                              key_group, block, pos) from None
    # The checksum covers u32 key group | u32 frame number | content: a block read at the wrong place
    # (a wrong offset, a lost or moved block) fails here, before its bytes are interpreted.
    computed = xxh64(struct.pack("<II", key_group, block) + content)
    if computed != checksum:
        raise frame_error("CHECKSUM_MISMATCH", f"block checksum is {hash_hex(checksum)}, the content hashes to "
                                               f"{hash_hex(computed)}", key_group, block, pos)
    return content, FRAME_HEADER + stored


def read_key_group(f: DataFile, layout: dict, offsets: list[int], key_group: int) -> list[dict]:
    """Step 10: one key group, frame by frame from its offset to its end marker (empty content)."""
    i = key_group - layout["start"]
    area_end = layout["index_offset"]
    # Where the key group must end: where the next one begins, or the index for the last one.
    expected_end = offsets[i + 1] if i + 1 < len(offsets) else area_end
    parser = EntryParser(key_group, layout["states"])
    pos = offsets[i]
    block = 0
    while True:
        content, frame_size = read_frame(f, pos, area_end, key_group, block)
        frame_at = pos
        pos += frame_size
        try:
            if not content:  # the end marker
                parser.end(block)
                if pos != expected_end:
                    raise parser.error("MALFORMED_BODY", f"the key group ends at byte {pos}, but the next part "
                                                         f"of the file begins at byte {expected_end}", block)
                return parser.entries
            parser.push(content, block)
        except KsnapError as e:
            e.where.setdefault("keyGroup", key_group)
            e.where.setdefault("block", block)
            e.where.setdefault("offset", frame_at)
            raise
        block += 1


def read_data(path: str, handle: dict, key_groups: dict | None = None) -> list[dict]:
    """The entries of key groups ``key_groups`` (default: all of the handle's) of the data file at
    ``path``, read through ``handle`` ({keyGroups, offsets, dataFile.size?}), in the spec's order."""
    offsets = [int(o) for o in handle["offsets"]]
    recorded = int((handle.get("dataFile") or {}).get("size", "0"))
    wanted = key_groups if key_groups is not None else handle["keyGroups"]
    f = DataFile(path)
    try:
        # Step 1: a recorded size (not 0) must be the file's.
        if recorded and recorded != f.size:
            if f.size < recorded:
                raise KsnapError("TRUNCATED", f"the file is {f.size} bytes, its handle records {recorded}",
                                 offset=f.size)
            raise KsnapError("TRAILING_BYTES", f"the file is {f.size} bytes, longer than the {recorded} its handle "
                                               "records", offset=recorded)
        layout = read_data_layout(f)
        check_handle_against(layout, handle["keyGroups"], offsets)
        first, count = wanted["start"], wanted["count"]
        if count and (first < layout["start"] or first + count > layout["start"] + layout["count"]):
            raise KsnapError("INVALID_FIELD", f"key groups start {first}, count {count} are not all in the file's "
                                              f"(start {layout['start']}, count {layout['count']})", field="keyGroups")
        entries: list[dict] = []
        for k in range(first, first + count):
            entries += read_key_group(f, layout, offsets, k)
        # A reader of the whole file also checks the footer's entry count.
        if (first, count) == (layout["start"], layout["count"]) and len(entries) != layout["entry_count"]:
            raise KsnapError("MALFORMED_BODY", f"the file holds {len(entries)} entries, its footer records "
                                               f"{layout['entry_count']}")
        return entries
    finally:
        f.close()


# --------------------------------------------------------------------------------------------------
# The protocol (spec/conformance.md)
# --------------------------------------------------------------------------------------------------

class RequestError(Exception):
    """A request the adapter cannot act on (bad parameters, unknown op): an error response with the
    adapter's own code, not a format-v1 code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def param(request: dict, name: str, kind, required: bool = True):
    value = request.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise RequestError("BAD_REQUEST", f"parameter {name!r} is missing or has the wrong type")
    return value


def op_hello(request: dict) -> dict:
    protocol = request.get("protocol")
    if protocol != PROTOCOL_VERSION:
        raise RequestError("UNSUPPORTED_PROTOCOL",
                           f"the runner speaks protocol {protocol!r}; this adapter speaks {PROTOCOL_VERSION}")
    return {"protocol": PROTOCOL_VERSION, "name": ADAPTER_NAME, "version": ADAPTER_VERSION,
            "capabilities": CAPABILITIES, "formats": FORMATS}


def op_decode(request: dict) -> dict:
    return {"json": decode_file(param(request, "path", str))}


def op_encode(request: dict) -> dict:
    doc = request.get("json")
    encode_to_file(doc, param(request, "out", str))
    return {}


def check_range_param(value, name: str) -> dict:
    if not (isinstance(value, dict) and all(isinstance(value.get(k), int) and not isinstance(value.get(k), bool)
                                            and value[k] >= 0 for k in ("start", "count"))):
        raise RequestError("BAD_REQUEST", f"parameter {name!r} must be {{start, count}} with integers")
    return value


def op_read_data(request: dict) -> dict:
    handle = param(request, "handle", dict)
    check_range_param(handle.get("keyGroups"), "handle.keyGroups")
    offsets = handle.get("offsets")
    if not isinstance(offsets, list) or not all(isinstance(o, str) and U64_PATTERN.fullmatch(o) for o in offsets):
        raise RequestError("BAD_REQUEST", "parameter 'handle.offsets' must be a list of decimal strings")
    data_file = handle.get("dataFile") or {}
    if not isinstance(data_file, dict) or not U64_PATTERN.fullmatch(str(data_file.get("size", "0"))):
        raise RequestError("BAD_REQUEST", "parameter 'handle.dataFile.size' must be a decimal string")
    key_groups = request.get("keyGroups")
    if key_groups is not None:
        check_range_param(key_groups, "keyGroups")
    return {"entries": read_data(param(request, "path", str), handle, key_groups)}


def op_shutdown(request: dict) -> dict:
    return {}


OPERATIONS = {"hello": op_hello, "decode": op_decode, "encode": op_encode, "read-data": op_read_data,
              "shutdown": op_shutdown}


def handle_request(request: dict) -> dict:
    """One request object -> its response object. Never raises."""
    request_id = request.get("id")
    op = request.get("op")
    try:
        if op not in OPERATIONS:
            raise RequestError("UNSUPPORTED", f"operation {op!r} is not supported by this adapter")
        return {"id": request_id, "ok": True, "result": OPERATIONS[op](request)}
    except KsnapError as e:
        return {"id": request_id, "ok": False, "error": e.to_json()}
    except RequestError as e:
        return {"id": request_id, "ok": False, "error": {"code": e.code, "message": e.message}}
    except Exception as e:  # a bug here must not kill the adapter: answer, and log the traceback
        log(f"request {request_id} ({op}) failed:\n{traceback.format_exc()}")
        return {"id": request_id, "ok": False, "error": {"code": "INTERNAL", "message": f"{type(e).__name__}: {e}"}}


def log(message: str) -> None:
    print(f"[{ADAPTER_NAME}] {message}", file=sys.stderr, flush=True)


def request_id_of(parsed) -> int | None:
    if isinstance(parsed, dict):
        rid = parsed.get("id")
        if isinstance(rid, int) and not isinstance(rid, bool):
            return rid
    return None


def serve(stdin, stdout) -> int:
    """The protocol loop over binary streams: read a line, answer it, flush; until shutdown or EOF."""
    for raw in stdin:
        try:
            parsed = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            log(f"ignoring a line that is not JSON ({e}): {raw[:200]!r}")
            continue
        rid = request_id_of(parsed)
        if rid is None:
            # Without an id there is nobody to answer: a response with a made-up id would break the protocol.
            log(f"ignoring a request without an integer id: {raw[:200]!r}")
            continue
        if not isinstance(parsed.get("op"), str):
            response = {"id": rid, "ok": False, "error": {"code": "BAD_REQUEST", "message": "the request has no op"}}
        else:
            response = handle_request(parsed)
        # ensure_ascii keeps the line pure ASCII: no raw newline and no encoding surprises.
        stdout.write((json.dumps(response, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii"))
        stdout.flush()
        if parsed.get("op") == "shutdown":
            return 0
    return 0


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Anything that prints by mistake (a library, a debug print) goes to stderr, not into the protocol.
    sys.stdout = sys.stderr
    try:
        return serve(stdin, stdout)
    except BrokenPipeError:
        return 0  # the runner went away; nothing left to answer


if __name__ == "__main__":
    sys.exit(main())
