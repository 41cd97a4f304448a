//! `cql::util`: the timeuuid helpers and the CQL literal encoder give what the reference
//! Python driver's `cassandra.util` and `cassandra.encoder` give, on thousands of generated
//! values run through one Python process; every kind of literal written in an INSERT reads
//! back equal from a real Cassandra; min/max timeuuids bound a time as Cassandra sorts; and
//! `OrderedMap` keeps the server's order.
//!
//! The cross-check needs the Python driver (`$DRIVER_TEST_PYTHON` or `.run/venv`, made by
//! `scripts/pyenv`), the others the server (`CQL_TEST_HOSTS`).

use std::cmp::Ordering;
use std::net::IpAddr;

use bytes::{Bytes, BytesMut};
use cql::protocol::serialize::SerializeValue;
use cql::protocol::types::{CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint};
use cql::{ColumnType, CqlValue};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------
// Generation (deterministic: a fixed xorshift seed, so failures reproduce)

mod python;
mod roundtrip;
mod server;

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
