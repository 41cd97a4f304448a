"""Cross-check of cql-protocol against the Python driver (scylla-driver).

Reads lines `<name> <field> <field>...` (hex fields) from stdin, written by
tests/python_crosscheck.rs, and answers each with one line `<name> <result>...`.
The Rust side then checks what Python produced. Case kinds (by name prefix):

  seg_plain / seg_lz4  <payload> <our segments>: decode ours with cassandra.segment,
                        answer "ok" and Python's own encoding of the payload.
  v4lz4     <body> <our compressed body>: decompress ours, answer "ok" and Python's compression.
  req_*     <our envelope>: build the same request with cassandra.protocol, answer
            "same" or "diff <python hex>".
  resp_*    <our envelope>: decode ours with ProtocolHandler.decode_message, answer a summary.
  valpy_<i>  : answer Python's serialization of value table entry i (class name, value).
  valrs_<i> <our value>: deserialize ours with the class from table entry i, answer "ok" or "bad".
"""
import datetime
import decimal
import io
import ipaddress
import sys
import uuid

from cassandra import ConsistencyLevel, cqltypes, util
from cassandra.connection import lz4_compress, lz4_decompress
from cassandra.protocol import (
    AuthResponseMessage,
    BatchMessage,
    ExecuteMessage,
    OptionsMessage,
    PrepareMessage,
    ProtocolHandler,
    QueryMessage,
    RegisterMessage,
    StartupMessage,
)
from cassandra.protocol import ResultMessage
from cassandra.protocol_features import ProtocolFeatures
from cassandra.query import BatchType
from cassandra.segment import SegmentCodec

M = "org.apache.cassandra.db.marshal."

# Value table shared (by index) with tests/python_crosscheck.rs.
VALUES = [
    (M + "Int32Type", -42),
    (M + "LongType", 1 << 40),
    (M + "UTF8Type", "h\u00e9llo"),
    (M + "AsciiType", "plain"),
    (M + "BooleanType", True),
    (M + "DoubleType", 1.5),
    (M + "FloatType", -2.25),
    (M + "BytesType", b"\x00\x01\xff"),
    (M + "UUIDType", uuid.UUID("12345678-1234-5678-1234-567812345678")),
    (M + "TimeUUIDType", uuid.UUID("e7b2f6a0-8e5b-11ee-b9d1-0242ac120002")),
    (M + "InetAddressType", "10.1.2.3"),
    (M + "InetAddressType", "2001:db8::1"),
    (M + "ShortType", -300),
    (M + "ByteType", 7),
    (M + "IntegerType", -123456789012345678901234567890),
    (M + "DecimalType", decimal.Decimal("-12.345")),
    (M + "SimpleDateType", util.Date(19782)),
    (M + "TimeType", util.Time(13 * 3600 * 10**9 + 5)),
    (M + "TimestampType", datetime.datetime(2024, 2, 29, 12, 0, 0, 123000)),
    (M + "DurationType", util.Duration(-1, -2, -3000000000)),
    (M + "ListType(" + M + "Int32Type)", [1, 2, 3]),
    (M + "SetType(" + M + "UTF8Type)", ["a", "b"]),
    (M + "MapType(" + M + "UTF8Type," + M + "Int32Type)", {"k": 5}),
    (M + "TupleType(" + M + "Int32Type," + M + "UTF8Type)", (1, "x")),
    (M + "VectorType(" + M + "FloatType, 3)", [1.0, 2.0, 3.0]),
    (M + "VectorType(" + M + "UTF8Type, 2)", ["a", "bc"]),
    (M + "VectorType(" + M + "Int32Type, 2)", [7, -7]),
]


def norm(v):
    """A canonical text form of a deserialized Python value."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (bytes, bytearray)):
        return "0x" + bytes(v).hex()
    if isinstance(v, (uuid.UUID, decimal.Decimal, ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(v)
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    if isinstance(v, util.Date):
        return "date:%d" % v.days_from_epoch
    if isinstance(v, util.Time):
        return "time:%d" % v.nanosecond_time
    if isinstance(v, util.Duration):
        return "duration:%d,%d,%d" % (v.months, v.days, v.nanoseconds)
    if hasattr(v, "items"):
        return "{" + ",".join("%s:%s" % (norm(k), norm(x)) for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(norm(x) for x in v) + "]"
    if isinstance(v, (set, frozenset, util.SortedSet)):
        return "[" + ",".join(sorted(norm(x) for x in v)) + "]"
    return str(v)


def segments(codec, data):
    buf = io.BytesIO(data)
    payload = b""
    count = 0
    contained = []
    while buf.tell() < len(data):
        header = codec.decode_header(buf)
        seg = codec.decode(buf, header)
        payload += seg.payload
        contained.append(seg.is_self_contained)
        count += 1
    expect = [count == 1] * count
    if contained != expect:
        raise ValueError("self-contained flags %r" % contained)
    return payload


def python_request(name, v):
    """The request our Rust test encoded under `name`, built with the Python driver."""
    cl = ConsistencyLevel
    if name == "req_options":
        return OptionsMessage()
    if name == "req_startup":
        return StartupMessage("3.0.0", {"COMPRESSION": "lz4"})
    if name.startswith("req_query"):
        return QueryMessage(
            "SELECT * FROM ks.t WHERE k = ?",
            cl.QUORUM,
            serial_consistency_level=cl.LOCAL_SERIAL,
            fetch_size=100,
            paging_state=b"\x01\x02\x03",
            timestamp=1234567890123,
            keyspace="ks" if v >= 5 else None,
            query_params=[cqltypes.Int32Type.serialize(5, v), None],
        )
    if name.startswith("req_execute"):
        return ExecuteMessage(
            b"\xaa\xbb",
            [cqltypes.UTF8Type.serialize("v", v), cqltypes.LongType.serialize(9, v)],
            cl.ONE,
            fetch_size=5000,
            result_metadata_id=b"\x0c\x0d" if v >= 5 else None,
        )
    if name.startswith("req_prepare"):
        return PrepareMessage("SELECT 1", keyspace="ks" if v >= 5 else None)
    if name.startswith("req_batch"):
        return BatchMessage(
            BatchType.UNLOGGED,
            [
                (False, "INSERT INTO t (a) VALUES (?)", [cqltypes.Int32Type.serialize(1, v)]),
                (True, b"\x01\x02", [cqltypes.UTF8Type.serialize("z", v), None]),
            ],
            cl.LOCAL_QUORUM,
            serial_consistency_level=cl.SERIAL,
            timestamp=99,
        )
    if name == "req_register":
        return RegisterMessage(["TOPOLOGY_CHANGE", "STATUS_CHANGE", "SCHEMA_CHANGE"])
    if name == "req_auth_response":
        return AuthResponseMessage(b"\x00user\x00pass")
    raise ValueError("unknown request " + name)


def summarize(msg):
    kind = type(msg).__name__
    if hasattr(msg, "code") and hasattr(msg, "info"):
        info = msg.info
        if isinstance(info, dict):
            info = ",".join("%s=%s" % (k, norm(info[k])) for k in sorted(info))
        else:
            info = norm(info)
        return "%s|%d|%s|%s" % (kind, msg.code, msg.message, info)
    if isinstance(msg, ResultMessage):
        if msg.kind == 2:
            return "rows|%s|%s|%s" % (
                ",".join(msg.column_names),
                ",".join(norm(list(r)) for r in msg.parsed_rows),
                norm(msg.paging_state),
            )
        if msg.kind == 3:
            return "set_keyspace|%s" % msg.new_keyspace
        if msg.kind == 4:
            bind = ",".join(
                "%s.%s.%s:%s" % (c.keyspace_name, c.table_name, c.name, c.type.cql_parameterized_type())
                for c in msg.bind_metadata
            )
            cols = ",".join(c[2] for c in (msg.column_metadata or []))
            return "prepared|%s|%s|%s|%s|%s" % (
                msg.query_id.hex(),
                bind,
                norm(msg.pk_indexes),
                cols,
                norm(msg.result_metadata_id),
            )
        if msg.kind == 5:
            return "schema_change|%s" % ",".join(
                "%s=%s" % (k, norm(msg.schema_change_event[k])) for k in sorted(msg.schema_change_event)
            )
        return "void"
    if kind == "EventMessage":
        args = msg.event_args
        return "event|%s|%s" % (msg.event_type, ",".join("%s=%s" % (k, norm(args[k])) for k in sorted(args)))
    if kind == "SupportedMessage":
        opts = msg.options
        opts = dict(opts, CQL_VERSION=msg.cql_versions)
        return "supported|%s" % ",".join("%s=%s" % (k, norm(opts[k])) for k in sorted(opts))
    if kind == "AuthenticateMessage":
        return "authenticate|%s" % msg.authenticator
    if kind == "AuthSuccessMessage":
        return "auth_success|%s" % norm(msg.token)
    if kind == "AuthChallengeMessage":
        return "auth_challenge|%s" % norm(msg.challenge)
    if kind == "ReadyMessage":
        return "ready"
    return kind


def decode_envelope(data):
    version = data[0] & 0x7F
    flags = data[1]
    stream = int.from_bytes(data[2:4], "big", signed=True)
    opcode = data[4]
    length = int.from_bytes(data[5:9], "big")
    body = data[9 : 9 + length]
    msg = ProtocolHandler.decode_message(
        version, ProtocolFeatures(), {}, stream, flags, opcode, body, lz4_decompress, None
    )
    extra = ""
    if msg.trace_id:
        extra += "|trace=%s" % msg.trace_id
    if msg.warnings:
        extra += "|warnings=%s" % ";".join(msg.warnings)
    if msg.custom_payload:
        extra += "|payload=%s" % ",".join(
            "%s:%s" % (k, norm(msg.custom_payload[k])) for k in sorted(msg.custom_payload)
        )
    return "s%d|%s%s" % (stream, summarize(msg), extra)


def main():
    plain = SegmentCodec()
    lz4 = SegmentCodec(lz4_compress, lz4_decompress)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        name, fields = parts[0], [bytes.fromhex(f) for f in parts[1:]]
        try:
            if name.startswith("seg_"):
                codec = lz4 if name.startswith("seg_lz4") else plain
                payload, ours = fields
                got = segments(codec, ours)
                status = "ok" if got == payload else "mismatch"
                out = io.BytesIO()
                codec.encode(out, payload)
                print(name, status, out.getvalue().hex())
            elif name.startswith("v4lz4"):
                body, ours = fields
                status = "ok" if lz4_decompress(ours) == body else "mismatch"
                print(name, status, lz4_compress(body).hex())
            elif name.startswith("req_"):
                v = fields[0][0] & 0x7F
                stream = int.from_bytes(fields[0][2:4], "big", signed=True)
                msg = python_request(name, v)
                theirs = ProtocolHandler.encode_message(msg, stream, v, None, False, None)
                print(name, "same" if theirs == fields[0] else "diff " + theirs.hex())
            elif name.startswith("resp_"):
                print(name, decode_envelope(fields[0]).replace(" ", "_"))
            elif name.startswith("valpy_"):
                cls_name, value = VALUES[int(name[6:])]
                t = cqltypes.lookup_casstype(cls_name)
                print(name, cls_name.encode().hex(), t.serialize(value, 4).hex())
            elif name.startswith("valrs_"):
                cls_name, value = VALUES[int(name[6:])]
                t = cqltypes.lookup_casstype(cls_name)
                back = t.deserialize(fields[0], 4)
                print(name, "ok" if norm(back) == norm(t.deserialize(t.serialize(value, 4), 4)) else "bad:" + norm(back))
            else:
                print(name, "unknown-case")
        except Exception as e:  # report, never crash: the Rust side shows the message
            print(name, "error:" + repr(e).replace(" ", "_"))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
