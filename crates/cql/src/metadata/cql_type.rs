//! The parser for CQL type text as `system_schema` stores it (`frozen<map<text, int>>`,
//! `tuple<int, "MyType">`, `vector<float, 3>`, `'org.apache...CustomType'`).

use std::fmt;
use std::sync::Arc;

use cql_protocol::types::{ColumnType, MAX_TYPE_DEPTH, UserDefinedType, parse_class_name};

/// Why a CQL type text could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypeParseError {
    /// The text that was parsed.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for TypeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot parse CQL type {:?}: {}", self.text, self.reason)
    }
}

impl std::error::Error for TypeParseError {}

/// Parses CQL type text such as `frozen<map<text, frozen<address>>>` into a [`ColumnType`].
///
/// `frozen<...>` is accepted and dropped (a [`ColumnType`] does not carry it; keep the text
/// for that). A user-defined type is given by name, quoted or not, optionally prefixed by its
/// keyspace; `resolve` returns its definition by exact name (unquoted names are lower-cased,
/// as CQL does). A custom type is a quoted Java class name.
pub fn parse_cql_type(
    text: &str,
    resolve: &dyn Fn(&str) -> Option<Arc<UserDefinedType>>,
) -> Result<ColumnType, TypeParseError> {
    let mut p = Parser {
        s: text,
        pos: 0,
        resolve,
    };
    let t = p.parse(0).map_err(|reason| TypeParseError {
        text: text.to_owned(),
        reason,
    })?;
    p.skip_ws();
    if p.pos != text.len() {
        return Err(TypeParseError {
            text: text.to_owned(),
            reason: format!("unexpected text at byte {}", p.pos),
        });
    }
    Ok(t)
}

/// The names of the user-defined types `t` refers to, at any depth (each once, in the order
/// first met).
pub(crate) fn referenced_udts(t: &ColumnType, out: &mut Vec<String>) {
    match t {
        ColumnType::List(e) | ColumnType::Set(e) => referenced_udts(e, out),
        ColumnType::Vector { element, .. } => referenced_udts(element, out),
        ColumnType::Map(k, v) => {
            referenced_udts(k, out);
            referenced_udts(v, out);
        }
        ColumnType::Tuple(ts) => ts.iter().for_each(|t| referenced_udts(t, out)),
        ColumnType::Udt(u) => {
            for (_, f) in &u.fields {
                referenced_udts(f, out);
            }
            if !out.contains(&u.name) {
                out.push(u.name.clone());
            }
        }
        _ => {}
    }
}

enum Token<'a> {
    /// An unquoted identifier or number (as written).
    Word(&'a str),
    /// A double-quoted identifier (unescaped).
    Quoted(String),
    /// A single-quoted string (unescaped).
    Str(String),
    Punct(char),
    End,
}

struct Parser<'a, 'r> {
    s: &'a str,
    pos: usize,
    resolve: &'r dyn Fn(&str) -> Option<Arc<UserDefinedType>>,
}

impl<'a> Parser<'a, '_> {
    fn skip_ws(&mut self) {
        let rest = &self.s[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek_char(&mut self) -> Option<char> {
        self.skip_ws();
        self.s[self.pos..].chars().next()
    }

    /// Reads a string delimited by `q`, where a doubled `q` stands for one.
    fn delimited(&mut self, q: char) -> Result<String, String> {
        let mut out = String::new();
        let mut chars = self.s[self.pos + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            if c == q {
                if self.s[self.pos + 1 + i + 1..].starts_with(q) {
                    out.push(q);
                    chars.next();
                } else {
                    self.pos += 1 + i + 1;
                    return Ok(out);
                }
            } else {
                out.push(c);
            }
        }
        Err(format!("unterminated {q}"))
    }

    fn next(&mut self) -> Result<Token<'a>, String> {
        let Some(c) = self.peek_char() else {
            return Ok(Token::End);
        };
        match c {
            '"' => Ok(Token::Quoted(self.delimited('"')?)),
            '\'' => Ok(Token::Str(self.delimited('\'')?)),
            c if c.is_ascii_alphanumeric() || c == '_' => {
                let start = self.pos;
                let rest = &self.s[start..];
                let len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                self.pos += len;
                Ok(Token::Word(&self.s[start..start + len]))
            }
            '<' | '>' | ',' | '.' => {
                self.pos += 1;
                Ok(Token::Punct(c))
            }
            other => Err(format!("unexpected {other:?} at byte {}", self.pos)),
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        match self.next()? {
            Token::Punct(p) if p == c => Ok(()),
            _ => Err(format!("expected {c:?} before byte {}", self.pos)),
        }
    }

    /// `<T, T, ...>` after a collection or tuple keyword.
    fn args(&mut self, depth: usize) -> Result<Vec<ColumnType>, String> {
        self.expect('<')?;
        let mut v = vec![self.parse(depth + 1)?];
        loop {
            match self.next()? {
                Token::Punct(',') => v.push(self.parse(depth + 1)?),
                Token::Punct('>') => return Ok(v),
                _ => return Err(format!("expected ',' or '>' before byte {}", self.pos)),
            }
        }
    }

    fn exactly<const N: usize>(
        &mut self,
        depth: usize,
        what: &str,
    ) -> Result<[ColumnType; N], String> {
        let v = self.args(depth)?;
        let n = v.len();
        v.try_into()
            .map_err(|_| format!("{what} takes {N} type argument(s), got {n}"))
    }

    fn parse(&mut self, depth: usize) -> Result<ColumnType, String> {
        if depth > MAX_TYPE_DEPTH {
            return Err(format!("nested deeper than {MAX_TYPE_DEPTH}"));
        }
        let name = match self.next()? {
            Token::Str(class) => {
                return Ok(parse_class_name(&class)
                    .unwrap_or_else(|| ColumnType::Custom(Arc::from(class.as_str()))));
            }
            Token::Quoted(name) => return self.user_type(name),
            Token::Word(w) => w,
            Token::Punct(c) => return Err(format!("unexpected {c:?} before byte {}", self.pos)),
            Token::End => return Err("a type is missing".into()),
        };
        let lower = name.to_ascii_lowercase();
        let generic = self.peek_char() == Some('<');
        Ok(match lower.as_str() {
            "ascii" => ColumnType::Ascii,
            "bigint" => ColumnType::BigInt,
            "blob" => ColumnType::Blob,
            "boolean" => ColumnType::Boolean,
            "counter" => ColumnType::Counter,
            "date" => ColumnType::Date,
            "decimal" => ColumnType::Decimal,
            "double" => ColumnType::Double,
            "duration" => ColumnType::Duration,
            "float" => ColumnType::Float,
            "inet" => ColumnType::Inet,
            "int" => ColumnType::Int,
            "smallint" => ColumnType::SmallInt,
            "text" | "varchar" => ColumnType::Text,
            "time" => ColumnType::Time,
            "timestamp" => ColumnType::Timestamp,
            "timeuuid" => ColumnType::Timeuuid,
            "tinyint" => ColumnType::TinyInt,
            "uuid" => ColumnType::Uuid,
            "varint" => ColumnType::Varint,
            "frozen" if generic => {
                let [t] = self.exactly(depth, "frozen")?;
                t
            }
            "list" if generic => {
                let [t] = self.exactly(depth, "list")?;
                ColumnType::List(Box::new(t))
            }
            "set" if generic => {
                let [t] = self.exactly(depth, "set")?;
                ColumnType::Set(Box::new(t))
            }
            "map" if generic => {
                let [k, v] = self.exactly(depth, "map")?;
                ColumnType::Map(Box::new(k), Box::new(v))
            }
            "tuple" if generic => ColumnType::Tuple(self.args(depth)?),
            "vector" if generic => {
                self.expect('<')?;
                let element = self.parse(depth + 1)?;
                self.expect(',')?;
                let dimensions = match self.next()? {
                    Token::Word(n) => n
                        .parse::<u32>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("bad vector dimension {n:?}"))?,
                    _ => return Err("a vector dimension is missing".into()),
                };
                self.expect('>')?;
                ColumnType::Vector {
                    element: Box::new(element),
                    dimensions,
                }
            }
            _ if generic => return Err(format!("unknown type {name:?} with arguments")),
            _ => return self.user_type(lower),
        })
    }

    /// A user type's name, possibly `keyspace.name`.
    fn user_type(&mut self, first: String) -> Result<ColumnType, String> {
        let name = if self.peek_char() == Some('.') {
            self.pos += 1;
            match self.next()? {
                Token::Word(w) => w.to_ascii_lowercase(),
                Token::Quoted(q) => q,
                _ => return Err(format!("a type name is missing after {first:?}.")),
            }
        } else {
            first
        };
        (self.resolve)(&name)
            .map(ColumnType::Udt)
            .ok_or_else(|| format!("unknown user type {name:?}"))
    }
}
