//! Quoting of names in the CQL the driver writes (schema export, `USE`), and re-quoting of
//! the CQL fragments the server keeps as text: type text, index targets and view `WHERE`
//! clauses. Cassandra writes those with its own list of reserved words, which leaves `true`
//! and `false` unquoted (`frozen<true>`, `keys(false)`, `true IS NOT NULL`), and names a user
//! type `int` or `count` unquoted too; replayed as they are, they are syntax errors.
//!
//! The lists were checked against Cassandra 5.0: its reserved keywords (the CQL reference's
//! appendix A and `reserved_keywords.txt`) plus `true` and `false`, which its lexer reads as
//! boolean literals wherever a name could stand; and every keyword of its lexer tried as a
//! column, table, keyspace, type, field, index, view, function and argument name on a 5.0
//! server, unquoted: the words below are the ones it refused.

use std::ops::Range;

/// Words CQL accepts as a name only quoted, wherever the name stands (Cassandra 3.0 to 5.0
/// and ScyllaDB; some are reserved by only one of them). Quoting a word that is not reserved
/// is harmless: the name stays the same.
const RESERVED: &[&str] = &[
    "add",
    "allow",
    "alter",
    "and",
    "apply",
    "asc",
    "authorize",
    "batch",
    "begin",
    "by",
    "columnfamily",
    "create",
    "default",
    "delete",
    "desc",
    "describe",
    "drop",
    "entries",
    "execute",
    "false",
    "for",
    "from",
    "full",
    "grant",
    "if",
    "in",
    "index",
    "infinity",
    "insert",
    "into",
    "is",
    "keyspace",
    "keyspaces",
    "limit",
    "materialized",
    "mbean",
    "mbeans",
    "modify",
    "nan",
    "norecursive",
    "not",
    "null",
    "of",
    "on",
    "or",
    "order",
    "primary",
    "rename",
    "replace",
    "revoke",
    "schema",
    "select",
    "set",
    "table",
    "to",
    "token",
    "true",
    "truncate",
    "unlogged",
    "unset",
    "update",
    "use",
    "using",
    "view",
    "where",
    "with",
];

/// The native types' names as type text spells them.
const NATIVE_TYPES: &[&str] = &[
    "ascii",
    "bigint",
    "blob",
    "boolean",
    "counter",
    "date",
    "decimal",
    "double",
    "duration",
    "float",
    "inet",
    "int",
    "smallint",
    "text",
    "time",
    "timestamp",
    "timeuuid",
    "tinyint",
    "uuid",
    "varchar",
    "varint",
];

/// Besides [`RESERVED`] and [`NATIVE_TYPES`], the words a user type's name must be quoted
/// as: names Cassandra keeps for future types, and keywords its type names exclude.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "bitstring",
    "byte",
    "cast",
    "complex",
    "count",
    "distinct",
    "enum",
    "interval",
    "json",
    "macaddr",
    "maxwritetime",
    "ttl",
    "writetime",
];

/// Besides [`RESERVED`], the words a function's or aggregate's name must be quoted as.
const RESERVED_FUNCTION_NAMES: &[&str] = &[
    "cast",
    "distinct",
    "json",
    "key",
    "maxwritetime",
    "ttl",
    "writetime",
];

/// Whether `name` can be written unquoted: lower-case letters, digits and `_`, starting
/// with a letter, and none of the `reserved` words.
fn is_plain(name: &str, reserved: &[&[&str]]) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !reserved.iter().any(|words| words.contains(&name))
}

fn quote(name: &str, reserved: &[&[&str]]) -> String {
    if is_plain(name, reserved) {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Quotes a schema name (as stored by the server, i.e. unquoted and case-sensitive) for use
/// in CQL text: unchanged when it is lower-case letters, digits and `_` starting with a letter
/// and not a reserved keyword; otherwise in double quotes with `"` doubled.
pub fn quote_identifier(name: &str) -> String {
    quote(name, &[RESERVED])
}

/// [`quote_identifier`] for the name of a user-defined type, which is also quoted when it is
/// a native type's name or another word type names exclude (`count`, `json`, ...).
pub(crate) fn quote_type_name(name: &str) -> String {
    quote(name, &[RESERVED, NATIVE_TYPES, RESERVED_TYPE_NAMES])
}

/// [`quote_identifier`] for the name of a function or aggregate, which is also quoted when
/// it is a word function names exclude (`json`, `key`, `ttl`, ...).
pub(crate) fn quote_function_name(name: &str) -> String {
    quote(name, &[RESERVED, RESERVED_FUNCTION_NAMES])
}

/// A CQL string literal: `'...'` with `'` doubled.
pub(crate) fn quote_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A piece of CQL text.
#[derive(Debug, PartialEq)]
enum Kind {
    /// Letters, digits and `_` (a name, a keyword or a number).
    Word,
    /// A double-quoted name, unescaped.
    Quoted(String),
    /// A single-quoted string, an unterminated quote, or one character of anything else.
    Other(char),
}

/// The pieces of `s` that are not white space, with their byte ranges.
fn lex(s: &str) -> Vec<(Kind, Range<usize>)> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let kind = match c {
            c if c.is_whitespace() => continue,
            c if c.is_ascii_alphanumeric() || c == '_' => {
                while chars
                    .next_if(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
                    .is_some()
                {}
                Kind::Word
            }
            '"' | '\'' => {
                let mut text = String::new();
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    // A doubled quote stands for one.
                    if d == c && chars.next_if(|(_, e)| *e == c).is_none() {
                        closed = true;
                        break;
                    }
                    text.push(d);
                }
                match (c, closed) {
                    ('"', true) => Kind::Quoted(text),
                    _ => Kind::Other(c),
                }
            }
            c => Kind::Other(c),
        };
        let end = chars.peek().map_or(s.len(), |(i, _)| *i);
        out.push((kind, start..end));
    }
    out
}

/// `s` with the given ranges (ascending, not overlapping) replaced.
fn splice(s: &str, replacements: Vec<(Range<usize>, String)>) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut at = 0;
    for (range, text) in replacements {
        out.push_str(&s[at..range.start]);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&s[at..]);
    out
}

/// The name a word or quoted piece stands for (unquoted names are case-insensitive).
fn name_of(s: &str, kind: &Kind, range: &Range<usize>) -> Option<String> {
    match kind {
        Kind::Word if !s[range.start..].starts_with(|c: char| c.is_ascii_digit()) => {
            Some(s[range.clone()].to_ascii_lowercase())
        }
        Kind::Quoted(name) => Some(name.clone()),
        _ => None,
    }
}

fn followed_by(pieces: &[(Kind, Range<usize>)], i: usize, c: char) -> bool {
    matches!(pieces.get(i + 1), Some((Kind::Other(d), _)) if *d == c)
}

/// Type text as the server stores it (`frozen<map<text, frozen<true>>>`) with every user
/// type's name and keyspace quoted as needed. A native type's name stays as it is: it is read
/// as that type.
pub(crate) fn requote_type(text: &str) -> String {
    let pieces = lex(text);
    let mut replacements = Vec::new();
    for (i, (kind, range)) in pieces.iter().enumerate() {
        let Some(name) = name_of(text, kind, range) else {
            continue;
        };
        // After a keyspace, even `int` is a user type.
        let after_keyspace = i > 0 && pieces[i - 1].0 == Kind::Other('.');
        let keyword = *kind == Kind::Word
            && (followed_by(&pieces, i, '<')
                || (NATIVE_TYPES.contains(&name.as_str()) && !after_keyspace));
        let quoted = if followed_by(&pieces, i, '.') {
            quote_identifier(&name)
        } else if keyword {
            continue;
        } else {
            quote_type_name(&name)
        };
        replacements.push((range.clone(), quoted));
    }
    splice(text, replacements)
}

/// An index's `target` option (`v`, `keys(false)`, `full("Tags")`) with the column names
/// quoted as needed.
pub(crate) fn requote_index_target(target: &str) -> String {
    let pieces = lex(target);
    let mut replacements = Vec::new();
    for (i, (kind, range)) in pieces.iter().enumerate() {
        if *kind == Kind::Word && followed_by(&pieces, i, '(') {
            continue;
        }
        if let Some(name) = name_of(target, kind, range) {
            replacements.push((range.clone(), quote_identifier(&name)));
        }
    }
    splice(target, replacements)
}

/// Words that end the column side of a relation.
const OPERATOR_WORDS: &[&str] = &["contains", "in", "is", "like", "not"];

/// A materialized view's `WHERE` clause as stored (`true IS NOT NULL AND k = true`) with the
/// column names quoted as needed: those on the left of each relation's operator; the right
/// side, values only, stays as it is.
pub(crate) fn requote_where_clause(clause: &str) -> String {
    let pieces = lex(clause);
    let mut replacements = Vec::new();
    let mut columns_side = true;
    let mut depth = 0usize;
    for (i, (kind, range)) in pieces.iter().enumerate() {
        match kind {
            Kind::Other('(') => depth += 1,
            Kind::Other(')') => depth = depth.saturating_sub(1),
            Kind::Other('=' | '<' | '>' | '!') => columns_side = false,
            Kind::Word if depth == 0 && clause[range.clone()].eq_ignore_ascii_case("and") => {
                columns_side = true;
            }
            Kind::Word
                if columns_side
                    && OPERATOR_WORDS
                        .contains(&clause[range.clone()].to_ascii_lowercase().as_str()) =>
            {
                columns_side = false;
            }
            // A function of columns, e.g. `token(k)`.
            Kind::Word if followed_by(&pieces, i, '(') => {}
            _ if columns_side => {
                if let Some(name) = name_of(clause, kind, range) {
                    replacements.push((range.clone(), quote_identifier(&name)));
                }
            }
            _ => {}
        }
    }
    splice(clause, replacements)
}

#[cfg(test)]
#[path = "quoting_tests.rs"]
mod tests;
