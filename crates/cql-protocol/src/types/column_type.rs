//! The CQL type model, its `[option]` wire encoding and the parser for Cassandra's marshal
//! class names (how Cassandra 5.0 describes `vector` and other types as "custom").

use std::fmt;
use std::sync::Arc;

use bytes::{BufMut, BytesMut};

use crate::error::{ProtocolError, Result};
use crate::wire::{Reader, put_string};

/// How deep collection/tuple/UDT types may nest before decoding refuses them.
pub const MAX_TYPE_DEPTH: usize = 32;

/// A CQL column type.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// A custom type, by its Java class name.
    Custom(Arc<str>),
    /// `ascii`
    Ascii,
    /// `bigint`
    BigInt,
    /// `blob`
    Blob,
    /// `boolean`
    Boolean,
    /// `counter`
    Counter,
    /// `date`
    Date,
    /// `decimal`
    Decimal,
    /// `double`
    Double,
    /// `duration`
    Duration,
    /// `float`
    Float,
    /// `inet`
    Inet,
    /// `int`
    Int,
    /// `smallint`
    SmallInt,
    /// `text` / `varchar`
    Text,
    /// `time`
    Time,
    /// `timestamp`
    Timestamp,
    /// `timeuuid`
    Timeuuid,
    /// `tinyint`
    TinyInt,
    /// `uuid`
    Uuid,
    /// `varint`
    Varint,
    /// `list<T>`
    List(Box<ColumnType>),
    /// `set<T>`
    Set(Box<ColumnType>),
    /// `map<K, V>`
    Map(Box<ColumnType>, Box<ColumnType>),
    /// `tuple<...>`
    Tuple(Vec<ColumnType>),
    /// A user-defined type.
    Udt(Arc<UserDefinedType>),
    /// `vector<T, n>`
    Vector {
        /// The element type.
        element: Box<ColumnType>,
        /// The number of elements.
        dimensions: u32,
    },
}

/// The definition of a user-defined type as sent in metadata.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserDefinedType {
    /// The keyspace it belongs to.
    pub keyspace: String,
    /// Its name.
    pub name: String,
    /// Field names and types, in order.
    pub fields: Vec<(String, ColumnType)>,
}

impl ColumnType {
    /// The fixed serialized size of a value of this type, if every value has the same size.
    ///
    /// Vectors of such types concatenate elements without length prefixes (the same set of
    /// types Cassandra and the Python driver treat as fixed-length).
    pub fn fixed_len(&self) -> Option<usize> {
        match self {
            ColumnType::Boolean => Some(1),
            ColumnType::Int | ColumnType::Float => Some(4),
            ColumnType::BigInt | ColumnType::Double | ColumnType::Timestamp => Some(8),
            ColumnType::Uuid | ColumnType::Timeuuid => Some(16),
            ColumnType::Vector {
                element,
                dimensions,
            } => element
                .fixed_len()
                .and_then(|l| l.checked_mul(*dimensions as usize)),
            _ => None,
        }
    }

    /// Reads an `[option]` type description.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Self::decode_depth(r, 0)
    }

    fn decode_depth(r: &mut Reader<'_>, depth: usize) -> Result<Self> {
        if depth > MAX_TYPE_DEPTH {
            return Err(ProtocolError::TypeNestingTooDeep(MAX_TYPE_DEPTH));
        }
        let id = r.short("type id")?;
        let d = depth + 1;
        Ok(match id {
            0x0000 => {
                let name = r.string("custom type name")?;
                parse_class_name(name).unwrap_or_else(|| ColumnType::Custom(Arc::from(name)))
            }
            0x0001 => ColumnType::Ascii,
            0x0002 => ColumnType::BigInt,
            0x0003 => ColumnType::Blob,
            0x0004 => ColumnType::Boolean,
            0x0005 => ColumnType::Counter,
            0x0006 => ColumnType::Decimal,
            0x0007 => ColumnType::Double,
            0x0008 => ColumnType::Float,
            0x0009 => ColumnType::Int,
            0x000A => ColumnType::Text, // legacy "text" id, same as varchar
            0x000B => ColumnType::Timestamp,
            0x000C => ColumnType::Uuid,
            0x000D => ColumnType::Text,
            0x000E => ColumnType::Varint,
            0x000F => ColumnType::Timeuuid,
            0x0010 => ColumnType::Inet,
            0x0011 => ColumnType::Date,
            0x0012 => ColumnType::Time,
            0x0013 => ColumnType::SmallInt,
            0x0014 => ColumnType::TinyInt,
            0x0015 => ColumnType::Duration,
            0x0020 => ColumnType::List(Box::new(Self::decode_depth(r, d)?)),
            0x0021 => {
                let k = Self::decode_depth(r, d)?;
                let v = Self::decode_depth(r, d)?;
                ColumnType::Map(Box::new(k), Box::new(v))
            }
            0x0022 => ColumnType::Set(Box::new(Self::decode_depth(r, d)?)),
            0x0030 => {
                let keyspace = r.string("udt keyspace")?.to_owned();
                let name = r.string("udt name")?.to_owned();
                let n = r.short("udt field count")? as usize;
                let mut fields = Vec::with_capacity(n.min(r.remaining().len() / 4));
                for _ in 0..n {
                    let fname = r.string("udt field name")?.to_owned();
                    fields.push((fname, Self::decode_depth(r, d)?));
                }
                ColumnType::Udt(Arc::new(UserDefinedType {
                    keyspace,
                    name,
                    fields,
                }))
            }
            0x0031 => {
                let n = r.short("tuple arity")? as usize;
                let mut elems = Vec::with_capacity(n.min(r.remaining().len() / 2));
                for _ in 0..n {
                    elems.push(Self::decode_depth(r, d)?);
                }
                ColumnType::Tuple(elems)
            }
            other => return Err(ProtocolError::UnknownTypeId(other)),
        })
    }

    /// Writes the `[option]` type description (vectors as the custom `VectorType` class name).
    pub fn encode(&self, dst: &mut BytesMut) -> Result<()> {
        let simple = |dst: &mut BytesMut, id: u16| {
            dst.put_u16(id);
            Ok(())
        };
        match self {
            ColumnType::Custom(name) => {
                dst.put_u16(0);
                put_string(dst, name)
            }
            ColumnType::Ascii => simple(dst, 0x01),
            ColumnType::BigInt => simple(dst, 0x02),
            ColumnType::Blob => simple(dst, 0x03),
            ColumnType::Boolean => simple(dst, 0x04),
            ColumnType::Counter => simple(dst, 0x05),
            ColumnType::Decimal => simple(dst, 0x06),
            ColumnType::Double => simple(dst, 0x07),
            ColumnType::Float => simple(dst, 0x08),
            ColumnType::Int => simple(dst, 0x09),
            ColumnType::Timestamp => simple(dst, 0x0B),
            ColumnType::Uuid => simple(dst, 0x0C),
            ColumnType::Text => simple(dst, 0x0D),
            ColumnType::Varint => simple(dst, 0x0E),
            ColumnType::Timeuuid => simple(dst, 0x0F),
            ColumnType::Inet => simple(dst, 0x10),
            ColumnType::Date => simple(dst, 0x11),
            ColumnType::Time => simple(dst, 0x12),
            ColumnType::SmallInt => simple(dst, 0x13),
            ColumnType::TinyInt => simple(dst, 0x14),
            ColumnType::Duration => simple(dst, 0x15),
            ColumnType::List(e) => {
                dst.put_u16(0x20);
                e.encode(dst)
            }
            ColumnType::Map(k, v) => {
                dst.put_u16(0x21);
                k.encode(dst)?;
                v.encode(dst)
            }
            ColumnType::Set(e) => {
                dst.put_u16(0x22);
                e.encode(dst)
            }
            ColumnType::Udt(u) => {
                dst.put_u16(0x30);
                put_string(dst, &u.keyspace)?;
                put_string(dst, &u.name)?;
                dst.put_u16(u16::try_from(u.fields.len()).map_err(|_| {
                    ProtocolError::TooLargeToEncode {
                        what: "udt fields",
                        len: u.fields.len(),
                    }
                })?);
                for (n, t) in &u.fields {
                    put_string(dst, n)?;
                    t.encode(dst)?;
                }
                Ok(())
            }
            ColumnType::Tuple(ts) => {
                dst.put_u16(0x31);
                dst.put_u16(u16::try_from(ts.len()).map_err(|_| {
                    ProtocolError::TooLargeToEncode {
                        what: "tuple arity",
                        len: ts.len(),
                    }
                })?);
                for t in ts {
                    t.encode(dst)?;
                }
                Ok(())
            }
            ColumnType::Vector { .. } => {
                dst.put_u16(0);
                put_string(dst, &self.class_name())
            }
        }
    }

    /// The Cassandra marshal class name describing this type.
    pub fn class_name(&self) -> String {
        const P: &str = "org.apache.cassandra.db.marshal.";
        let simple = |s: &str| format!("{P}{s}");
        match self {
            ColumnType::Custom(n) => n.to_string(),
            ColumnType::Ascii => simple("AsciiType"),
            ColumnType::BigInt => simple("LongType"),
            ColumnType::Blob => simple("BytesType"),
            ColumnType::Boolean => simple("BooleanType"),
            ColumnType::Counter => simple("CounterColumnType"),
            ColumnType::Date => simple("SimpleDateType"),
            ColumnType::Decimal => simple("DecimalType"),
            ColumnType::Double => simple("DoubleType"),
            ColumnType::Duration => simple("DurationType"),
            ColumnType::Float => simple("FloatType"),
            ColumnType::Inet => simple("InetAddressType"),
            ColumnType::Int => simple("Int32Type"),
            ColumnType::SmallInt => simple("ShortType"),
            ColumnType::Text => simple("UTF8Type"),
            ColumnType::Time => simple("TimeType"),
            ColumnType::Timestamp => simple("TimestampType"),
            ColumnType::Timeuuid => simple("TimeUUIDType"),
            ColumnType::TinyInt => simple("ByteType"),
            ColumnType::Uuid => simple("UUIDType"),
            ColumnType::Varint => simple("IntegerType"),
            ColumnType::List(e) => format!("{P}ListType({})", e.class_name()),
            ColumnType::Set(e) => format!("{P}SetType({})", e.class_name()),
            ColumnType::Map(k, v) => {
                format!("{P}MapType({},{})", k.class_name(), v.class_name())
            }
            ColumnType::Tuple(ts) => {
                let inner: Vec<String> = ts.iter().map(ColumnType::class_name).collect();
                format!("{P}TupleType({})", inner.join(","))
            }
            ColumnType::Udt(u) => {
                let mut s = format!("{P}UserType({},{}", u.keyspace, hex(u.name.as_bytes()));
                for (n, t) in &u.fields {
                    s.push_str(&format!(",{}:{}", hex(n.as_bytes()), t.class_name()));
                }
                s.push(')');
                s
            }
            ColumnType::Vector {
                element,
                dimensions,
            } => format!("{P}VectorType({}, {dimensions})", element.class_name()),
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if s.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Parses a Cassandra marshal class name such as
/// `org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType, 3)`.
///
/// Returns `None` for classes that are not one of the CQL types (they stay [`ColumnType::Custom`]).
pub fn parse_class_name(name: &str) -> Option<ColumnType> {
    let mut p = ClassParser {
        s: name.as_bytes(),
        pos: 0,
    };
    let t = p.parse(0)?;
    p.skip_ws();
    if matches!(t, ColumnType::Custom(_)) {
        return None;
    }
    (p.pos == p.s.len()).then_some(t)
}

struct ClassParser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl ClassParser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn ident(&mut self) -> &str {
        self.skip_ws();
        let start = self.pos;
        while self.pos < self.s.len()
            && !matches!(self.s[self.pos], b'(' | b')' | b',' | b':')
            && !self.s[self.pos].is_ascii_whitespace()
        {
            self.pos += 1;
        }
        std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("")
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn args(&mut self, depth: usize) -> Option<Vec<ColumnType>> {
        let mut v = Vec::new();
        if !self.eat(b'(') {
            return None;
        }
        if self.eat(b')') {
            return Some(v);
        }
        loop {
            v.push(self.parse(depth + 1)?);
            if self.eat(b')') {
                return Some(v);
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn parse(&mut self, depth: usize) -> Option<ColumnType> {
        if depth > MAX_TYPE_DEPTH {
            return None;
        }
        let full = self.ident().to_owned();
        let short = full
            .strip_prefix("org.apache.cassandra.db.marshal.")
            .unwrap_or(&full);
        Some(match short {
            "AsciiType" => ColumnType::Ascii,
            "LongType" => ColumnType::BigInt,
            "BytesType" => ColumnType::Blob,
            "BooleanType" => ColumnType::Boolean,
            "CounterColumnType" => ColumnType::Counter,
            "SimpleDateType" => ColumnType::Date,
            "DecimalType" => ColumnType::Decimal,
            "DoubleType" => ColumnType::Double,
            "DurationType" => ColumnType::Duration,
            "FloatType" => ColumnType::Float,
            "InetAddressType" => ColumnType::Inet,
            "Int32Type" => ColumnType::Int,
            "ShortType" => ColumnType::SmallInt,
            "UTF8Type" => ColumnType::Text,
            "TimeType" => ColumnType::Time,
            "TimestampType" | "DateType" => ColumnType::Timestamp,
            "TimeUUIDType" => ColumnType::Timeuuid,
            "ByteType" => ColumnType::TinyInt,
            "UUIDType" => ColumnType::Uuid,
            "IntegerType" => ColumnType::Varint,
            "FrozenType" | "ReversedType" => {
                let mut a = self.args(depth)?;
                if a.len() != 1 {
                    return None;
                }
                a.pop()?
            }
            "ListType" | "SetType" => {
                let mut a = self.args(depth)?;
                if a.len() != 1 {
                    return None;
                }
                let e = Box::new(a.pop()?);
                if short == "ListType" {
                    ColumnType::List(e)
                } else {
                    ColumnType::Set(e)
                }
            }
            "MapType" => {
                let mut a = self.args(depth)?;
                if a.len() != 2 {
                    return None;
                }
                let v = a.pop()?;
                let k = a.pop()?;
                ColumnType::Map(Box::new(k), Box::new(v))
            }
            "TupleType" => ColumnType::Tuple(self.args(depth)?),
            "VectorType" => {
                if !self.eat(b'(') {
                    return None;
                }
                let element = self.parse(depth + 1)?;
                if !self.eat(b',') {
                    return None;
                }
                let dimensions: u32 = self.ident().parse().ok()?;
                if !self.eat(b')') {
                    return None;
                }
                ColumnType::Vector {
                    element: Box::new(element),
                    dimensions,
                }
            }
            "UserType" => {
                if !self.eat(b'(') {
                    return None;
                }
                let keyspace = self.ident().to_owned();
                if !self.eat(b',') {
                    return None;
                }
                let name = unhex(self.ident())?;
                let mut fields = Vec::new();
                while self.eat(b',') {
                    let fname = unhex(self.ident())?;
                    if !self.eat(b':') {
                        return None;
                    }
                    fields.push((fname, self.parse(depth + 1)?));
                }
                if !self.eat(b')') {
                    return None;
                }
                ColumnType::Udt(Arc::new(UserDefinedType {
                    keyspace,
                    name,
                    fields,
                }))
            }
            // An unknown class without parameters: a custom type (e.g. a vector element).
            _ if full.contains('.') && self.s.get(self.pos).is_none_or(|c| *c != b'(') => {
                ColumnType::Custom(Arc::from(full.as_str()))
            }
            _ => return None,
        })
    }
}

impl fmt::Display for ColumnType {
    /// The CQL spelling, e.g. `map<text, frozen<list<int>>>` (without `frozen`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ColumnType::Custom(n) => return write!(f, "'{n}'"),
            ColumnType::Ascii => "ascii",
            ColumnType::BigInt => "bigint",
            ColumnType::Blob => "blob",
            ColumnType::Boolean => "boolean",
            ColumnType::Counter => "counter",
            ColumnType::Date => "date",
            ColumnType::Decimal => "decimal",
            ColumnType::Double => "double",
            ColumnType::Duration => "duration",
            ColumnType::Float => "float",
            ColumnType::Inet => "inet",
            ColumnType::Int => "int",
            ColumnType::SmallInt => "smallint",
            ColumnType::Text => "text",
            ColumnType::Time => "time",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Timeuuid => "timeuuid",
            ColumnType::TinyInt => "tinyint",
            ColumnType::Uuid => "uuid",
            ColumnType::Varint => "varint",
            ColumnType::List(e) => return write!(f, "list<{e}>"),
            ColumnType::Set(e) => return write!(f, "set<{e}>"),
            ColumnType::Map(k, v) => return write!(f, "map<{k}, {v}>"),
            ColumnType::Tuple(ts) => {
                f.write_str("tuple<")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                return f.write_str(">");
            }
            ColumnType::Udt(u) => return write!(f, "{}.{}", u.keyspace, u.name),
            ColumnType::Vector {
                element,
                dimensions,
            } => return write!(f, "vector<{element}, {dimensions}>"),
        };
        f.write_str(s)
    }
}

#[cfg(test)]
#[path = "column_type_tests.rs"]
mod tests;
