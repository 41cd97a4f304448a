//! `cql::util`: the timeuuid helpers and the CQL literal encoder give what the reference
//! Python driver's `cassandra.util` and `cassandra.encoder` give, on thousands of generated
//! values run through one Python process; every kind of literal written in an INSERT reads
//! back equal from a real Cassandra; min/max timeuuids bound a time as Cassandra sorts; and
//! `OrderedMap` keeps the server's order.
//!
//! The cross-check needs the Python driver (`$DRIVER_TEST_PYTHON` or `.run/venv`, made by
//! `scripts/pyenv`), the others the server (`CQL_TEST_HOSTS`).

use std::cmp::Ordering;
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use cql::protocol::serialize::SerializeValue;
use cql::protocol::types::{
    CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint, UserDefinedType,
};
use cql::util::timeuuid::GREGORIAN_OFFSET;
use cql::util::{
    CqlLiteral, HIGHEST_TIME_UUID, LOWEST_TIME_UUID, OrderedMap, ToCqlLiteral, datetime_from_uuid1,
    max_uuid_from_time, min_uuid_from_time, unix_time_from_uuid1, uuid_from_time,
};
use cql::{ColumnType, CqlValue, ProtocolVersion, Session};
use uuid::Uuid;

use crate::common::{VERSIONS, keyspace, session};

// ---------------------------------------------------------------------------------------
// Generation (deterministic: a fixed xorshift seed, so failures reproduce)

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize].clone()
    }
    fn bytes(&mut self, max_len: u64) -> Vec<u8> {
        let n = self.below(max_len + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }
    /// A double in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const TEXT_CHARS: &[char] = &[
    'a', 'Z', '0', ' ', '\'', '"', '\\', '\n', '\t', 'é', '✓', '数', '🎉', '\0', '$', '{', '}',
    ',', ':', '[', '(',
];

fn gen_string(rng: &mut Rng, ascii: bool) -> String {
    let n = rng.below(10);
    (0..n)
        .map(|_| {
            if ascii {
                if rng.chance(30) {
                    '\''
                } else {
                    char::from(rng.below(128) as u8)
                }
            } else {
                rng.pick(TEXT_CHARS)
            }
        })
        .collect()
}

fn gen_double(rng: &mut Rng) -> f64 {
    match rng.below(4) {
        0 => f64::from_bits(rng.next()),
        1 => {
            // Decimal-looking values, fixed and exponent forms of Python's repr.
            let mantissa = (rng.next() % 10u64.pow(rng.below(18) as u32 + 1)) as f64;
            let e = rng.below(50) as i32 - 25;
            let v = mantissa * 10f64.powi(e);
            if rng.chance(50) { -v } else { v }
        }
        2 => rng.pick(&[
            0.0,
            -0.0,
            1.0,
            0.1,
            1e16,
            1e15,
            9_999_999_999_999_998.0,
            1e-4,
            1e-5,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]),
        _ => (rng.next() as i64 >> rng.below(64)) as f64 / 1024.0,
    }
}

fn gen_float(rng: &mut Rng) -> f32 {
    match rng.below(3) {
        0 => f32::from_bits(rng.next() as u32),
        1 => gen_double(rng) as f32,
        _ => rng.pick(&[
            0.1f32,
            -0.0,
            f32::MAX,
            f32::MIN_POSITIVE,
            1e-45,
            f32::NAN,
            f32::INFINITY,
            16_777_217.0,
        ]),
    }
}

fn gen_ip(rng: &mut Rng) -> IpAddr {
    if rng.chance(30) {
        return IpAddr::from((rng.next() as u32).to_be_bytes());
    }
    let mut seg: [u16; 8] = std::array::from_fn(|_| {
        if rng.chance(20) {
            0
        } else {
            rng.next() as u16 >> rng.below(16)
        }
    });
    // Runs of zeros of every length, anywhere; and the IPv4-mapped/compatible forms.
    let start = rng.below(8) as usize;
    let len = rng.below(9 - start as u64) as usize;
    seg[start..start + len].fill(0);
    match rng.below(6) {
        0 => seg[..6].copy_from_slice(&[0, 0, 0, 0, 0, 0xffff]),
        1 => seg[..6].fill(0),
        _ => {}
    }
    IpAddr::from(seg)
}

fn gen_varint(rng: &mut Rng, max_len: u64) -> CqlVarint {
    let mut b = rng.bytes(max_len);
    if b.is_empty() {
        b.push(rng.next() as u8);
    }
    CqlVarint::from_signed_bytes_be(b)
}

/// Python's ordering of the values its driver reads for these types (`sortedset`).
fn py_cmp(a: &CqlValue, b: &CqlValue) -> Ordering {
    use CqlValue as V;
    match (a, b) {
        (V::Int(x), V::Int(y)) => x.cmp(y),
        (V::BigInt(x), V::BigInt(y)) => x.cmp(y),
        (V::SmallInt(x), V::SmallInt(y)) => x.cmp(y),
        (V::TinyInt(x), V::TinyInt(y)) => x.cmp(y),
        (V::Text(x) | V::Ascii(x), V::Text(y) | V::Ascii(y)) => x.cmp(y),
        (V::Blob(x), V::Blob(y)) => x.cmp(y),
        (V::Uuid(x) | V::Timeuuid(x), V::Uuid(y) | V::Timeuuid(y)) => x.as_u128().cmp(&y.as_u128()),
        (V::Boolean(x), V::Boolean(y)) => x.cmp(y),
        (V::Date(x), V::Date(y)) => x.cmp(y),
        (V::Time(x), V::Time(y)) => x.cmp(y),
        (V::Timestamp(x), V::Timestamp(y)) => x.cmp(y),
        (V::Double(x), V::Double(y)) => x.partial_cmp(y).expect("no NaN in sets"),
        (V::Float(x), V::Float(y)) => x.partial_cmp(y).expect("no NaN in sets"),
        _ => panic!("no order for {a:?} and {b:?}"),
    }
}

const SET_ELEMENTS: &[ColumnType] = &[
    ColumnType::Int,
    ColumnType::BigInt,
    ColumnType::SmallInt,
    ColumnType::TinyInt,
    ColumnType::Text,
    ColumnType::Ascii,
    ColumnType::Blob,
    ColumnType::Uuid,
    ColumnType::Timeuuid,
    ColumnType::Boolean,
    ColumnType::Date,
    ColumnType::Time,
    ColumnType::Timestamp,
    ColumnType::Double,
    ColumnType::Float,
];

/// Types whose values the reference writes the same at any depth.
fn nested_scalar(rng: &mut Rng) -> ColumnType {
    let mut all = SET_ELEMENTS.to_vec();
    all.extend([
        ColumnType::Duration,
        ColumnType::Varint,
        ColumnType::Custom("org.example.Opaque".into()),
    ]);
    rng.pick(&all)
}

fn gen_type(rng: &mut Rng, depth: u32) -> ColumnType {
    if depth >= 2 || rng.chance(40) {
        return nested_scalar(rng);
    }
    match rng.below(4) {
        0 => ColumnType::List(Box::new(gen_type(rng, depth + 1))),
        1 => ColumnType::Set(Box::new(rng.pick(SET_ELEMENTS))),
        2 => {
            let key = if rng.chance(20) {
                ColumnType::List(Box::new(ColumnType::Int))
            } else {
                rng.pick(SET_ELEMENTS)
            };
            ColumnType::Map(Box::new(key), Box::new(gen_type(rng, depth + 1)))
        }
        _ => ColumnType::Vector {
            element: Box::new(rng.pick(&[
                ColumnType::Float,
                ColumnType::Double,
                ColumnType::Int,
                ColumnType::BigInt,
                ColumnType::Text,
                ColumnType::Uuid,
                ColumnType::Timestamp,
            ])),
            dimensions: rng.below(4) as u32 + 1,
        },
    }
}

/// The `[value]` contents of `v` as a column of type `t`.
fn serialized(v: &CqlValue, t: &ColumnType) -> Vec<u8> {
    let mut b = BytesMut::new();
    v.serialize(Some(t), &mut b)
        .unwrap_or_else(|e| panic!("serialize {v:?} as {t}: {e}"));
    b[4..].to_vec()
}

fn gen_value(rng: &mut Rng, t: &ColumnType) -> CqlValue {
    use CqlValue as V;
    let (r1, r2) = (rng.next(), rng.next());
    match t {
        ColumnType::Ascii => V::Ascii(gen_string(rng, true)),
        ColumnType::Text => V::Text(gen_string(rng, false)),
        ColumnType::BigInt => V::BigInt(rng.pick(&[i64::MIN, i64::MAX, 0, -1, r1 as i64])),
        ColumnType::Counter => V::Counter(rng.next() as i64 >> rng.below(64)),
        ColumnType::Int => V::Int(rng.pick(&[i32::MIN, i32::MAX, 0, r1 as i32])),
        ColumnType::SmallInt => V::SmallInt(rng.next() as i16),
        ColumnType::TinyInt => V::TinyInt(rng.next() as i8),
        ColumnType::Blob => V::Blob(Bytes::from(rng.bytes(16))),
        // Not empty: the reference reads an empty custom value as None (`NULL`), where
        // `0x` writes it back.
        ColumnType::Custom(_) => {
            let mut b = rng.bytes(8);
            b.push(r1 as u8);
            V::Custom(Bytes::from(b))
        }
        ColumnType::Boolean => V::Boolean(rng.chance(50)),
        ColumnType::Date => V::Date(CqlDate(rng.pick(&[
            0,
            u32::MAX,
            CqlDate::EPOCH,
            r1 as u32,
            r2 as u32,
        ]))),
        ColumnType::Decimal => V::Decimal(CqlDecimal {
            unscaled: gen_varint(rng, 24),
            scale: if rng.chance(5) {
                rng.pick(&[i32::MAX, i32::MAX - 1, -300])
            } else {
                rng.below(80) as i32 - 40
            },
        }),
        ColumnType::Double => V::Double(gen_double(rng)),
        ColumnType::Float => V::Float(gen_float(rng)),
        ColumnType::Duration => {
            let months = (rng.next() as u32 >> (1 + rng.below(31))) as i32;
            let days = (rng.next() as u32 >> (1 + rng.below(31))) as i32;
            let nanos = (rng.next() >> (1 + rng.below(63))) as i64;
            let d = if rng.chance(50) {
                CqlDuration {
                    months: -months,
                    days: -days,
                    nanoseconds: -nanos,
                }
            } else {
                CqlDuration {
                    months,
                    days,
                    nanoseconds: nanos,
                }
            };
            V::Duration(d)
        }
        ColumnType::Inet => V::Inet(gen_ip(rng)),
        ColumnType::Time => V::Time(CqlTime(rng.pick(&[
            0,
            CqlTime::NANOS_PER_DAY - 1,
            (r1 % CqlTime::NANOS_PER_DAY as u64) as i64,
        ]))),
        ColumnType::Timestamp => {
            // Python's datetime range, years 1 to 9999.
            let (lo, hi) = (-62_135_596_800_000_i64, 253_402_300_799_999_i64);
            V::Timestamp(CqlTimestamp(lo + (rng.next() % (hi - lo) as u64) as i64))
        }
        ColumnType::Timeuuid => {
            let raw = u128::from(rng.next()) << 64 | u128::from(rng.next());
            let v1 = (raw & !(0xf << 76) & !(0x3 << 62)) | (1 << 76) | (0x2 << 62);
            V::Timeuuid(Uuid::from_u128(v1))
        }
        ColumnType::Uuid => V::Uuid(Uuid::from_u128(
            u128::from(rng.next()) << 64 | u128::from(rng.next()),
        )),
        ColumnType::Varint => V::Varint(gen_varint(rng, 30)),
        ColumnType::List(e) => V::List((0..rng.below(5)).map(|_| gen_value(rng, e)).collect()),
        ColumnType::Set(e) => {
            let mut items: Vec<CqlValue> = (0..rng.below(6))
                .map(|_| gen_value(rng, e))
                .filter(|v| !matches!(v, V::Double(x) if x.is_nan()))
                .filter(|v| !matches!(v, V::Float(x) if x.is_nan()))
                .collect();
            items.sort_by(py_cmp);
            items.dedup_by(|a, b| py_cmp(a, b) == Ordering::Equal);
            V::Set(items)
        }
        ColumnType::Map(k, v) => {
            let mut keys: Vec<Vec<u8>> = Vec::new();
            let mut entries = Vec::new();
            for _ in 0..rng.below(5) {
                let key = gen_value(rng, k);
                let kb = serialized(&key, k);
                if !keys.contains(&kb) {
                    keys.push(kb);
                    entries.push((key, gen_value(rng, v)));
                }
            }
            V::Map(entries)
        }
        ColumnType::Vector {
            element,
            dimensions,
        } => V::Vector((0..*dimensions).map(|_| gen_value(rng, element)).collect()),
        other => panic!("no generator for {other}"),
    }
}

// ---------------------------------------------------------------------------------------
// The Python side

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("DRIVER_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let root = std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .expect("workspace root");
    let p = root.join(".run/venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/pyenv first (or set DRIVER_TEST_PYTHON)",
        p.display()
    );
    p
}

/// One answer per input line.
const SCRIPT: &str = r#"
import sys, datetime, ipaddress
from cassandra.util import (uuid_from_time, min_uuid_from_time, max_uuid_from_time,
                            unix_time_from_uuid1, datetime_from_uuid1)
from cassandra.encoder import Encoder
from cassandra.cqltypes import lookup_casstype
import uuid

EPOCH = datetime.datetime(1970, 1, 1)
US = datetime.timedelta(microseconds=1)
enc = Encoder()
types = {}

def casstype(name):
    t = types.get(name)
    if t is None:
        t = types[name] = lookup_casstype(name)
    return t

def dt(micros):
    return EPOCH + datetime.timedelta(microseconds=int(micros))

out = []
for line in sys.stdin:
    line = line.rstrip("\n")
    kind, rest = line.split(" ", 1)
    if kind in ("lit", "lip", "ldec"):
        hexval, name = rest.split(" ", 1)
        val = casstype(name).from_binary(bytes.fromhex(hexval), 4)
        if kind == "lip":
            text = enc.cql_encode_all_types(ipaddress.ip_address(val))
        elif kind == "ldec":
            text = str(val)
        else:
            text = enc.cql_encode_all_types(val)
        out.append(text.encode("utf-8").hex())
        continue
    a = rest.split(" ")
    if kind == "uf":
        out.append(str(uuid_from_time(float(a[0]), int(a[1]), int(a[2]))))
    elif kind == "ud":
        out.append(str(uuid_from_time(dt(a[0]), int(a[1]), int(a[2]))))
    elif kind == "ur":
        out.append(str(uuid_from_time(float(a[0]))))
    elif kind == "umin":
        out.append(str(min_uuid_from_time(float(a[0]))))
    elif kind == "umax":
        out.append(str(max_uuid_from_time(float(a[0]))))
    elif kind == "dmin":
        out.append(str(min_uuid_from_time(dt(a[0]))))
    elif kind == "dmax":
        out.append(str(max_uuid_from_time(dt(a[0]))))
    elif kind == "ut":
        out.append(repr(unix_time_from_uuid1(uuid.UUID(a[0]))))
    elif kind == "dt":
        out.append(str((datetime_from_uuid1(uuid.UUID(a[0])) - EPOCH) // US))
    else:
        raise ValueError(line)
sys.stdout.write("\n".join(out) + "\n")
"#;

/// Runs all `lines` through one Python process; its answers, one per line.
fn run_python(lines: &[String]) -> Vec<String> {
    let mut child = Command::new(python())
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python: run scripts/pyenv first");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = lines.join("\n") + "\n";
    // Written from another thread: Python's output could fill the pipe first.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("python output");
    writer.join().expect("writer").expect("write to python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf8");
    let answers: Vec<String> = text.lines().map(str::to_owned).collect();
    assert_eq!(answers.len(), lines.len(), "one answer per line");
    answers
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex_utf8(s: &str) -> String {
    let b: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect();
    String::from_utf8(b).expect("utf8")
}

fn system_time(micros: i64) -> SystemTime {
    let d = Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 {
        SystemTime::UNIX_EPOCH + d
    } else {
        SystemTime::UNIX_EPOCH - d
    }
}

fn unix_micros(t: SystemTime) -> i128 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_micros() as i128,
        Err(e) => -(e.duration().as_micros() as i128),
    }
}

fn intervals(u: Uuid) -> u64 {
    let (msb, _) = u.as_u64_pair();
    ((msb & 0x0fff) << 48) | (((msb >> 16) & 0xffff) << 32) | (msb >> 32)
}

/// The microseconds of the UUID range: 1582-10-15 to 5236-03-31.
const MIN_MICROS: i64 = -12_219_292_800_000_000;
const MAX_MICROS: i64 = 103_072_857_660_684_697;

/// A time in seconds across the UUID range, of several kinds.
fn gen_seconds(rng: &mut Rng) -> f64 {
    let span = (MAX_MICROS - MIN_MICROS) as f64 / 1e6;
    match rng.below(5) {
        0 => MIN_MICROS as f64 / 1e6 + rng.unit() * span,
        // Whole microseconds, as a number Python's float reads.
        1 => {
            let m = MIN_MICROS + (rng.next() % (MAX_MICROS - MIN_MICROS) as u64) as i64;
            m as f64 / 1e6
        }
        // Around the epoch, sub-microsecond parts included (truncated toward zero).
        2 => (rng.unit() - 0.5) * 10f64.powi(rng.below(12) as i32 - 6),
        // Current times.
        3 => 1.7e9 + rng.unit() * 1e8,
        _ => rng.pick(&[0.0, -1e-7, 1e-7, -12_219_292_800.0, 1_700_000_000.123_456]),
    }
}

fn gen_micros(rng: &mut Rng) -> i64 {
    match rng.below(3) {
        0 => MIN_MICROS + (rng.next() % (MAX_MICROS - MIN_MICROS + 1) as u64) as i64,
        1 => 1_700_000_000_000_000 + (rng.next() % 100_000_000_000_000) as i64,
        _ => rng.pick(&[MIN_MICROS, MAX_MICROS, 0, -1, 1]),
    }
}

fn gen_node_clock(rng: &mut Rng) -> (u64, u16) {
    match rng.below(4) {
        0 => (0, 0),
        1 => (0xffff_ffff_ffff, 0x3fff),
        _ => (rng.next() & 0xffff_ffff_ffff, rng.next() as u16 & 0x3fff),
    }
}

/// What a timeuuid line checks, with its Python answer.
enum TimeCase {
    /// Our UUID, to equal Python's.
    Same(Uuid),
    /// A datetime's UUID: ours, and the micros (Python computes through a double).
    Datetime(Uuid, i64),
    /// Python's random node and clock: only the time and version must match ours.
    Random(Uuid),
    /// `unix_time_from_uuid1`.
    UnixTime(f64),
    /// `datetime_from_uuid1`, in microseconds.
    DatetimeMicros(i128),
}

fn timeuuid_cases(rng: &mut Rng) -> Vec<(String, TimeCase)> {
    let mut out = Vec::new();
    for _ in 0..700 {
        let t = gen_seconds(rng);
        let (node, clock) = gen_node_clock(rng);
        // Times Python wraps around (out of the UUID range) are refused here: not compared.
        if let Ok(u) = uuid_from_time(t, Some(node), Some(clock)) {
            out.push((format!("uf {t:?} {node} {clock}"), TimeCase::Same(u)));
        }
    }
    for _ in 0..700 {
        let m = gen_micros(rng);
        let (node, clock) = gen_node_clock(rng);
        let u = uuid_from_time(system_time(m), Some(node), Some(clock)).expect("in range");
        out.push((format!("ud {m} {node} {clock}"), TimeCase::Datetime(u, m)));
    }
    for _ in 0..150 {
        let t = gen_seconds(rng);
        if let (Ok(lo), Ok(hi)) = (min_uuid_from_time(t), max_uuid_from_time(t)) {
            out.push((format!("umin {t:?}"), TimeCase::Same(lo)));
            out.push((format!("umax {t:?}"), TimeCase::Same(hi)));
        }
        let m = gen_micros(rng);
        let (lo, hi) = (
            min_uuid_from_time(system_time(m)).expect("in range"),
            max_uuid_from_time(system_time(m)).expect("in range"),
        );
        out.push((format!("dmin {m}"), TimeCase::Datetime(lo, m)));
        out.push((format!("dmax {m}"), TimeCase::Datetime(hi, m)));
    }
    for _ in 0..50 {
        let t = gen_seconds(rng);
        if let Ok(u) = uuid_from_time(t, None, None) {
            out.push((format!("ur {t:?}"), TimeCase::Random(u)));
        }
    }
    // Back from UUIDs: any 60-bit time, every node and clock.
    let mut uuids = vec![LOWEST_TIME_UUID, HIGHEST_TIME_UUID];
    for _ in 0..700 {
        let raw = u128::from(rng.next()) << 64 | u128::from(rng.next());
        let raw = if rng.chance(50) {
            // Current times are where a double's precision runs out.
            let t = (GREGORIAN_OFFSET + 17_000_000_000_000_000 + rng.below(1 << 50)) as u128;
            let msb = (t & 0xffff_ffff) << 32 | ((t >> 32) & 0xffff) << 16 | (t >> 48);
            msb << 64 | (raw & u64::MAX as u128)
        } else {
            raw
        };
        let v1 = (raw & !(0xf << 76)) | (1 << 76);
        uuids.push(Uuid::from_u128(v1));
    }
    for u in uuids {
        out.push((
            format!("ut {u}"),
            TimeCase::UnixTime(unix_time_from_uuid1(u).expect("v1")),
        ));
        out.push((
            format!("dt {u}"),
            TimeCase::DatetimeMicros(unix_micros(datetime_from_uuid1(u).expect("v1"))),
        ));
    }
    out
}

/// What a literal line checks.
enum LitCase {
    /// Our text, to equal the reference encoder's.
    Same(String),
    /// A decimal: ours, to equal Python's `str(Decimal)` (the reference encoder goes through
    /// a float; see `cql::util::encoder`).
    DecimalStr(String),
}

fn literal_cases(rng: &mut Rng) -> Vec<(String, LitCase)> {
    let mut out = Vec::new();
    let push = |v: &CqlValue, t: &ColumnType, out: &mut Vec<(String, LitCase)>| {
        let text = v.to_cql_literal();
        let kind = match t {
            ColumnType::Inet => "lip",
            ColumnType::Decimal => "ldec",
            _ => "lit",
        };
        let line = format!("{kind} {} {}", hex(&serialized(v, t)), t.class_name());
        if kind == "ldec" {
            if !text.starts_with("blobAsDecimal(") {
                out.push((line, LitCase::DecimalStr(text)));
            }
        } else {
            out.push((line, LitCase::Same(text)));
        }
    };
    // Every scalar type, many values each.
    let mut scalars = SET_ELEMENTS.to_vec();
    scalars.extend([
        ColumnType::Counter,
        ColumnType::Decimal,
        ColumnType::Duration,
        ColumnType::Inet,
        ColumnType::Varint,
        ColumnType::Custom("org.example.Opaque".into()),
    ]);
    for t in &scalars {
        for _ in 0..60 {
            let v = gen_value(rng, t);
            push(&v, t, &mut out);
        }
    }
    // Collections and vectors, nested.
    for _ in 0..800 {
        let t = match rng.below(4) {
            0 => ColumnType::List(Box::new(gen_type(rng, 1))),
            1 => ColumnType::Set(Box::new(rng.pick(SET_ELEMENTS))),
            2 => gen_type(rng, 0),
            _ => ColumnType::Map(Box::new(rng.pick(SET_ELEMENTS)), Box::new(gen_type(rng, 1))),
        };
        let v = gen_value(rng, &t);
        push(&v, &t, &mut out);
    }
    // Many doubles and floats: Python's repr against ours.
    for _ in 0..2000 {
        let v = CqlValue::Double(gen_double(rng));
        push(&v, &ColumnType::Double, &mut out);
    }
    for _ in 0..500 {
        let v = CqlValue::Float(gen_float(rng));
        push(&v, &ColumnType::Float, &mut out);
    }
    // An empty value: the reference reads it as None.
    push(&CqlValue::Empty, &ColumnType::Int, &mut out);
    out
}

#[test]
fn util_values_match_the_python_driver() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let time = timeuuid_cases(&mut rng);
    let lits = literal_cases(&mut rng);
    assert!(
        time.len() >= 1000 && lits.len() >= 1000,
        "{} {}",
        time.len(),
        lits.len()
    );
    let lines: Vec<String> = time
        .iter()
        .map(|(l, _)| l.clone())
        .chain(lits.iter().map(|(l, _)| l.clone()))
        .collect();
    let answers = run_python(&lines);
    let (time_answers, lit_answers) = answers.split_at(time.len());

    let mut python_rounded = 0;
    for ((line, case), theirs) in time.iter().zip(time_answers) {
        match case {
            TimeCase::Same(ours) => assert_eq!(&ours.to_string(), theirs, "{line}"),
            TimeCase::Datetime(ours, m) => {
                if &ours.to_string() == theirs {
                    continue;
                }
                // Python computes `int((seconds * 1e6 + microsecond) * 10)` in doubles;
                // beyond 2^54 intervals from 1970 that rounds. Everything else must agree.
                let (secs, us) = (m.div_euclid(1_000_000), m.rem_euclid(1_000_000));
                let py = ((secs as f64 * 1e6 + us as f64) * 10.0).trunc() as i128;
                let theirs: Uuid = theirs.parse().expect("uuid");
                // (At the very end of the range Python's rounding wraps around to 1582.)
                assert_eq!(
                    i128::from(intervals(theirs)),
                    (py + i128::from(GREGORIAN_OFFSET)) % (1 << 60),
                    "{line}: Python's difference is not its double rounding"
                );
                // Half a double's spacing at most: 2 intervals in 2027, 64 by 5236.
                let off = (i128::from(*m) * 10 - py).abs() as f64;
                assert!(
                    off <= (py as f64).abs() * f64::EPSILON,
                    "{line}: off by {off}"
                );
                assert!(
                    m.unsigned_abs() * 10 >= 1 << 54,
                    "{line}: an exact time differs"
                );
                assert_eq!(ours.as_bytes()[8..], theirs.as_bytes()[8..], "{line}");
                assert_eq!(theirs.get_version_num(), 1, "{line}");
                python_rounded += 1;
            }
            TimeCase::Random(ours) => {
                let theirs: Uuid = theirs.parse().expect("uuid");
                assert_eq!(intervals(*ours), intervals(theirs), "{line}");
                assert_eq!(theirs.get_version_num(), 1);
                assert_eq!(ours.as_bytes()[8] & 0xc0, theirs.as_bytes()[8] & 0xc0);
            }
            TimeCase::UnixTime(ours) => {
                let theirs: f64 = theirs.parse().expect("float");
                assert_eq!(ours.to_bits(), theirs.to_bits(), "{line}: {ours} {theirs}");
            }
            TimeCase::DatetimeMicros(ours) => {
                assert_eq!(ours.to_string(), *theirs, "{line}");
            }
        }
    }
    // The generator reaches the times where Python rounds, and most times are exact.
    assert!(python_rounded > 0, "no datetime past 2027 tried");
    assert!(python_rounded < 500, "{python_rounded}");

    for ((line, case), theirs) in lits.iter().zip(lit_answers) {
        let theirs = unhex_utf8(theirs);
        match case {
            LitCase::Same(ours) | LitCase::DecimalStr(ours) => {
                assert_eq!(ours, &theirs, "{line}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Against the server

/// Equal as read back: floats by bits (any NaN equals any NaN), sets and maps in any order
/// (the server sorts them).
fn same(a: &CqlValue, b: &CqlValue) -> bool {
    use CqlValue as V;
    let all = |x: &[CqlValue], y: &[CqlValue]| {
        x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
    };
    let opt = |x: &Option<CqlValue>, y: &Option<CqlValue>| match (x, y) {
        (None, None) => true,
        (Some(a), Some(b)) => same(a, b),
        _ => false,
    };
    match (a, b) {
        (V::Double(x), V::Double(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (V::Float(x), V::Float(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (V::List(x), V::List(y)) | (V::Vector(x), V::Vector(y)) => all(x, y),
        (V::Set(x), V::Set(y)) => {
            let mut left: Vec<&CqlValue> = y.iter().collect();
            x.len() == y.len()
                && x.iter()
                    .all(|e| match left.iter().position(|o| same(e, o)) {
                        Some(i) => {
                            left.remove(i);
                            true
                        }
                        None => false,
                    })
        }
        (V::Map(x), V::Map(y)) => {
            let mut left: Vec<&(CqlValue, CqlValue)> = y.iter().collect();
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    match left.iter().position(|(k2, v2)| same(k, k2) && same(v, v2)) {
                        Some(i) => {
                            left.remove(i);
                            true
                        }
                        None => false,
                    }
                })
        }
        (V::Tuple(x), V::Tuple(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| opt(a, b)),
        (
            V::Udt {
                keyspace: k1,
                name: n1,
                fields: f1,
            },
            V::Udt {
                keyspace: k2,
                name: n2,
                fields: f2,
            },
        ) => {
            k1 == k2
                && n1 == n2
                && f1.len() == f2.len()
                && f1
                    .iter()
                    .zip(f2)
                    .all(|((a, x), (b, y))| a == b && opt(x, y))
        }
        _ => a == b,
    }
}

const COLUMNS: &str = "c_ascii ascii, c_bigint bigint, c_blob blob, c_boolean boolean, \
    c_date date, c_decimal decimal, c_double double, c_duration duration, c_float float, \
    c_inet inet, c_int int, c_smallint smallint, c_text text, c_time time, \
    c_timestamp timestamp, c_timeuuid timeuuid, c_tinyint tinyint, c_uuid uuid, \
    c_varint varint, c_list_text list<text>, c_list_double list<double>, \
    c_set_int set<int>, c_set_text set<text>, c_set_blob set<blob>, c_map map<text, int>, \
    c_map_nested map<int, frozen<list<text>>>, c_list_map list<frozen<map<text, double>>>, \
    c_set_tuple set<frozen<tuple<int, text>>>, c_map_time map<time, date>, \
    c_map_inet map<inet, varint>, c_list_decimal list<decimal>, \
    c_list_duration list<duration>, c_tuple tuple<int, text, double>, c_tuple1 tuple<int>, \
    c_udt frozen<addr>, c_list_udt list<frozen<addr>>, c_vec_float vector<float, 3>, \
    c_vec_text vector<text, 2>, c_vec_double vector<double, 2>, \
    c_custom 'org.apache.cassandra.db.marshal.LexicalUUIDType'";

/// One literal to write: the column, the value (`None`: null), what must read back when it
/// is not the same value, and the column type for a typed literal.
struct Case {
    column: &'static str,
    value: Option<CqlValue>,
    back: Option<Option<CqlValue>>,
    typ: Option<ColumnType>,
}

fn case(column: &'static str, value: CqlValue) -> Case {
    Case {
        column,
        value: Some(value),
        back: None,
        typ: None,
    }
}

fn varint_of(bytes: &[u8]) -> CqlVarint {
    CqlVarint::from_signed_bytes_be(bytes.to_vec())
}

fn addr(ks: &str, street: Option<&str>, zip: Option<i32>, from: Option<i64>) -> CqlValue {
    CqlValue::Udt {
        keyspace: ks.to_owned(),
        name: "addr".into(),
        fields: vec![
            ("street".into(), street.map(|s| CqlValue::Text(s.into()))),
            ("Zip Code".into(), zip.map(CqlValue::Int)),
            (
                "from".into(),
                from.map(|t| CqlValue::Timestamp(CqlTimestamp(t))),
            ),
            (
                "tags".into(),
                Some(CqlValue::Set(vec![
                    CqlValue::Text(String::new()),
                    CqlValue::Text("it's".into()),
                ])),
            ),
        ],
    }
}

fn cases(ks: &str) -> Vec<Case> {
    use CqlValue as V;
    let t = |s: &str| V::Text(s.into());
    let d = |months, days, nanoseconds| {
        V::Duration(CqlDuration {
            months,
            days,
            nanoseconds,
        })
    };
    // 2^200 and -(2^200), minimal two's complement.
    let mut pow200 = vec![0x01];
    pow200.extend([0u8; 25]);
    let mut neg200 = vec![0xff];
    neg200.extend([0u8; 25]);
    let now = SystemTime::now();
    let mut out = vec![
        case("c_ascii", V::Ascii(String::new())),
        case("c_ascii", V::Ascii("it's ''quoted''".into())),
        case("c_ascii", V::Ascii("\u{1}\t\n\u{7f} ~".into())),
        case("c_bigint", V::BigInt(i64::MIN)),
        case("c_bigint", V::BigInt(i64::MAX)),
        case("c_blob", V::Blob(Bytes::new())),
        case(
            "c_blob",
            V::Blob(Bytes::from((0..=255u8).collect::<Vec<_>>())),
        ),
        case("c_boolean", V::Boolean(true)),
        case("c_boolean", V::Boolean(false)),
        case("c_date", V::Date(CqlDate(0))),
        case("c_date", V::Date(CqlDate(u32::MAX))),
        case("c_date", V::Date(CqlDate::from_days_since_epoch(0))),
        case("c_date", V::Date(CqlDate::from_days_since_epoch(-1))),
        case("c_date", V::Date(CqlDate::from_days_since_epoch(-719_162))), // 0001-01-01
        case("c_decimal", V::Decimal(CqlDecimal::new(0, 0))),
        case("c_decimal", V::Decimal(CqlDecimal::new(0, 5))),
        case("c_decimal", V::Decimal(CqlDecimal::new(0, -2))),
        case("c_decimal", V::Decimal(CqlDecimal::new(-150, 2))),
        case("c_decimal", V::Decimal(CqlDecimal::new(i64::MIN, 7))),
        case("c_decimal", V::Decimal(CqlDecimal::new(123, -5))),
        case("c_decimal", V::Decimal(CqlDecimal::new(-1, 7))),
        case("c_decimal", V::Decimal(CqlDecimal::new(7, i32::MAX))),
        case("c_decimal", V::Decimal(CqlDecimal::new(1, -300))),
        // Beyond a double: written as bytes.
        case("c_decimal", V::Decimal(CqlDecimal::new(-15, -400))),
        case("c_decimal", V::Decimal(CqlDecimal::new(7, i32::MIN))),
        case(
            "c_decimal",
            V::Decimal(CqlDecimal {
                unscaled: varint_of(&pow200),
                scale: 30,
            }),
        ),
        case("c_double", V::Double(f64::NAN)),
        case("c_double", V::Double(f64::INFINITY)),
        case("c_double", V::Double(f64::NEG_INFINITY)),
        case("c_double", V::Double(-0.0)),
        case("c_double", V::Double(0.1)),
        case("c_double", V::Double(1e16)),
        case("c_double", V::Double(1e-5)),
        case("c_double", V::Double(f64::MAX)),
        case("c_double", V::Double(f64::MIN)),
        case("c_double", V::Double(f64::MIN_POSITIVE)),
        case("c_double", V::Double(5e-324)),
        case("c_duration", d(0, 0, 0)),
        case("c_duration", d(1, 2, 3)),
        case("c_duration", d(-1, -2, -3)),
        case("c_duration", d(0, 0, -1)),
        case("c_duration", d(i32::MAX, i32::MAX, i64::MAX)),
        case("c_duration", d(-i32::MAX, -i32::MAX, -i64::MAX)),
        case("c_float", V::Float(f32::NAN)),
        case("c_float", V::Float(f32::INFINITY)),
        case("c_float", V::Float(f32::NEG_INFINITY)),
        case("c_float", V::Float(-0.0)),
        case("c_float", V::Float(0.1)),
        case("c_float", V::Float(f32::MAX)),
        case("c_float", V::Float(f32::MIN_POSITIVE)),
        case("c_float", V::Float(1e-45)),
        case("c_float", V::Float(16_777_216.0)),
        case("c_inet", V::Inet("0.0.0.0".parse().expect("ip"))),
        case("c_inet", V::Inet("255.255.255.255".parse().expect("ip"))),
        case("c_inet", V::Inet("::".parse().expect("ip"))),
        case("c_inet", V::Inet("::1".parse().expect("ip"))),
        case("c_inet", V::Inet("1:0:0:2:0:0:0:3".parse().expect("ip"))),
        case("c_inet", V::Inet("fe80::abcd:ef01".parse().expect("ip"))),
        case("c_inet", V::Inet("::1.2.3.4".parse().expect("ip"))),
        Case {
            // Cassandra's parser turns an IPv4-mapped address into the IPv4 one.
            back: Some(Some(V::Inet("1.2.3.4".parse().expect("ip")))),
            ..case("c_inet", V::Inet("::ffff:1.2.3.4".parse().expect("ip")))
        },
        case("c_int", V::Int(i32::MIN)),
        case("c_int", V::Int(i32::MAX)),
        case("c_smallint", V::SmallInt(i16::MIN)),
        case("c_smallint", V::SmallInt(i16::MAX)),
        case("c_tinyint", V::TinyInt(i8::MIN)),
        case("c_tinyint", V::TinyInt(i8::MAX)),
        case("c_text", t("")),
        case("c_text", t("'")),
        case("c_text", t("it's ''quoted'' \"double\" \\ $$dollar$$")),
        case("c_text", t("ünïcødé ✓ 数据 🎉\n\ttabs\0nul")),
        case("c_time", V::Time(CqlTime(0))),
        case("c_time", V::Time(CqlTime(CqlTime::NANOS_PER_DAY - 1))),
        case("c_time", V::Time(CqlTime(45_296_000_000_001))),
        case("c_timestamp", V::Timestamp(CqlTimestamp(i64::MIN))),
        case("c_timestamp", V::Timestamp(CqlTimestamp(i64::MAX))),
        case("c_timestamp", V::Timestamp(CqlTimestamp(0))),
        case("c_timestamp", V::Timestamp(CqlTimestamp(-1))),
        case("c_timeuuid", V::Timeuuid(LOWEST_TIME_UUID)),
        case("c_timeuuid", V::Timeuuid(HIGHEST_TIME_UUID)),
        case(
            "c_timeuuid",
            V::Timeuuid(min_uuid_from_time(now).expect("now")),
        ),
        case(
            "c_timeuuid",
            V::Timeuuid(max_uuid_from_time(now).expect("now")),
        ),
        case(
            "c_timeuuid",
            V::Timeuuid(uuid_from_time(now, None, None).expect("now")),
        ),
        case("c_uuid", V::Uuid(Uuid::nil())),
        case("c_uuid", V::Uuid(Uuid::max())),
        case(
            "c_uuid",
            V::Uuid(
                "550e8400-e29b-41d4-a716-446655440000"
                    .parse()
                    .expect("uuid"),
            ),
        ),
        case("c_varint", V::Varint(CqlVarint::from(0))),
        case("c_varint", V::Varint(CqlVarint::from(-1))),
        case("c_varint", V::Varint(varint_of(&pow200))),
        case("c_varint", V::Varint(varint_of(&neg200))),
        case(
            "c_varint",
            V::Varint(varint_of(&[
                0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ])),
        ),
        case(
            "c_list_text",
            V::List(vec![t(""), t("it's"), t("✓"), t("")]),
        ),
        case(
            "c_list_double",
            V::List(vec![
                V::Double(f64::NAN),
                V::Double(f64::NEG_INFINITY),
                V::Double(-0.0),
                V::Double(1e-5),
                V::Double(1e300),
            ]),
        ),
        case(
            "c_set_int",
            V::Set(vec![
                V::Int(i32::MIN),
                V::Int(-1),
                V::Int(0),
                V::Int(i32::MAX),
            ]),
        ),
        case("c_set_text", V::Set(vec![t(""), t("''"), t("z")])),
        case(
            "c_set_blob",
            V::Set(vec![
                V::Blob(Bytes::new()),
                V::Blob(Bytes::from_static(&[0, 0xff])),
            ]),
        ),
        case(
            "c_map",
            V::Map(vec![(t("a'"), V::Int(1)), (t(""), V::Int(i32::MIN))]),
        ),
        case(
            "c_map_nested",
            V::Map(vec![
                (V::Int(-5), V::List(vec![t("x"), t("'")])),
                (V::Int(7), V::List(vec![])),
            ]),
        ),
        case(
            "c_list_map",
            V::List(vec![
                V::Map(vec![]),
                V::Map(vec![
                    (t("x"), V::Double(f64::NAN)),
                    (t("y"), V::Double(-1.5)),
                ]),
            ]),
        ),
        case(
            "c_set_tuple",
            V::Set(vec![
                V::Tuple(vec![Some(V::Int(1)), Some(t("a"))]),
                V::Tuple(vec![Some(V::Int(2)), None]),
            ]),
        ),
        case(
            "c_map_time",
            V::Map(vec![
                (V::Time(CqlTime(0)), V::Date(CqlDate(0))),
                (
                    V::Time(CqlTime(CqlTime::NANOS_PER_DAY - 1)),
                    V::Date(CqlDate(u32::MAX)),
                ),
            ]),
        ),
        case(
            "c_map_inet",
            V::Map(vec![
                (
                    V::Inet("::1".parse().expect("ip")),
                    V::Varint(varint_of(&pow200)),
                ),
                (
                    V::Inet("10.0.0.1".parse().expect("ip")),
                    V::Varint(CqlVarint::from(-1)),
                ),
            ]),
        ),
        case(
            "c_list_decimal",
            V::List(vec![
                V::Decimal(CqlDecimal::new(150, 2)),
                V::Decimal(CqlDecimal::new(-1, 7)),
                V::Decimal(CqlDecimal::new(0, -2)),
                V::Decimal(CqlDecimal::new(1, -309)),
            ]),
        ),
        case(
            "c_list_duration",
            V::List(vec![d(1, 2, 3), d(-1, -2, -3), d(0, 0, 0)]),
        ),
        case(
            "c_tuple",
            V::Tuple(vec![
                Some(V::Int(i32::MIN)),
                Some(t("it's")),
                Some(V::Double(f64::NAN)),
            ]),
        ),
        case("c_tuple", V::Tuple(vec![None, None, None])),
        case(
            "c_tuple",
            V::Tuple(vec![Some(V::Int(0)), Some(t("")), None]),
        ),
        case("c_tuple1", V::Tuple(vec![Some(V::Int(5))])),
        case(
            "c_udt",
            addr(ks, Some("Main St, 'North'"), Some(12345), Some(-1)),
        ),
        case("c_udt", addr(ks, None, None, None)),
        case(
            "c_list_udt",
            V::List(vec![
                addr(ks, Some(""), Some(i32::MIN), Some(i64::MAX)),
                addr(ks, None, Some(0), None),
            ]),
        ),
        case(
            "c_vec_float",
            V::Vector(vec![
                V::Float(1.5),
                V::Float(f32::NAN),
                V::Float(f32::NEG_INFINITY),
            ]),
        ),
        case("c_vec_text", V::Vector(vec![t(""), t("it's")])),
        case(
            "c_vec_double",
            V::Vector(vec![V::Double(f64::MAX), V::Double(-0.0)]),
        ),
        case(
            "c_custom",
            V::Custom(Bytes::from_static(&[
                0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff,
            ])),
        ),
        // Null.
        Case {
            value: None,
            ..case("c_text", V::Empty)
        },
        Case {
            value: None,
            ..case("c_list_udt", V::Empty)
        },
    ];
    // Empty values, written with their type (Cassandra has none of `date`, `time`,
    // `smallint`, `tinyint` and `duration`).
    for (column, typ) in [
        ("c_int", ColumnType::Int),
        ("c_bigint", ColumnType::BigInt),
        ("c_double", ColumnType::Double),
        ("c_timestamp", ColumnType::Timestamp),
        ("c_uuid", ColumnType::Uuid),
        ("c_boolean", ColumnType::Boolean),
        ("c_inet", ColumnType::Inet),
        ("c_decimal", ColumnType::Decimal),
        ("c_timeuuid", ColumnType::Timeuuid),
        ("c_float", ColumnType::Float),
    ] {
        out.push(Case {
            typ: Some(typ),
            ..case(column, V::Empty)
        });
    }
    // A varint of no bytes is the empty varint.
    out.push(Case {
        typ: Some(ColumnType::Varint),
        ..case("c_varint", V::Varint(varint_of(&[])))
    });
    out
}

async fn literals_read_back(version: ProtocolVersion) {
    let s = session(version).await;
    let ks = keyspace(&s, "util_lit").await;
    for ddl in [
        format!(
            "CREATE TYPE {ks}.addr (street text, \"Zip Code\" int, \"from\" timestamp, \
             tags frozen<set<text>>)"
        ),
        format!("CREATE TABLE {ks}.lit (id int PRIMARY KEY, {COLUMNS})"),
        format!("CREATE TABLE {ks}.cnt (id int PRIMARY KEY, c counter)"),
    ] {
        s.execute(ddl.as_str(), ()).await.expect("ddl");
    }
    let cases = cases(&ks);
    let mut columns_seen = std::collections::BTreeSet::new();
    for (i, c) in cases.iter().enumerate() {
        let literal = match &c.typ {
            Some(t) => CqlLiteral::of(c.value.as_ref()).typed(t).to_string(),
            None => CqlLiteral::of(c.value.as_ref()).to_string(),
        };
        let insert = format!(
            "INSERT INTO {ks}.lit (id, {}) VALUES ({i}, {literal})",
            c.column
        );
        s.execute(insert.as_str(), ())
            .await
            .unwrap_or_else(|e| panic!("{version:?} {insert}: {e}"));
        let rs = s
            .execute(
                format!("SELECT {} FROM {ks}.lit WHERE id = {i}", c.column).as_str(),
                (),
            )
            .await
            .expect("select");
        let rows = rs.rows().expect("rows");
        let got = rows[0].values()[0].clone();
        let want = c.back.clone().unwrap_or_else(|| c.value.clone());
        let equal = match (&want, &got) {
            (None, None) => true,
            (Some(a), Some(b)) => same(a, b),
            _ => false,
        };
        assert!(
            equal,
            "{version:?} {}: wrote {literal}, read {got:?}, want {want:?}",
            c.column
        );
        columns_seen.insert(c.column);
    }
    // Every column of the table was written.
    assert_eq!(
        columns_seen.len(),
        COLUMNS.split(", c_").count(),
        "{columns_seen:?}"
    );

    // Counters take their literal in an update.
    for (id, delta) in [(1, i64::MAX), (2, i64::MIN), (3, -1), (4, 0)] {
        let lit = CqlValue::Counter(delta).to_cql_literal();
        s.execute(
            format!("UPDATE {ks}.cnt SET c = c + {lit} WHERE id = {id}").as_str(),
            (),
        )
        .await
        .expect("counter update");
        let rs = s
            .execute(
                format!("SELECT c FROM {ks}.cnt WHERE id = {id}").as_str(),
                (),
            )
            .await
            .expect("select counter");
        let rows = rs.rows().expect("rows");
        assert_eq!(rows[0].get("c"), Some(&CqlValue::Counter(delta)), "{lit}");
    }

    // Values no literal holds: the documented limits of Cassandra's parser.
    for v in [
        CqlValue::Duration(CqlDuration {
            months: i32::MIN,
            days: 0,
            nanoseconds: 0,
        }),
        CqlValue::Duration(CqlDuration {
            months: 0,
            days: 0,
            nanoseconds: i64::MIN,
        }),
    ] {
        let insert = format!(
            "INSERT INTO {ks}.lit (id, c_duration) VALUES (-1, {})",
            v.to_cql_literal()
        );
        assert!(s.execute(insert.as_str(), ()).await.is_err(), "{insert}");
    }
    s.execute(format!("DROP KEYSPACE {ks}").as_str(), ())
        .await
        .expect("drop");
}

#[tokio::test]
async fn util_values_literals_read_back_equal() {
    for v in VERSIONS {
        literals_read_back(v).await;
    }
}

async fn first_uuid(s: &Session, query: &str) -> Uuid {
    let rs = s.execute(query, ()).await.expect(query);
    let (u,): (Uuid,) = rs.first_row_typed().expect("row");
    u
}

async fn timeuuid_bounds(version: ProtocolVersion) {
    let s = session(version).await;
    let ks = keyspace(&s, "util_tu").await;
    s.execute(
        format!("CREATE TABLE {ks}.ev (p int, t timeuuid, PRIMARY KEY (p, t))").as_str(),
        (),
    )
    .await
    .expect("table");

    // Our min of a whole millisecond is Cassandra's minTimeuuid; Cassandra reads back the
    // time we put in.
    for ms in [
        0_i64,
        1_700_000_000_123,
        -1_000,
        -12_219_292_800_000,
        103_072_857_660_684,
    ] {
        let ours = min_uuid_from_time(CqlTimestamp(ms)).expect("in range");
        let theirs = first_uuid(&s, &format!("SELECT minTimeuuid({ms}) FROM system.local")).await;
        assert_eq!(ours, theirs, "minTimeuuid({ms})");
        let u = uuid_from_time(CqlTimestamp(ms), None, None).expect("in range");
        let rs = s
            .execute(
                format!(
                    "SELECT toUnixTimestamp({}) FROM system.local",
                    CqlValue::Timeuuid(u).to_cql_literal()
                )
                .as_str(),
                (),
            )
            .await
            .expect("toUnixTimestamp");
        let (back,): (i64,) = rs.first_row_typed().expect("row");
        assert_eq!(back, ms);
    }

    // Timeuuids of a few microseconds, each with extreme and random nodes and clocks, and
    // their neighbours one microsecond before and after: a range from min to max of a time
    // selects exactly that time's, as Cassandra sorts.
    let base = 1_700_000_000_000_000_i64;
    let times: Vec<i64> = vec![base - 1, base, base + 1, base + 1000, 0, -1];
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut by_time: Vec<(i64, Vec<Uuid>)> = Vec::new();
    for &m in &times {
        let t = system_time(m);
        let mut us = vec![
            uuid_from_time(t, Some(0), Some(0)).expect("t"),
            uuid_from_time(t, Some(0xffff_ffff_ffff), Some(0x3fff)).expect("t"),
            uuid_from_time(t, Some(0x8080_8080_8080), Some(0x0080)).expect("t"),
            uuid_from_time(t, Some(0x7f7f_7f7f_7f7f), Some(0x3f7f)).expect("t"),
            uuid_from_time(t, Some(0x7fff_ffff_ffff), Some(0x2000)).expect("t"),
            uuid_from_time(t, Some(0x8000_0000_0000), Some(0x1fff)).expect("t"),
        ];
        for _ in 0..10 {
            us.push(uuid_from_time(t, Some(rng.next() & 0xffff_ffff_ffff), None).expect("t"));
        }
        for u in &us {
            s.execute(
                format!(
                    "INSERT INTO {ks}.ev (p, t) VALUES (0, {})",
                    CqlValue::Timeuuid(*u).to_cql_literal()
                )
                .as_str(),
                (),
            )
            .await
            .expect("insert");
        }
        us.sort();
        by_time.push((m, us));
    }
    for (m, want) in &by_time {
        let t = system_time(*m);
        let (lo, hi) = (
            min_uuid_from_time(t).expect("t"),
            max_uuid_from_time(t).expect("t"),
        );
        let q = format!(
            "SELECT t FROM {ks}.ev WHERE p = 0 AND t >= {} AND t <= {}",
            CqlValue::Timeuuid(lo).to_cql_literal(),
            CqlValue::Timeuuid(hi).to_cql_literal()
        );
        let rs = s.execute(q.as_str(), ()).await.expect("range");
        let mut got: Vec<Uuid> = rs
            .rows_typed::<(Uuid,)>()
            .expect("rows")
            .map(|r| r.expect("row").0)
            .collect();
        got.sort();
        assert_eq!(&got, want, "{version:?} time {m} µs");
        for u in &got {
            assert_eq!(
                unix_micros(datetime_from_uuid1(*u).expect("v1")),
                i128::from(*m)
            );
        }
    }
    // The lowest and highest of all bound everything.
    let q = format!(
        "SELECT t FROM {ks}.ev WHERE p = 0 AND t > {LOWEST_TIME_UUID} AND t < {HIGHEST_TIME_UUID}"
    );
    let rs = s.execute(q.as_str(), ()).await.expect("all");
    assert_eq!(rs.rows().expect("rows").len(), times.len() * 16);
    s.execute(format!("DROP KEYSPACE {ks}").as_str(), ())
        .await
        .expect("drop");
}

#[tokio::test]
async fn util_values_min_max_timeuuids_bound_a_time_as_cassandra_sorts() {
    for v in VERSIONS {
        timeuuid_bounds(v).await;
    }
}

async fn ordered_maps(version: ProtocolVersion) {
    let s = session(version).await;
    let ks = keyspace(&s, "util_om").await;
    s.execute(
        format!(
            "CREATE TABLE {ks}.om (id int PRIMARY KEY, m map<int, text>, \
             d map<double, int>, u map<timeuuid, frozen<list<int>>>)"
        )
        .as_str(),
        (),
    )
    .await
    .expect("table");
    let insert = s
        .prepare(format!(
            "INSERT INTO {ks}.om (id, m, d, u) VALUES (?, ?, ?, ?)"
        ))
        .await
        .expect("prepare");
    let m: OrderedMap<i32, String> = [(5, "five"), (-3, "minus three"), (0, ""), (i32::MIN, "'")]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
    let d: OrderedMap<f64, i32> = [(1.5, 1), (0.0, 2), (f64::NEG_INFINITY, 3)]
        .into_iter()
        .collect();
    // Timeuuids: Cassandra orders them by time, which Rust's `Uuid` order is not.
    let early = uuid_from_time(1_000_000_000.0, Some(0xffff_ffff_ffff), Some(0)).expect("t");
    let late = (1..)
        .map(|s| uuid_from_time(1_000_000_000.0 + f64::from(s), Some(0), Some(0)).expect("t"))
        .find(|late| *late < early)
        .expect("a later time with smaller bytes");
    let u: OrderedMap<Uuid, Vec<i32>> =
        [(late, vec![2]), (early, vec![1, 1])].into_iter().collect();
    s.execute(&insert, (1_i32, &m, &d, &u))
        .await
        .expect("insert");
    // -0.0 and 0.0 are distinct keys to Cassandra (and `==` to Rust, so `insert` would
    // merge them): written as a literal, read back as two entries.
    let both = CqlValue::Map(vec![
        (CqlValue::Double(0.0), CqlValue::Int(2)),
        (CqlValue::Double(-0.0), CqlValue::Int(4)),
    ]);
    s.execute(
        format!(
            "UPDATE {ks}.om SET d = d + {} WHERE id = 2",
            both.to_cql_literal()
        )
        .as_str(),
        (),
    )
    .await
    .expect("update");
    let rs = s
        .execute(format!("SELECT d FROM {ks}.om WHERE id = 2").as_str(), ())
        .await
        .expect("select");
    let (zeros,): (OrderedMap<f64, i32>,) = rs.first_row_typed().expect("row");
    assert_eq!(
        zeros
            .iter()
            .map(|(k, v)| (k.to_bits(), *v))
            .collect::<Vec<_>>(),
        [((-0.0f64).to_bits(), 4), (0.0f64.to_bits(), 2)]
    );

    let rs = s
        .execute(
            format!("SELECT m, d, u FROM {ks}.om WHERE id = 1").as_str(),
            (),
        )
        .await
        .expect("select");
    type Maps = (
        OrderedMap<i32, String>,
        OrderedMap<f64, i32>,
        OrderedMap<Uuid, Vec<i32>>,
    );
    let (m_back, d_back, u_back): Maps = rs.first_row_typed().expect("row");
    // The server's order: ints ascending, doubles ascending, timeuuids by time.
    assert_eq!(
        m_back.keys().copied().collect::<Vec<_>>(),
        [i32::MIN, -3, 0, 5]
    );
    assert_eq!(m_back.get(&-3).map(String::as_str), Some("minus three"));
    assert_eq!(m_back.get(&0).map(String::as_str), Some(""));
    let d_keys: Vec<u64> = d_back.keys().map(|k| k.to_bits()).collect();
    assert_eq!(
        d_keys,
        [f64::NEG_INFINITY, 0.0, 1.5]
            .iter()
            .map(|k| k.to_bits())
            .collect::<Vec<_>>()
    );
    assert_eq!(d_back.get(&1.5), Some(&1));
    assert_eq!(u_back.keys().copied().collect::<Vec<_>>(), [early, late]);
    assert_eq!(u_back.get(&late), Some(&vec![2]));
    // The same through CqlValue.
    let rows = rs.rows().expect("rows");
    let as_value: OrderedMap<CqlValue, CqlValue> = rows[0]
        .get("u")
        .cloned()
        .and_then(CqlValue::into_map)
        .expect("map")
        .into_iter()
        .collect();
    assert_eq!(
        as_value.get(&CqlValue::Timeuuid(early)),
        Some(&CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(1)]))
    );
    s.execute(format!("DROP KEYSPACE {ks}").as_str(), ())
        .await
        .expect("drop");
}

#[tokio::test]
async fn util_values_ordered_maps_keep_the_server_order() {
    for v in VERSIONS {
        ordered_maps(v).await;
    }
}

#[test]
fn util_values_udt_literal_names_are_quoted() {
    // The UDT of the round-trip table, typed: quoting does not depend on the type.
    let udt = ColumnType::Udt(Arc::new(UserDefinedType {
        keyspace: "ks".into(),
        name: "addr".into(),
        fields: vec![
            ("street".into(), ColumnType::Text),
            ("Zip Code".into(), ColumnType::Int),
        ],
    }));
    let v = CqlValue::Udt {
        keyspace: "ks".into(),
        name: "addr".into(),
        fields: vec![
            ("street".into(), Some(CqlValue::Text("x".into()))),
            ("Zip Code".into(), Some(CqlValue::Empty)),
        ],
    };
    assert_eq!(
        CqlLiteral::new(&v).typed(&udt).to_string(),
        "{street: 'x', \"Zip Code\": blobAsInt(0x)}"
    );
}
