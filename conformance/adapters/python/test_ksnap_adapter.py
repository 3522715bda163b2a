"""Tests of the minimal Python adapter, standard library only.

Run from the repository root:

    python3 -m unittest discover -s conformance/adapters/python -v

Every golden vector runs through the adapter's functions, one subTest per vector, so a vector added
later (a new forward-compatibility case, say) is tested without a change here. A last test drives the
adapter as a process over stdin and stdout, as the runner does.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ksnap_adapter as adapter  # noqa: E402

VECTORS = os.path.normpath(os.path.join(HERE, "..", "..", "vectors"))
ADAPTER = os.path.join(HERE, "ksnap_adapter.py")
SLOW_SECONDS = 1.0  # every vector must decode well under a second


def format_folders() -> list[str]:
    """conformance/vectors/v<major>.<minor>/: every released format version's vectors."""
    return sorted(glob.glob(os.path.join(VECTORS, "v*.*")))


def vectors(folder: str, kind: str, ext: str) -> list[tuple[str, str]]:
    """(name, path without extension) of the vectors ``folder/kind/NAME.ext``."""
    paths = sorted(glob.glob(os.path.join(folder, kind, f"*.{ext}")))
    return [(os.path.basename(p)[: -len(ext) - 1], p[: -len(ext) - 1]) for p in paths]


def load_json(path: str):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Xxh64Test(unittest.TestCase):
    def test_known_values(self):
        # Values from the XXH64 reference implementation (xxhsum -H1), covering every tail length
        # path: empty, 1 byte, 3 bytes, a 4-byte and 8-byte tail, and more than one 32-byte stripe.
        cases = {
            b"": "ef46db3751d8e999",
            b"a": "d24ec4f1a98c6e5b",
            b"abc": "44bc2cf5ad770999",
            b"message digest": "066ed728fceeb3be",
            b"abcdefghijklmnopqrstuvwxyz": "cfe1f278fa89835c",
            b"12345678901234567890123456789012345678901234567890123456789012345678901234567890": "e04a477f19ee145d",
        }
        for data, expected in cases.items():
            with self.subTest(data=data):
                self.assertEqual(adapter.hash_hex(adapter.xxh64(data)), expected)

    def test_spec_example(self):
        # format-v1.md "Example": the 47-byte canonical savepoint file.
        body = bytes.fromhex("0801" "1002" "1a06100118012002" "208001")
        file = adapter.frame_body(body)
        self.assertEqual(len(file), 47)
        self.assertEqual(file[-8:].hex(), "b2bbf71c5c28e946")


class Lz4Test(unittest.TestCase):
    def test_literals_only(self):
        self.assertEqual(adapter.lz4_block_decompress(b"\x30abc", 3), b"abc")

    def test_overlapping_match(self):
        # "a" then a match of offset 1, length 4 + 5 = 9: a run of ten "a", then the literal "b".
        block = bytes([0x15]) + b"a" + b"\x01\x00" + bytes([0x10]) + b"b"
        self.assertEqual(adapter.lz4_block_decompress(block, 11), b"a" * 10 + b"b")

    def test_rejects_bad_blocks(self):
        for block, size in [(b"", 0), (b"\x30ab", 3), (b"\x10a\x02\x00\x00", 6), (b"\x30abc", 4)]:
            with self.subTest(block=block):
                with self.assertRaises(adapter.Lz4Error):
                    adapter.lz4_block_decompress(block, size)


class DecodeVectorsTest(unittest.TestCase):
    def test_valid_and_accepted_decode_to_their_json(self):
        for folder in format_folders():
            for kind in ("valid", "accepted"):
                for name, stem in vectors(folder, kind, "ksnap"):
                    with self.subTest(vector=f"{os.path.basename(folder)}/{kind}/{name}"):
                        started = time.monotonic()
                        got = adapter.decode_file(stem + ".ksnap")
                        self.assertLess(time.monotonic() - started, SLOW_SECONDS)
                        self.assertEqual(got, load_json(stem + ".json"))

    def test_invalid_are_rejected_with_their_code(self):
        for folder in format_folders():
            for name, stem in vectors(folder, "invalid", "ksnap"):
                expected = load_json(stem + ".error.json")
                with self.subTest(vector=f"{os.path.basename(folder)}/invalid/{name}"):
                    with self.assertRaises(adapter.KsnapError) as caught:
                        adapter.decode_file(stem + ".ksnap")
                    self.assertEqual(caught.exception.code, expected["code"], caught.exception.message)
                    if "offset" in expected:
                        self.assertEqual(caught.exception.where.get("offset"), expected["offset"])

    def test_every_vector_has_an_expectation(self):
        for folder in format_folders():
            for kind, suffix in (("valid", ".json"), ("accepted", ".json"), ("invalid", ".error.json")):
                for name, stem in vectors(folder, kind, "ksnap"):
                    with self.subTest(vector=f"{kind}/{name}"):
                        self.assertTrue(os.path.exists(stem + suffix), f"{stem + suffix} is missing")


class EncodeVectorsTest(unittest.TestCase):
    def test_valid_json_encodes_to_the_vector_bytes(self):
        for folder in format_folders():
            for name, stem in vectors(folder, "valid", "json"):
                with self.subTest(vector=f"{os.path.basename(folder)}/valid/{name}"):
                    with open(stem + ".ksnap", "rb") as f:
                        expected = f.read()
                    self.assertEqual(adapter.encode_json(load_json(stem + ".json")), expected)

    def test_accepted_json_encodes_to_a_canonical_file_that_decodes_back(self):
        # An accepted vector's JSON form is a valid snapshot too; its canonical file must round-trip.
        for folder in format_folders():
            for name, stem in vectors(folder, "accepted", "json"):
                with self.subTest(vector=f"{os.path.basename(folder)}/accepted/{name}"):
                    doc = load_json(stem + ".json")
                    canonical = adapter.encode_json(doc)
                    decoded = adapter.decode_bytes(canonical)
                    self.assertEqual(decoded["formatVersion"], "1.0")
                    self.assertEqual(adapter.encode_json(decoded), canonical)

    def test_optional_members_may_be_omitted(self):
        doc = {"formatVersion": "1.7", "snapshotId": "1", "kind": "savepoint", "maxParallelism": 128,
               "properties": {"keyGroupAware": True, "sharing": "none", "ownership": "user"}}
        # The spec's 47-byte example: any 1.x formatVersion is written as a canonical 1.0 file.
        self.assertEqual(adapter.encode_json(doc)[-8:].hex(), "b2bbf71c5c28e946")

    def test_schema_violations_are_invalid_json(self):
        base = load_json(os.path.join(VECTORS, "v1.0", "valid", "incremental-chain-head.json"))
        handle = ("operators", 0, "subtasks", 0, "handles", 0)
        cases = {
            "unknown property": (("typo",), 1),
            "missing required": (("properties", "sharing"), None),
            "u64 as number": (("snapshotId",), 5),
            "u64 with leading zero": (("timestampMillis",), "01"),
            "u64 over 2^64-1": (("timestampMillis",), "18446744073709551616"),
            "zero snapshot id": (("snapshotId",), "0"),
            "bad enum": (("kind",), "Checkpoint"),
            "max parallelism over limit": (("maxParallelism",), 32769),
            "boolean for integer": (("maxParallelism",), True),
            "fractional integer": (("maxParallelism",), 1.5),
            "format version 2.0": (("formatVersion",), "2.0"),
            "minor over 65535": (("formatVersion",), "1.65536"),
            "trailing newline in pattern": (("snapshotId",), "1\n"),
            "uppercase hash": (handle + ("metaFile", "xxh64"), "8C3020A5E24E283C"),
            "empty id": (handle + ("backendId",), ""),
            "unknown handle type": (handle + ("type",), "full"),
            "member of the other variant": (handle + ("offsets",), []),
        }
        for what, (path, value) in cases.items():
            with self.subTest(case=what):
                doc = json.loads(json.dumps(base))
                target = doc
                for step in path[:-1]:
                    target = target[step]
                if value is None:
                    del target[path[-1]]
                else:
                    target[path[-1]] = value
                with self.assertRaises(adapter.KsnapError) as caught:
                    adapter.encode_json(doc)
                self.assertEqual(caught.exception.code, "INVALID_JSON", caught.exception.message)

    def test_byte_limits_are_invalid_field(self):
        # 200 characters pass the schema's maxLength of 256, but are 400 bytes of UTF-8.
        doc = load_json(os.path.join(VECTORS, "v1.0", "valid", "empty-checkpoint.json"))
        doc["jobId"] = "é" * 200
        with self.assertRaises(adapter.KsnapError) as caught:
            adapter.encode_json(doc)
        self.assertEqual(caught.exception.code, "INVALID_FIELD")
        self.assertEqual(caught.exception.where.get("field"), "jobId")

    def test_lone_surrogate_is_invalid_field(self):
        # JSON may escape a lone surrogate ("\ud800"); it has no UTF-8 form (the reference says INVALID_FIELD).
        doc = load_json(os.path.join(VECTORS, "v1.0", "valid", "empty-checkpoint.json"))
        doc["operators"] = [{"operatorId": "\ud800", "parallelism": 1}]
        with self.assertRaises(adapter.KsnapError) as caught:
            adapter.encode_json(doc)
        self.assertEqual(caught.exception.code, "INVALID_FIELD")
        self.assertEqual(caught.exception.where.get("field"), "operators[0].operatorId")

    def test_lists_sorted_by_code_point_not_utf16(self):
        doc = load_json(os.path.join(VECTORS, "v1.0", "valid", "empty-checkpoint.json"))
        doc["operators"] = [{"operatorId": "\U0001F600", "parallelism": 1},
                            {"operatorId": "\ue000", "parallelism": 1}]
        decoded = adapter.decode_bytes(adapter.encode_json(doc))
        self.assertEqual([op["operatorId"] for op in decoded["operators"]], ["\ue000", "\U0001F600"])


class ReadDataVectorsTest(unittest.TestCase):
    FOLDER = os.path.join(VECTORS, "savepoint-data-v1")

    def test_valid_and_accepted_dump_to_their_jsonl(self):
        for kind in ("valid", "accepted"):
            for name, stem in vectors(self.FOLDER, kind, "ksvd"):
                with self.subTest(vector=f"{kind}/{name}"):
                    started = time.monotonic()
                    entries = adapter.read_data(stem + ".ksvd", load_json(stem + ".handle.json"))
                    self.assertLess(time.monotonic() - started, SLOW_SECONDS)
                    with open(stem + ".jsonl", encoding="utf-8") as f:
                        expected = [json.loads(line) for line in f]
                    self.assertEqual(entries, expected)

    def test_dump_lines_match_byte_for_byte(self):
        # The logical dump's text form: members in order, no whitespace, JSON.stringify escapes.
        for name, stem in vectors(self.FOLDER, "valid", "ksvd"):
            with self.subTest(vector=name):
                entries = adapter.read_data(stem + ".ksvd", load_json(stem + ".handle.json"))
                text = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in entries)
                with open(stem + ".jsonl", encoding="utf-8") as f:
                    self.assertEqual(text, f.read())

    def test_invalid_are_rejected_with_their_code_and_location(self):
        for name, stem in vectors(self.FOLDER, "invalid", "ksvd"):
            expected = load_json(stem + ".error.json")
            with self.subTest(vector=f"invalid/{name}"):
                with self.assertRaises(adapter.KsnapError) as caught:
                    adapter.read_data(stem + ".ksvd", load_json(stem + ".handle.json"), expected.get("read"))
                error = caught.exception
                self.assertEqual(error.code, expected["code"], error.message)
                for member in ("offset", "keyGroup", "block"):
                    if member in expected:
                        self.assertEqual(error.where.get(member), expected[member], f"{member}: {error.message}")

    def test_subset_of_key_groups(self):
        stem = os.path.join(self.FOLDER, "valid", "three-kinds")
        handle = load_json(stem + ".handle.json")
        with open(stem + ".jsonl", encoding="utf-8") as f:
            everything = [json.loads(line) for line in f]
        subset = adapter.read_data(stem + ".ksvd", handle, {"start": 6, "count": 2})
        self.assertEqual(subset, [e for e in everything if e["keyGroup"] >= 6])


class AdapterProcessTest(unittest.TestCase):
    """The adapter as the runner sees it: a process, one JSON line in, one JSON line out."""

    def run_adapter(self, lines: list[str]) -> tuple[list[dict], str, int]:
        proc = subprocess.run([sys.executable, ADAPTER], input="".join(line + "\n" for line in lines).encode(),
                              capture_output=True, timeout=30)
        out = proc.stdout.decode("utf-8")
        self.assertTrue(out.endswith("\n"), out)
        return [json.loads(line) for line in out.splitlines()], proc.stderr.decode("utf-8", "replace"), proc.returncode

    def test_session(self):
        valid = os.path.join(VECTORS, "v1.0", "valid", "savepoint-two-operators")
        invalid = os.path.join(VECTORS, "v1.0", "invalid", "bad-magic.ksnap")
        data = os.path.join(VECTORS, "savepoint-data-v1", "valid", "three-kinds")
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.ksnap")
            requests = [
                {"id": 1, "op": "hello", "protocol": 1},
                {"id": 2, "op": "decode", "path": valid + ".ksnap"},
                "this is not JSON",
                {"id": 3, "op": "decode", "path": invalid},
                ["an", "array"],
                {"op": "decode", "path": invalid},
                {"id": 4, "op": "encode", "json": load_json(valid + ".json"), "out": out},
                {"id": 5, "op": "read-data", "path": data + ".ksvd", "handle": load_json(data + ".handle.json"),
                 "keyGroups": {"start": 4, "count": 1}},
                {"id": 6, "op": "checkpoint", "session": "s", "checkpointId": "1"},
                {"id": 7, "op": "decode"},
                {"id": 8, "op": "shutdown"},
            ]
            lines = [r if isinstance(r, str) else json.dumps(r) for r in requests]
            responses, stderr, status = self.run_adapter(lines)
            with open(out, "rb") as f, open(valid + ".ksnap", "rb") as g:
                self.assertEqual(f.read(), g.read())
            self.assertEqual(os.listdir(tmp), ["out.ksnap"])  # no temporary file left behind
        self.assertEqual(status, 0)
        self.assertEqual([r["id"] for r in responses], [1, 2, 3, 4, 5, 6, 7, 8])
        hello = responses[0]["result"]
        self.assertEqual(hello["protocol"], 1)
        self.assertEqual(hello["name"], "ksnap-python-minimal")
        self.assertIn("decode", hello["capabilities"])
        self.assertIn("encode", hello["capabilities"])
        self.assertEqual(responses[1]["result"]["json"], load_json(valid + ".json"))
        self.assertEqual(responses[2]["error"]["code"], "BAD_MAGIC")
        self.assertEqual(responses[3], {"id": 4, "ok": True, "result": {}})
        self.assertTrue(responses[4]["ok"])
        self.assertTrue(all(e["keyGroup"] == 4 for e in responses[4]["result"]["entries"]))
        self.assertEqual(responses[5]["error"]["code"], "UNSUPPORTED")
        self.assertFalse(responses[6]["ok"])
        self.assertEqual(responses[7], {"id": 8, "ok": True, "result": {}})
        self.assertIn("not JSON", stderr)

    def test_unknown_protocol_version(self):
        responses, _, status = self.run_adapter([json.dumps({"id": 1, "op": "hello", "protocol": 2}),
                                                 json.dumps({"id": 2, "op": "shutdown"})])
        self.assertFalse(responses[0]["ok"])
        self.assertTrue(responses[0]["error"]["code"])
        self.assertEqual(status, 0)

    def test_end_of_input_without_shutdown(self):
        responses, _, status = self.run_adapter([json.dumps({"id": 1, "op": "hello", "protocol": 1})])
        self.assertEqual(len(responses), 1)
        self.assertEqual(status, 0)


if __name__ == "__main__":
    unittest.main()
