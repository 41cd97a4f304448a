//! A small AQL subset (the cursor API is in `api_cursor.rs`):
//! `FOR v IN coll|@@c [FILTER v.a.b <op> <value> [AND ...]]* [SORT v.a [ASC|DESC]]
//! [LIMIT [offset,] count] RETURN v|v.a.b`, values being `@bind`, numbers, strings,
//! `true`, `false`, `null`.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use crate::aql_values::{cmp, get};
use crate::state::{ApiError, State};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Bind(String),
    CollBind(String),
    Num(f64),
    Str(String),
    Op(&'static str),
    Dot,
    Comma,
}

fn parse_err(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, 1501, format!("syntax error: {}", msg.into()))
}

fn lex(q: &str) -> Result<Vec<Tok>, ApiError> {
    let c: Vec<char> = q.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let word = |i: &mut usize| {
        let s = *i;
        while *i < c.len() && (c[*i].is_alphanumeric() || c[*i] == '_') {
            *i += 1;
        }
        c[s..*i].iter().collect::<String>()
    };
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphabetic() || ch == '_' {
            out.push(Tok::Ident(word(&mut i)));
        } else if ch == '@' {
            i += 1;
            let coll = i < c.len() && c[i] == '@';
            if coll {
                i += 1;
            }
            let w = word(&mut i);
            if w.is_empty() {
                return Err(parse_err("empty bind parameter name"));
            }
            out.push(if coll { Tok::CollBind(w) } else { Tok::Bind(w) });
        } else if ch.is_ascii_digit()
            || (ch == '-' && c.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let s = i;
            i += 1;
            while i < c.len() && (c[i].is_ascii_digit() || c[i] == '.' || c[i] == 'e') {
                i += 1;
            }
            let t: String = c[s..i].iter().collect();
            out.push(Tok::Num(t.parse().map_err(|_| parse_err("bad number"))?));
        } else if ch == '"' || ch == '\'' {
            i += 1;
            let mut s = String::new();
            loop {
                match c.get(i) {
                    None => return Err(parse_err("unterminated string")),
                    Some('\\') => {
                        s.push(*c.get(i + 1).ok_or_else(|| parse_err("bad escape"))?);
                        i += 2;
                    }
                    Some(&q) if q == ch => {
                        i += 1;
                        break;
                    }
                    Some(&o) => {
                        s.push(o);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(s));
        } else {
            let two: String = c[i..(i + 2).min(c.len())].iter().collect();
            let op = ["==", "!=", "<=", ">="].into_iter().find(|o| *o == two);
            if let Some(op) = op {
                out.push(Tok::Op(op));
                i += 2;
                continue;
            }
            out.push(match ch {
                '<' => Tok::Op("<"),
                '>' => Tok::Op(">"),
                '.' => Tok::Dot,
                ',' => Tok::Comma,
                _ => return Err(parse_err(format!("unexpected character '{ch}'"))),
            });
            i += 1;
        }
    }
    Ok(out)
}

struct Filter {
    path: Vec<String>,
    op: &'static str,
    value: Value,
}

pub(crate) struct Query {
    coll: String,
    filters: Vec<Filter>,
    sort: Option<(Vec<String>, bool)>,
    limit: Option<(usize, usize)>,
    ret: Vec<String>,
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    binds: &'a Map<String, Value>,
    var: String,
}

impl Parser<'_> {
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(kw))
    }
    fn kw(&mut self, kw: &str) -> Result<(), ApiError> {
        if self.peek_kw(kw) {
            self.pos += 1;
            Ok(())
        } else {
            Err(parse_err(format!("expected {kw}")))
        }
    }
    fn bind(&self, name: &str) -> Result<Value, ApiError> {
        self.binds.get(name).cloned().ok_or_else(|| {
            ApiError::new(
                400,
                1551,
                format!("no value specified for declared bind parameter '{name}'"),
            )
        })
    }
    /// `var(.field)*`, returning the fields.
    fn path(&mut self) -> Result<Vec<String>, ApiError> {
        match self.next() {
            Some(Tok::Ident(v)) if v == self.var => {}
            _ => return Err(parse_err(format!("expected variable {}", self.var))),
        }
        let mut p = Vec::new();
        while self.toks.get(self.pos) == Some(&Tok::Dot) {
            self.pos += 1;
            match self.next() {
                Some(Tok::Ident(f)) => p.push(f),
                _ => return Err(parse_err("expected attribute name")),
            }
        }
        Ok(p)
    }
    fn value(&mut self) -> Result<Value, ApiError> {
        match self.next() {
            Some(Tok::Bind(b)) => self.bind(&b),
            Some(Tok::Num(n)) => Ok(json!(n)),
            Some(Tok::Str(s)) => Ok(Value::from(s)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("true") => Ok(Value::from(true)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("false") => Ok(Value::from(false)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("null") => Ok(Value::Null),
            _ => Err(parse_err("expected a value")),
        }
    }
    fn usize(&mut self) -> Result<usize, ApiError> {
        let v = self.value()?;
        v.as_f64()
            .filter(|n| *n >= 0.0 && n.fract() == 0.0)
            .map(|n| n as usize)
            .ok_or_else(|| parse_err("LIMIT needs non-negative integers"))
    }
}

pub(crate) fn parse(q: &str, binds: &Map<String, Value>) -> Result<Query, ApiError> {
    let mut p = Parser {
        toks: lex(q)?,
        pos: 0,
        binds,
        var: String::new(),
    };
    p.kw("FOR")?;
    p.var = match p.next() {
        Some(Tok::Ident(v)) => v,
        _ => return Err(parse_err("expected a variable after FOR")),
    };
    p.kw("IN")?;
    let coll = match p.next() {
        Some(Tok::Ident(c)) => c,
        Some(Tok::CollBind(b)) => p
            .bind(&format!("@{b}"))?
            .as_str()
            .ok_or_else(|| ApiError::new(400, 1553, "collection bind parameter must be a string"))?
            .to_owned(),
        _ => return Err(parse_err("expected a collection after IN")),
    };
    let mut q = Query {
        coll,
        filters: Vec::new(),
        sort: None,
        limit: None,
        ret: Vec::new(),
    };
    loop {
        if p.peek_kw("FILTER") {
            p.pos += 1;
            loop {
                let path = p.path()?;
                let op = match p.next() {
                    Some(Tok::Op(o)) => o,
                    _ => return Err(parse_err("expected a comparison operator")),
                };
                let value = p.value()?;
                q.filters.push(Filter { path, op, value });
                if p.peek_kw("AND") {
                    p.pos += 1;
                } else {
                    break;
                }
            }
        } else if p.peek_kw("SORT") {
            p.pos += 1;
            let path = p.path()?;
            let mut asc = true;
            if p.peek_kw("DESC") {
                p.pos += 1;
                asc = false;
            } else if p.peek_kw("ASC") {
                p.pos += 1;
            }
            q.sort = Some((path, asc));
        } else if p.peek_kw("LIMIT") {
            p.pos += 1;
            let a = p.usize()?;
            q.limit = Some(if p.toks.get(p.pos) == Some(&Tok::Comma) {
                p.pos += 1;
                (a, p.usize()?)
            } else {
                (0, a)
            });
        } else {
            break;
        }
    }
    p.kw("RETURN")?;
    q.ret = p.path()?;
    if p.pos != p.toks.len() {
        return Err(parse_err("unexpected tokens after RETURN"));
    }
    Ok(q)
}

/// What running a query saw, for `extra.stats`.
pub(crate) struct RunStats {
    /// Documents read.
    pub(crate) scanned: usize,
    /// Documents a FILTER removed.
    pub(crate) filtered: usize,
    /// Results before LIMIT (`fullCount`).
    pub(crate) full_count: usize,
}

pub(crate) fn run(st: &mut State, db: &str, q: &Query) -> Result<(Vec<Value>, RunStats), ApiError> {
    let c = st.coll(db, &q.coll).map_err(|_| {
        ApiError::new(
            404,
            1203,
            format!("collection or view not found: {}", q.coll),
        )
    })?;
    let scanned = c.docs.len();
    let mut rows: Vec<&Value> = c
        .docs
        .values()
        .filter(|d| {
            q.filters.iter().all(|f| {
                let o = cmp(get(d, &f.path), &f.value);
                match f.op {
                    "==" => o == Ordering::Equal,
                    "!=" => o != Ordering::Equal,
                    "<" => o == Ordering::Less,
                    "<=" => o != Ordering::Greater,
                    ">" => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }
            })
        })
        .collect();
    if let Some((path, asc)) = &q.sort {
        rows.sort_by(|a, b| {
            let o = cmp(get(a, path), get(b, path));
            if *asc { o } else { o.reverse() }
        });
    }
    let stats = RunStats {
        scanned,
        filtered: scanned - rows.len(),
        full_count: rows.len(),
    };
    let (off, n) = q.limit.unwrap_or((0, usize::MAX));
    let rows = rows
        .into_iter()
        .skip(off)
        .take(n)
        .map(|d| get(d, &q.ret).clone())
        .collect();
    Ok((rows, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_subset() {
        let mut b = Map::new();
        b.insert("v".into(), json!(3));
        b.insert("@c".into(), json!("things"));
        let q = parse(
            "FOR d IN @@c FILTER d.a.b == @v AND d.x != 'y' SORT d.n DESC LIMIT 2, 5 RETURN d.a",
            &b,
        )
        .expect("parses");
        assert_eq!(q.coll, "things");
        assert_eq!(q.filters.len(), 2);
        assert_eq!(q.filters[0].path, ["a", "b"]);
        assert_eq!(q.limit, Some((2, 5)));
        assert_eq!(q.sort, Some((vec!["n".to_owned()], false)));
        assert_eq!(q.ret, ["a"]);
    }

    #[test]
    fn rejects_bad_queries() {
        let b = Map::new();
        assert_eq!(
            parse("FOR d IN c FILTER d.x == @v RETURN d", &b)
                .err()
                .map(|e| e.num),
            Some(1551)
        );
        assert_eq!(
            parse("FOR d IN c RETURN x", &b).err().map(|e| e.num),
            Some(1501)
        );
        assert_eq!(parse("RETURN 1", &b).err().map(|e| e.num), Some(1501));
        assert_eq!(
            parse("FOR d IN c RETURN d junk", &b).err().map(|e| e.num),
            Some(1501)
        );
        assert!(parse("FOR d IN c FILTER d.x == \"unterminated RETURN d", &b).is_err());
    }

    #[test]
    fn compares_in_aql_type_order() {
        assert_eq!(cmp(&json!(null), &json!(false)), Ordering::Less);
        assert_eq!(cmp(&json!(2), &json!(10)), Ordering::Less);
        assert_eq!(cmp(&json!(2.0), &json!(2)), Ordering::Equal);
        assert_eq!(cmp(&json!("a"), &json!(1)), Ordering::Greater);
    }
}
