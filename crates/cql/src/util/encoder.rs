//! CQL literals: a [`CqlValue`] as CQL text that can stand in a query string (for logs, DDL
//! defaults, cqlsh-like output, or statements built as text), the way the Python driver's
//! `cassandra.encoder.Encoder.cql_encode_all_types` writes the value it reads for that type.
//!
//! | CQL type | literal | as the reference? |
//! | --- | --- | --- |
//! | `ascii`, `text` | `'it''s'`: single quotes, `'` doubled | same |
//! | `tinyint` to `bigint`, `counter`, `varint` | `-42`, any size | same |
//! | `boolean` | `True`, `False` (CQL keywords are case-insensitive) | same |
//! | `float`, `double` | Python's `repr` of the double (`0.1`, `1e-05`, `1e+16`, `-0.0`), `NaN`, `Infinity`, `-Infinity`; a `float` as the double it widens to (`0.10000000149011612`), which reads back as the same `float` | same |
//! | `decimal` | the exact value: `1.50`, `-1E-7`, `1.23E+7` (Java's `BigDecimal.toString`, Python's `str(Decimal)`), so the unscaled value and the scale read back unchanged; beyond the range of a double (`1E+309`), which Cassandra 5.0 refuses as a literal, `blobAsDecimal(0x...)` | **differs**: the reference writes `repr(float(d))`, which loses digits and the scale (and is `Infinity` beyond a double) |
//! | `blob`, custom types | `0x0aff`, `0x` when empty | same, but for an empty custom value, which the reference reads as `None` (`NULL`) |
//! | `uuid`, `timeuuid` | `550e8400-e29b-41d4-a716-446655440000` (unquoted) | same |
//! | `inet` | `'10.0.0.1'`, `'2001:db8::1'`: RFC 5952 text without dotted IPv4 tails (`'::ffff:102:304'`), as Python 3.11's `ipaddress` writes it (`cql_encode_ipaddress`) | same (Python 3.13 writes `'::ffff:1.2.3.4'`, and so does glibc's `inet_ntop`, whose string the reference's own reading of an `inet` column is) |
//! | `date` | the unsigned day number, `2147483648` for 1970-01-01 (any date, even far from the epoch) | same (`cql_encode_date_ext`) |
//! | `time` | `'13:45:00.000000001'` | same |
//! | `timestamp` | milliseconds since the epoch: `1700000000000` | same |
//! | `duration` | `1mo2d3ns`, `-1mo2d3ns` (a duration literal) | same |
//! | `list`, `vector` | `[1, 2]` | same |
//! | `set` | `{1, 2}` in the value's order | same (the reference sorts it first) |
//! | `map` | `{'a': 1, 'b': 2}` in the value's order | same |
//! | `tuple` | `(1, 'a', NULL)` | **differs**: the reference writes a list, `[1, 'a', None]`, which Cassandra refuses for a tuple |
//! | user-defined type | `{street: 'Main', "Zip Code": 12345, city: NULL}`, names quoted when they need it | **differs**: the reference writes Python's `repr` of a named tuple, which is no CQL |
//! | null | `NULL` | same |
//! | [`CqlValue::Empty`] | `NULL`, or `blobAsInt(0x)` (the function of the type) with a [type](CqlLiteral::typed) | untyped same: the reference reads an empty value as `None` |
//!
//! Values Cassandra itself cannot take as a literal, whatever the text: a `duration` with
//! `i32::MIN` months or days or `i64::MIN` nanoseconds (the literal's magnitude must fit a
//! positive `i32`/`i64`; the text is the reference's all the same), and an IPv4-mapped IPv6
//! `inet` (`::ffff:1.2.3.4`), which Cassandra's parser stores as the IPv4 address `1.2.3.4`.
//! Values no CQL type holds get text the server refuses: a `time` outside the day, a
//! `duration` whose parts differ in sign (written with the sign of the negative parts, as the
//! reference does), a tuple of no fields.
//!
//! ```
//! use cql::CqlValue;
//! use cql::util::encoder::ToCqlLiteral;
//!
//! let v = CqlValue::Map(vec![
//!     (CqlValue::Text("it's".into()), CqlValue::List(vec![CqlValue::Double(f64::NAN)])),
//!     (CqlValue::Text("".into()), CqlValue::List(vec![CqlValue::Double(0.1), CqlValue::Double(1e16)])),
//! ]);
//! assert_eq!(v.to_cql_literal(), "{'it''s': [NaN], '': [0.1, 1e+16]}");
//! let insert = format!("INSERT INTO ks.t (id, m) VALUES (1, {})", v.to_cql_literal());
//! ```

use std::fmt::{self, Write as _};
use std::net::IpAddr;

use cql_protocol::types::{CqlDecimal, CqlDuration, CqlTime, CqlVarint};

use crate::metadata::quote_identifier;
use crate::{ColumnType, CqlValue};

/// A value (or null) shown as a CQL literal by its `Display`; see the [module](self) for
/// the text of each type.
///
/// ```
/// use cql::{ColumnType, CqlValue};
/// use cql::util::encoder::CqlLiteral;
///
/// let v = CqlValue::Text("O'Brien".into());
/// assert_eq!(CqlLiteral::new(&v).to_string(), "'O''Brien'");
/// assert_eq!(CqlLiteral::null().to_string(), "NULL");
/// // An empty value needs its type to be written as one.
/// assert_eq!(CqlLiteral::new(&CqlValue::Empty).to_string(), "NULL");
/// assert_eq!(CqlLiteral::new(&CqlValue::Empty).typed(&ColumnType::Int).to_string(), "blobAsInt(0x)");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CqlLiteral<'a> {
    value: Option<&'a CqlValue>,
    typ: Option<&'a ColumnType>,
}

impl<'a> CqlLiteral<'a> {
    /// The literal of `value`.
    pub fn new(value: &'a CqlValue) -> Self {
        CqlLiteral {
            value: Some(value),
            typ: None,
        }
    }

    /// The literal of a value or null (`None`: `NULL`).
    ///
    /// ```
    /// use cql::CqlValue;
    /// use cql::util::encoder::CqlLiteral;
    /// assert_eq!(CqlLiteral::of(Some(&CqlValue::Int(1))).to_string(), "1");
    /// assert_eq!(CqlLiteral::of(None).to_string(), "NULL");
    /// ```
    pub fn of(value: Option<&'a CqlValue>) -> Self {
        CqlLiteral { value, typ: None }
    }

    /// `NULL`.
    pub fn null() -> Self {
        CqlLiteral {
            value: None,
            typ: None,
        }
    }

    /// The literal for a column of type `typ`. The value's variant still decides the text;
    /// the type only names the function that makes an empty value ([`CqlValue::Empty`], or
    /// a `varint` of no bytes), inside collections, tuples and UDTs too: `blobAsInt(0x)`.
    /// (Cassandra refuses an empty `date`, `time`, `smallint`, `tinyint` or `duration`
    /// however it is written, and never returns one.)
    ///
    /// ```
    /// use cql::{ColumnType, CqlValue};
    /// use cql::util::encoder::CqlLiteral;
    /// let t = ColumnType::Tuple(vec![ColumnType::Int, ColumnType::Timestamp]);
    /// let v = CqlValue::Tuple(vec![Some(CqlValue::Int(1)), Some(CqlValue::Empty)]);
    /// assert_eq!(CqlLiteral::new(&v).typed(&t).to_string(), "(1, blobAsTimestamp(0x))");
    /// ```
    pub fn typed(mut self, typ: &'a ColumnType) -> Self {
        self.typ = Some(typ);
        self
    }
}

impl fmt::Display for CqlLiteral<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_literal(f, self.value, self.typ)
    }
}

/// `to_cql_literal()` on values: the text of [`CqlLiteral`].
///
/// ```
/// use cql::CqlValue;
/// use cql::util::encoder::ToCqlLiteral;
/// assert_eq!(CqlValue::Boolean(true).to_cql_literal(), "True");
/// assert_eq!(Some(CqlValue::Float(f32::INFINITY)).to_cql_literal(), "Infinity");
/// assert_eq!(None::<CqlValue>.to_cql_literal(), "NULL");
/// ```
pub trait ToCqlLiteral {
    /// The value as a CQL literal.
    fn to_cql_literal(&self) -> String;
}

impl ToCqlLiteral for CqlValue {
    fn to_cql_literal(&self) -> String {
        CqlLiteral::new(self).to_string()
    }
}

impl ToCqlLiteral for Option<CqlValue> {
    fn to_cql_literal(&self) -> String {
        CqlLiteral::of(self.as_ref()).to_string()
    }
}

/// Values as a parenthesized CQL sequence, `(1, 2, 3)`, for `IN` (the reference's
/// `ValueSequence`). `None` is `NULL`.
///
/// ```
/// use cql::CqlValue;
/// use cql::util::encoder::encode_sequence;
/// let ids = [CqlValue::Int(1), CqlValue::Int(2)];
/// assert_eq!(encode_sequence(ids.iter().map(Some)), "(1, 2)");
/// ```
pub fn encode_sequence<'a>(values: impl IntoIterator<Item = Option<&'a CqlValue>>) -> String {
    let mut out = String::from("(");
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{}", CqlLiteral::of(v));
    }
    out.push(')');
    out
}

fn write_literal(
    f: &mut fmt::Formatter<'_>,
    value: Option<&CqlValue>,
    typ: Option<&ColumnType>,
) -> fmt::Result {
    let Some(value) = value else {
        return f.write_str("NULL");
    };
    match value {
        CqlValue::Ascii(s) | CqlValue::Text(s) => write_string(f, s),
        CqlValue::BigInt(v) | CqlValue::Counter(v) => write!(f, "{v}"),
        CqlValue::Int(v) => write!(f, "{v}"),
        CqlValue::SmallInt(v) => write!(f, "{v}"),
        CqlValue::TinyInt(v) => write!(f, "{v}"),
        CqlValue::Varint(v) if v.as_signed_bytes_be().is_empty() => write_empty(f, typ),
        CqlValue::Varint(v) => write_varint(f, v),
        CqlValue::Boolean(v) => f.write_str(if *v { "True" } else { "False" }),
        CqlValue::Blob(b) | CqlValue::Custom(b) => write_hex(f, b),
        CqlValue::Date(d) => write!(f, "{}", d.0),
        CqlValue::Decimal(d) => write_decimal(f, d),
        CqlValue::Double(v) => write_float(f, *v),
        CqlValue::Float(v) => write_float(f, f64::from(*v)),
        CqlValue::Duration(d) => write_duration(f, d),
        CqlValue::Inet(ip) => write_inet(f, ip),
        CqlValue::Time(t) => write_time(f, *t),
        CqlValue::Timestamp(t) => write!(f, "{}", t.0),
        CqlValue::Uuid(u) | CqlValue::Timeuuid(u) => write!(f, "{}", u.hyphenated()),
        CqlValue::List(items) | CqlValue::Vector(items) => {
            let elem = match typ {
                Some(ColumnType::List(e) | ColumnType::Set(e)) => Some(&**e),
                Some(ColumnType::Vector { element, .. }) => Some(&**element),
                _ => None,
            };
            write_items(f, "[", "]", items, elem)
        }
        CqlValue::Set(items) => {
            let elem = match typ {
                Some(ColumnType::List(e) | ColumnType::Set(e)) => Some(&**e),
                _ => None,
            };
            write_items(f, "{", "}", items, elem)
        }
        CqlValue::Map(entries) => {
            let (kt, vt) = match typ {
                Some(ColumnType::Map(k, v)) => (Some(&**k), Some(&**v)),
                _ => (None, None),
            };
            f.write_str("{")?;
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_literal(f, Some(k), kt)?;
                f.write_str(": ")?;
                write_literal(f, Some(v), vt)?;
            }
            f.write_str("}")
        }
        CqlValue::Tuple(fields) => {
            let types = match typ {
                Some(ColumnType::Tuple(ts)) => Some(ts.as_slice()),
                _ => None,
            };
            f.write_str("(")?;
            for (i, v) in fields.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_literal(f, v.as_ref(), types.and_then(|ts| ts.get(i)))?;
            }
            f.write_str(")")
        }
        CqlValue::Udt { fields, .. } => {
            let udt = match typ {
                Some(ColumnType::Udt(u)) => Some(u),
                _ => None,
            };
            f.write_str("{")?;
            for (i, (name, v)) in fields.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                let t = udt.and_then(|u| u.fields.iter().find(|(n, _)| n == name).map(|(_, t)| t));
                write!(f, "{}: ", quote_identifier(name))?;
                write_literal(f, v.as_ref(), t)?;
            }
            f.write_str("}")
        }
        CqlValue::Empty => write_empty(f, typ),
        // `CqlValue` is non-exhaustive: a variant added later is written as null until it
        // has its own text.
        _ => f.write_str("NULL"),
    }
}

fn write_items(
    f: &mut fmt::Formatter<'_>,
    open: &str,
    close: &str,
    items: &[CqlValue],
    elem: Option<&ColumnType>,
) -> fmt::Result {
    f.write_str(open)?;
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_literal(f, Some(v), elem)?;
    }
    f.write_str(close)
}

/// `'...'` with `'` doubled (the reference's `cql_quote`).
fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for (i, part) in s.split('\'').enumerate() {
        if i > 0 {
            f.write_str("''")?;
        }
        f.write_str(part)?;
    }
    f.write_char('\'')
}

fn write_hex(f: &mut fmt::Formatter<'_>, b: &[u8]) -> fmt::Result {
    f.write_str("0x")?;
    for x in b {
        write!(f, "{x:02x}")?;
    }
    Ok(())
}

/// An empty value: `blobAs<type>(0x)` for a native type, `NULL` otherwise (untyped, or a
/// type without such a function).
fn write_empty(f: &mut fmt::Formatter<'_>, typ: Option<&ColumnType>) -> fmt::Result {
    let name = match typ {
        Some(ColumnType::Ascii) => "Ascii",
        Some(ColumnType::BigInt) => "Bigint",
        Some(ColumnType::Blob) => return f.write_str("0x"),
        Some(ColumnType::Boolean) => "Boolean",
        Some(ColumnType::Counter) => "Counter",
        Some(ColumnType::Date) => "Date",
        Some(ColumnType::Decimal) => "Decimal",
        Some(ColumnType::Double) => "Double",
        Some(ColumnType::Duration) => "Duration",
        Some(ColumnType::Float) => "Float",
        Some(ColumnType::Inet) => "Inet",
        Some(ColumnType::Int) => "Int",
        Some(ColumnType::SmallInt) => "Smallint",
        Some(ColumnType::Text) => "Text",
        Some(ColumnType::Time) => "Time",
        Some(ColumnType::Timestamp) => "Timestamp",
        Some(ColumnType::Timeuuid) => "Timeuuid",
        Some(ColumnType::TinyInt) => "Tinyint",
        Some(ColumnType::Uuid) => "Uuid",
        Some(ColumnType::Varint) => "Varint",
        Some(ColumnType::Custom(_)) => return f.write_str("0x"),
        _ => return f.write_str("NULL"),
    };
    write!(f, "blobAs{name}(0x)")
}

/// Python's `repr` of a double (shortest round-trip digits; exponent form below 1e-4 and
/// from 1e16), with the reference's `NaN`, `Infinity` and `-Infinity`.
fn write_float(f: &mut fmt::Formatter<'_>, v: f64) -> fmt::Result {
    if v.is_nan() {
        return f.write_str("NaN");
    }
    if v.is_infinite() {
        return f.write_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    }
    // `{:e}` is Rust's shortest round-trip form, `d.ddde[-]x`. Python's repr has as many
    // digits, the closest to the value of those that round-trip, ties to even; Rust breaks
    // an exact tie upwards (…940.25 → …940.3 where Python writes …940.2). Its exact
    // formatting rounds ties to even: that text, when it round-trips.
    let shortest = format!("{v:e}");
    let digits = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.chars().filter(char::is_ascii_digit).count());
    let nearest = format!("{v:.*e}", digits.saturating_sub(1));
    let sci = if nearest.parse::<f64>() == Ok(v) {
        nearest
    } else {
        shortest
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    f.write_str(sign)?;
    // Python's decpt: the decimal point after `decpt` digits.
    let decpt = exp + 1;
    if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at(1);
        f.write_str(first)?;
        if !rest.is_empty() {
            write!(f, ".{rest}")?;
        }
        let esign = if exp < 0 { '-' } else { '+' };
        write!(f, "e{esign}{:02}", exp.unsigned_abs())
    } else if decpt <= 0 {
        write!(f, "0.{}{digits}", "0".repeat(decpt.unsigned_abs() as usize))
    } else {
        let decpt = decpt as usize;
        if decpt >= digits.len() {
            write!(f, "{digits}{}.0", "0".repeat(decpt - digits.len()))
        } else {
            write!(f, "{}.{}", &digits[..decpt], &digits[decpt..])
        }
    }
}

/// The decimal digits of a two's-complement big-endian integer, and whether it is negative.
fn varint_digits(bytes: &[u8]) -> (bool, String) {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut magnitude = bytes.to_vec();
    if negative {
        // Two's complement negation: invert, add one.
        for b in &mut magnitude {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (sum, carry) = b.overflowing_add(1);
            *b = sum;
            if !carry {
                break;
            }
        }
    }
    // Base 2^32 limbs, most significant first; then repeated division by 10^9.
    let skip = magnitude.iter().take_while(|b| **b == 0).count();
    let magnitude = &magnitude[skip..];
    let mut limbs: Vec<u32> = Vec::with_capacity(magnitude.len() / 4 + 1);
    let head = magnitude.len() % 4;
    if head > 0 {
        limbs.push(
            magnitude[..head]
                .iter()
                .fold(0, |a, b| (a << 8) | u32::from(*b)),
        );
    }
    for c in magnitude[head..].chunks_exact(4) {
        limbs.push(u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
    }
    let mut chunks: Vec<u32> = Vec::new(); // base 10^9, least significant first
    while !limbs.is_empty() {
        let mut rem: u64 = 0;
        for l in &mut limbs {
            let cur = (rem << 32) | u64::from(*l);
            *l = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        chunks.push(rem as u32);
        let zeros = limbs.iter().take_while(|l| **l == 0).count();
        limbs.drain(..zeros);
    }
    let mut s = match chunks.pop() {
        None => return (false, "0".to_owned()),
        Some(top) => top.to_string(),
    };
    for c in chunks.iter().rev() {
        let _ = write!(s, "{c:09}");
    }
    (negative, s)
}

fn write_varint(f: &mut fmt::Formatter<'_>, v: &CqlVarint) -> fmt::Result {
    let (negative, digits) = varint_digits(v.as_signed_bytes_be());
    if negative {
        f.write_char('-')?;
    }
    f.write_str(&digits)
}

/// The exact decimal, as Java's `BigDecimal.toString` (Cassandra's text of a decimal) and
/// Python's `str(Decimal)` write it: plain when the scale is `>= 0` and the adjusted
/// exponent `>= -6`, scientific (`1.23E+7`) otherwise.
///
/// Cassandra 5.0's parser also reads a literal with a fraction or an exponent as a double
/// and refuses the statement when that overflows (`1E+309`, even for a `decimal`): a
/// decimal beyond the double range is written as its bytes, `blobAsDecimal(0x...)`.
fn write_decimal(f: &mut fmt::Formatter<'_>, d: &CqlDecimal) -> fmt::Result {
    let (negative, digits) = varint_digits(d.unscaled.as_signed_bytes_be());
    let exponent = -i64::from(d.scale);
    let adjusted = exponent + digits.len() as i64 - 1;
    let mut s = String::with_capacity(digits.len() + 16);
    if negative {
        s.push('-');
    }
    if exponent <= 0 && adjusted >= -6 {
        let point = digits.len() as i64 + exponent; // digits before the point
        if exponent == 0 {
            s.push_str(&digits);
        } else if point > 0 {
            let (int, frac) = digits.split_at(point as usize);
            let _ = write!(s, "{int}.{frac}");
        } else {
            let _ = write!(s, "0.{}{digits}", "0".repeat(point.unsigned_abs() as usize));
        }
    } else {
        let (first, rest) = digits.split_at(1);
        s.push_str(first);
        if !rest.is_empty() {
            let _ = write!(s, ".{rest}");
        }
        let sign = if adjusted < 0 { '-' } else { '+' };
        let _ = write!(s, "E{sign}{}", adjusted.unsigned_abs());
    }
    // Both parsers round correctly, so this is where Cassandra's overflows.
    if adjusted >= 308 && s.parse::<f64>().is_ok_and(f64::is_infinite) {
        f.write_str("blobAsDecimal(")?;
        let mut bytes = d.scale.to_be_bytes().to_vec();
        bytes.extend_from_slice(d.unscaled.as_signed_bytes_be());
        write_hex(f, &bytes)?;
        return f.write_str(")");
    }
    f.write_str(&s)
}

/// The reference's `str(Duration)`: `[-]<months>mo<days>d<nanoseconds>ns` with the sign of
/// any negative part.
fn write_duration(f: &mut fmt::Formatter<'_>, d: &CqlDuration) -> fmt::Result {
    let negative = d.months < 0 || d.days < 0 || d.nanoseconds < 0;
    write!(
        f,
        "{}{}mo{}d{}ns",
        if negative { "-" } else { "" },
        d.months.unsigned_abs(),
        d.days.unsigned_abs(),
        d.nanoseconds.unsigned_abs()
    )
}

/// The reference's `str(Time)`, quoted: `'%02d:%02d:%02d.%09d'` with floor division.
fn write_time(f: &mut fmt::Formatter<'_>, t: CqlTime) -> fmt::Result {
    const SECOND: i64 = 1_000_000_000;
    let n = t.0;
    write!(
        f,
        "'{:02}:{:02}:{:02}.{:09}'",
        n.div_euclid(3600 * SECOND),
        n.div_euclid(60 * SECOND).rem_euclid(60),
        n.div_euclid(SECOND).rem_euclid(60),
        n.rem_euclid(SECOND)
    )
}

/// `'a.b.c.d'` or an IPv6 address as Python 3.11's `ipaddress` compresses it: lower-case
/// hex groups without leading zeros, the first longest run of two or more zero groups as
/// `::`, and never a dotted IPv4 tail.
fn write_inet(f: &mut fmt::Formatter<'_>, ip: &IpAddr) -> fmt::Result {
    let v6 = match ip {
        IpAddr::V4(v4) => return write!(f, "'{v4}'"),
        IpAddr::V6(v6) => v6.segments(),
    };
    let (mut best_start, mut best_len) = (0, 0);
    let mut run_start = 0;
    let mut run_len = 0;
    for (i, g) in v6.iter().enumerate() {
        if *g == 0 {
            if run_len == 0 {
                run_start = i;
            }
            run_len += 1;
            if run_len > best_len {
                (best_start, best_len) = (run_start, run_len);
            }
        } else {
            run_len = 0;
        }
    }
    let groups = |f: &mut fmt::Formatter<'_>, gs: &[u16]| -> fmt::Result {
        for (i, g) in gs.iter().enumerate() {
            if i > 0 {
                f.write_char(':')?;
            }
            write!(f, "{g:x}")?;
        }
        Ok(())
    };
    f.write_char('\'')?;
    if best_len > 1 {
        groups(f, &v6[..best_start])?;
        f.write_str("::")?;
        groups(f, &v6[best_start + best_len..])?;
    } else {
        groups(f, &v6)?;
    }
    f.write_char('\'')
}

#[cfg(test)]
#[path = "encoder_tests.rs"]
mod tests;
