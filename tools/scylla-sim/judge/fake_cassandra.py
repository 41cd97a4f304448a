"""A tiny stand-in for a Cassandra node (protocol v4, no auth, no storage), for running
reference.py through scylla-sim when no real backend is usable (for example when the real
node requires credentials the test environment does not have).

It answers just enough for the Python scylla-driver: OPTIONS, STARTUP, REGISTER, QUERY of
system.local / system.peers / system.peers_v2 (one node owning token 0), PREPARE of the two
INSERT statements of reference.py (with their partition-key indexes), EXECUTE (VOID) and
any other QUERY (VOID). It is NOT the real thing: schema and data are not stored.

Usage: python fake_cassandra.py HOST PORT [--token T] [--peer IP:TOKEN ...]
  --token: the token this node owns (default 0); --peer: another fake node, reported in
  system.peers / system.peers_v2 with native_port PORT (as a real cluster would).
"""
import argparse
import hashlib
import re
import socket
import struct
import sys
import threading
import uuid

T_BIGINT, T_INT, T_TEXT, T_UUID, T_INET, T_SET = 0x02, 0x09, 0x0D, 0x0C, 0x10, 0x22
TABLES = {
    "single": ({"k": T_BIGINT, "v": T_TEXT}, ["k"]),
    "kv": ({"k": T_INT, "c": T_TEXT, "v": T_TEXT}, ["k", "c"]),
}
SCHEMA = uuid.UUID("5a1b2c3d-0000-4000-8000-000000000002")


def short(n): return struct.pack(">H", n)
def i32(n): return struct.pack(">i", n)
def string(s): b = s.encode(); return short(len(b)) + b
def bytes_(b): return i32(-1) if b is None else i32(len(b)) + b


def rows(ks, table, cols, data):
    out = i32(2) + i32(1) + i32(len(cols)) + string(ks) + string(table)
    for name, typ in cols:
        out += string(name) + (short(typ[0]) + short(typ[1]) if isinstance(typ, tuple) else short(typ))
    out += i32(len(data))
    for row in data:
        for cell in row:
            out += bytes_(cell)
    return out


def host_id(addr):
    return uuid.UUID(bytes=hashlib.md5(addr.encode()).digest()).bytes


def text_set(values):
    out = i32(len(values))
    for v in values:
        out += i32(len(v)) + v.encode()
    return out


def peers_rows(table, peers, port):
    if table == "peers_v2":
        cols = [("peer", T_INET), ("peer_port", T_INT), ("data_center", T_TEXT), ("host_id", T_UUID),
                ("rack", T_TEXT), ("release_version", T_TEXT), ("native_address", T_INET),
                ("native_port", T_INT), ("schema_version", T_UUID), ("tokens", (T_SET, T_TEXT))]
    else:
        cols = [("peer", T_INET), ("data_center", T_TEXT), ("host_id", T_UUID), ("rack", T_TEXT),
                ("release_version", T_TEXT), ("rpc_address", T_INET), ("schema_version", T_UUID),
                ("tokens", (T_SET, T_TEXT))]
    data = []
    for addr, token in peers:
        ip = socket.inet_aton(addr)
        if table == "peers_v2":
            data.append([ip, i32(7000), b"dc1", host_id(addr), b"r1", b"4.1.0", ip, i32(port),
                         SCHEMA.bytes, text_set([token])])
        else:
            data.append([ip, b"dc1", host_id(addr), b"r1", b"4.1.0", ip, SCHEMA.bytes, text_set([token])])
    return rows("system", table, cols, data)


def local_rows(addr, token):
    ip = socket.inet_aton(addr)
    cols = [("broadcast_address", T_INET), ("cluster_name", T_TEXT), ("data_center", T_TEXT),
            ("host_id", T_UUID), ("listen_address", T_INET), ("partitioner", T_TEXT),
            ("rack", T_TEXT), ("release_version", T_TEXT), ("rpc_address", T_INET),
            ("schema_version", T_UUID), ("tokens", (T_SET, T_TEXT))]
    row = [ip, b"fake", b"dc1", host_id(addr), ip, b"org.apache.cassandra.dht.Murmur3Partitioner",
           b"r1", b"4.1.0", ip, SCHEMA.bytes, text_set([token])]
    return rows("system", "local", cols, [row])


def prepared(text):
    m = re.search(r"INSERT INTO\s+(?:\w+\.)?(\w+)\s*\(([^)]*)\)", text, re.I)
    sid = hashlib.md5(text.encode()).digest()
    out = i32(4) + short(len(sid)) + sid
    if not m or m.group(1) not in TABLES:
        return out + i32(0) + i32(0) + i32(0) + i32(4) + i32(0)
    types, pk = TABLES[m.group(1)]
    cols = [c.strip() for c in m.group(2).split(",")]
    out += i32(1) + i32(len(cols)) + i32(len(pk))
    for p in pk:
        out += short(cols.index(p))
    out += string("ks") + string(m.group(1))
    for c in cols:
        out += string(c) + short(types[c])
    return out + i32(4) + i32(0)  # result metadata: NO_METADATA, 0 columns


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve(sock, addr, port, token, peers):
    while True:
        h = read_exact(sock, 9)
        if h is None:
            return
        ver, flags, stream, op, n = struct.unpack(">BBhBI", h)
        body = read_exact(sock, n) if n else b""
        if body is None:
            return
        if ver & 0x7f != 4:
            reply = (0x00, i32(0x0A) + string("Invalid or unsupported protocol version: %d" % (ver & 0x7f)))
        elif op == 0x05:
            reply = (0x06, short(2) + string("CQL_VERSION") + short(1) + string("3.4.5")
                     + string("COMPRESSION") + short(0))
        elif op in (0x01, 0x0B):
            reply = (0x02, b"")
        elif op == 0x07:
            ln, = struct.unpack(">i", body[:4])
            text = body[4:4 + ln].decode()
            if "system.local" in text:
                reply = (0x08, local_rows(addr, token))
            elif "system.peers_v2" in text:
                reply = (0x08, peers_rows("peers_v2", peers, port))
            elif "system.peers" in text:
                reply = (0x08, peers_rows("peers", peers, port))
            elif text.strip().upper().startswith("USE "):
                reply = (0x08, i32(3) + string(text.strip()[4:].strip('" ;')))
            else:
                reply = (0x08, i32(1))
        elif op == 0x09:
            ln, = struct.unpack(">i", body[:4])
            reply = (0x08, prepared(body[4:4 + ln].decode()))
        elif op == 0x0A:
            reply = (0x08, i32(1))
        else:
            reply = (0x00, i32(0x0A) + string("fake_cassandra: unsupported opcode %d" % op))
        opcode, payload = reply
        sock.sendall(struct.pack(">BBhBI", 0x84, 0, stream, opcode, len(payload)) + payload)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--token", default="0")
    p.add_argument("--peer", action="append", default=[])
    a = p.parse_args()
    host, port = a.host, a.port
    peers = [tuple(x.split(":", 1)) for x in a.peer]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(128)
    print("fake_cassandra listening on %s:%d" % (host, port), flush=True)
    while True:
        c, _ = srv.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(c, host, port, a.token, peers), daemon=True).start()


if __name__ == "__main__":
    main()
