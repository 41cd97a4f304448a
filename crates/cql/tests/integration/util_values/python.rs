//! The timeuuid helpers and the literal encoder against `cassandra.util` and
//! `cassandra.encoder`, on thousands of generated values in one Python process.

use super::*;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use cql::util::timeuuid::GREGORIAN_OFFSET;
use cql::util::{
    HIGHEST_TIME_UUID, LOWEST_TIME_UUID, ToCqlLiteral, datetime_from_uuid1, max_uuid_from_time,
    min_uuid_from_time, unix_time_from_uuid1, uuid_from_time,
};
use cql::{ColumnType, CqlValue};
use uuid::Uuid;

use crate::common::python;

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

pub(super) fn system_time(micros: i64) -> SystemTime {
    let d = Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 {
        SystemTime::UNIX_EPOCH + d
    } else {
        SystemTime::UNIX_EPOCH - d
    }
}

pub(super) fn unix_micros(t: SystemTime) -> i128 {
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
