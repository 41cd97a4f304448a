//! AQL graph traversals for the stand-in's cursor API:
//!
//! ```text
//! FOR v[, e[, p]] IN min[..max] OUTBOUND|INBOUND|ANY start
//!     GRAPH name | edgeColl[, edgeColl]*
//!     [OPTIONS {order: "dfs"|"bfs", uniqueVertices: "none"|"path"|"global", uniqueEdges: "path"|"none"}]
//!     [FILTER x.a.b <op> value [AND ...] | SORT x.a [ASC|DESC] | LIMIT [offset,] count]*
//!     RETURN [DISTINCT] x[.a.b]
//! ```
//!
//! `start` is a string id, or a bind parameter holding one (or a document with `_id`); `name`
//! a string or bind parameter; edge collections names or `@@` parameters. `x` is `v`, `e` or
//! `p` (`{vertices, edges}`). As in ArangoDB: depth-first by default, edges unique per path,
//! vertices not unique, a missing start vertex gives no rows, a missing vertex at the end of an
//! edge is `null`.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use serde_json::{Map, Value, json};

use crate::aql_values::{cmp, get};
use crate::state::{ApiError, State};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Bind(String),
    CollBind(String),
    Num(f64),
    Str(String),
    Sym(&'static str),
}

fn syntax(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, 1501, format!("syntax error: {}", msg.into()))
}

fn lex(q: &str) -> Result<Vec<Tok>, ApiError> {
    let c: Vec<char> = q.chars().collect();
    let (mut i, mut out) = (0, Vec::new());
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
            out.push(Tok::Word(word(&mut i)));
        } else if ch == '@' {
            i += 1;
            let coll = c.get(i) == Some(&'@');
            if coll {
                i += 1;
            }
            let w = word(&mut i);
            if w.is_empty() {
                return Err(syntax("empty bind parameter name"));
            }
            out.push(if coll { Tok::CollBind(w) } else { Tok::Bind(w) });
        } else if ch.is_ascii_digit() {
            let s = i;
            while i < c.len() && c[i].is_ascii_digit() {
                i += 1;
            }
            // `1..2` is two numbers around `..`, not a decimal point.
            if c.get(i) == Some(&'.') && c.get(i + 1).is_some_and(char::is_ascii_digit) {
                i += 1;
                while i < c.len() && c[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let t: String = c[s..i].iter().collect();
            out.push(Tok::Num(t.parse().map_err(|_| syntax("bad number"))?));
        } else if ch == '"' || ch == '\'' {
            i += 1;
            let mut s = String::new();
            loop {
                match c.get(i) {
                    None => return Err(syntax("unterminated string")),
                    Some('\\') => {
                        s.push(*c.get(i + 1).ok_or_else(|| syntax("bad escape"))?);
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
            if let Some(op) = ["==", "!=", "<=", ">=", ".."]
                .into_iter()
                .find(|o| *o == two)
            {
                out.push(Tok::Sym(op));
                i += 2;
                continue;
            }
            let sym = match ch {
                '<' => "<",
                '>' => ">",
                '.' => ".",
                ',' => ",",
                '{' => "{",
                '}' => "}",
                ':' => ":",
                '-' => "-",
                _ => return Err(syntax(format!("unexpected character '{ch}'"))),
            };
            out.push(Tok::Sym(sym));
            i += 1;
        }
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq)]
enum Dir {
    Out,
    In,
    Any,
}

struct Traversal {
    vars: Vec<String>,
    min: usize,
    max: usize,
    dir: Dir,
    start: String,
    graph: Option<String>,
    edge_colls: Vec<String>,
    bfs: bool,
    unique_vertices: String,
    unique_edges_path: bool,
    filters: Vec<(String, Vec<String>, &'static str, Value)>,
    sort: Option<(String, Vec<String>, bool)>,
    limit: Option<(usize, usize)>,
    distinct: bool,
    ret: (String, Vec<String>),
}

struct P<'a> {
    t: Vec<Tok>,
    pos: usize,
    binds: &'a Map<String, Value>,
}

impl P<'_> {
    fn next(&mut self) -> Option<Tok> {
        let t = self.t.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.t.get(self.pos), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }
    fn is_sym(&self, s: &str) -> bool {
        self.t.get(self.pos)
            == Some(&Tok::Sym(match s {
                "," => ",",
                ".." => "..",
                "." => ".",
                "}" => "}",
                _ => "{",
            }))
    }
    fn kw(&mut self, kw: &str) -> Result<(), ApiError> {
        if self.is_kw(kw) {
            self.pos += 1;
            Ok(())
        } else {
            Err(syntax(format!("expected {kw}")))
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
    fn value(&mut self) -> Result<Value, ApiError> {
        match self.next() {
            Some(Tok::Bind(b)) => self.bind(&b),
            Some(Tok::Num(n)) => Ok(json!(n)),
            Some(Tok::Sym("-")) => match self.next() {
                Some(Tok::Num(n)) => Ok(json!(-n)),
                _ => Err(syntax("expected a number after '-'")),
            },
            Some(Tok::Str(s)) => Ok(Value::from(s)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Value::from(true)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Value::from(false)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(Value::Null),
            _ => Err(syntax("expected a value")),
        }
    }
    fn count(&mut self) -> Result<usize, ApiError> {
        self.value()?
            .as_f64()
            .filter(|n| *n >= 0.0 && n.fract() == 0.0)
            .map(|n| n as usize)
            .ok_or_else(|| syntax("expected a non-negative integer"))
    }
    /// `var(.attr)*` for one of the declared variables.
    fn path(&mut self, vars: &[String]) -> Result<(String, Vec<String>), ApiError> {
        let var = match self.next() {
            Some(Tok::Word(v)) if vars.contains(&v) => v,
            _ => return Err(syntax(format!("expected one of the variables {vars:?}"))),
        };
        let mut p = Vec::new();
        while self.is_sym(".") {
            self.pos += 1;
            match self.next() {
                Some(Tok::Word(f)) => p.push(f),
                _ => return Err(syntax("expected attribute name")),
            }
        }
        Ok((var, p))
    }
}

fn parse(q: &str, binds: &Map<String, Value>) -> Result<Option<Traversal>, ApiError> {
    let toks = lex(q)?;
    // Only `FOR ... IN <number>` (a depth) is a traversal; anything else is left to aql.rs.
    let at_in = toks
        .iter()
        .position(|t| matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case("IN")));
    let is_traversal = matches!(toks.first(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("FOR"))
        && at_in.is_some_and(|i| matches!(toks.get(i + 1), Some(Tok::Num(_))));
    if !is_traversal {
        return Ok(None);
    }
    let mut p = P {
        t: toks,
        pos: 1,
        binds,
    };
    let mut vars = Vec::new();
    loop {
        match p.next() {
            Some(Tok::Word(v)) => vars.push(v),
            _ => return Err(syntax("expected a variable after FOR")),
        }
        if p.is_sym(",") && vars.len() < 3 {
            p.pos += 1;
        } else {
            break;
        }
    }
    p.kw("IN")?;
    let min = p.count()?;
    let max = if p.is_sym("..") {
        p.pos += 1;
        p.count()?
    } else {
        min
    };
    if max < min {
        return Err(syntax("maximum depth below minimum depth"));
    }
    let dir = match p.next() {
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("OUTBOUND") => Dir::Out,
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("INBOUND") => Dir::In,
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("ANY") => Dir::Any,
        _ => return Err(syntax("expected OUTBOUND, INBOUND or ANY")),
    };
    let start = match p.value()? {
        Value::String(s) => s,
        Value::Object(o) => o
            .get("_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ApiError::new(400, 10, "start vertex needs an _id"))?,
        _ => return Err(ApiError::new(400, 10, "invalid start vertex")),
    };
    let (mut graph, mut edge_colls) = (None, Vec::new());
    if p.is_kw("GRAPH") {
        p.pos += 1;
        graph = Some(match p.value()? {
            Value::String(s) => s,
            _ => return Err(ApiError::new(400, 10, "graph name must be a string")),
        });
    } else {
        loop {
            let c = match p.next() {
                Some(Tok::Word(c)) => c,
                Some(Tok::CollBind(b)) => p
                    .bind(&format!("@{b}"))?
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        ApiError::new(400, 1553, "collection bind parameter must be a string")
                    })?,
                _ => return Err(syntax("expected GRAPH or an edge collection")),
            };
            edge_colls.push(c);
            if p.is_sym(",") {
                p.pos += 1;
            } else {
                break;
            }
        }
    }
    let mut t = Traversal {
        vars,
        min,
        max,
        dir,
        start,
        graph,
        edge_colls,
        bfs: false,
        unique_vertices: "none".into(),
        unique_edges_path: true,
        filters: Vec::new(),
        sort: None,
        limit: None,
        distinct: false,
        ret: (String::new(), Vec::new()),
    };
    if p.is_kw("OPTIONS") {
        p.pos += 1;
        if !p.is_sym("{") {
            return Err(syntax("expected { after OPTIONS"));
        }
        p.pos += 1;
        while !p.is_sym("}") {
            let k = match p.next() {
                Some(Tok::Word(k) | Tok::Str(k)) => k,
                _ => return Err(syntax("expected an option name")),
            };
            if p.next() != Some(Tok::Sym(":")) {
                return Err(syntax("expected ':'"));
            }
            let v = p.value()?;
            match (k.as_str(), v.as_str()) {
                ("order", Some("bfs")) => t.bfs = true,
                ("order", Some("dfs")) => t.bfs = false,
                ("bfs", _) => t.bfs = v.as_bool().unwrap_or(false),
                ("uniqueVertices", Some(u @ ("none" | "path" | "global"))) => {
                    t.unique_vertices = u.to_owned();
                }
                ("uniqueEdges", Some(u @ ("none" | "path"))) => t.unique_edges_path = u == "path",
                _ => {
                    return Err(ApiError::new(
                        400,
                        10,
                        format!("invalid traversal option {k}"),
                    ));
                }
            }
            if p.is_sym(",") {
                p.pos += 1;
            }
        }
        p.pos += 1;
        if t.unique_vertices == "global" && !t.bfs {
            return Err(ApiError::new(
                400,
                10,
                "uniqueVertices: 'global' needs order: 'bfs'",
            ));
        }
    }
    let vars = t.vars.clone();
    loop {
        if p.is_kw("FILTER") {
            p.pos += 1;
            loop {
                let (var, path) = p.path(&vars)?;
                let op = match p.next() {
                    Some(Tok::Sym(o @ ("==" | "!=" | "<" | "<=" | ">" | ">="))) => o,
                    _ => return Err(syntax("expected a comparison operator")),
                };
                let value = p.value()?;
                t.filters.push((var, path, op, value));
                if p.is_kw("AND") {
                    p.pos += 1;
                } else {
                    break;
                }
            }
        } else if p.is_kw("SORT") {
            p.pos += 1;
            let (var, path) = p.path(&vars)?;
            let mut asc = true;
            if p.is_kw("DESC") {
                p.pos += 1;
                asc = false;
            } else if p.is_kw("ASC") {
                p.pos += 1;
            }
            t.sort = Some((var, path, asc));
        } else if p.is_kw("LIMIT") {
            p.pos += 1;
            let a = p.count()?;
            t.limit = Some(if p.is_sym(",") {
                p.pos += 1;
                (a, p.count()?)
            } else {
                (0, a)
            });
        } else {
            break;
        }
    }
    p.kw("RETURN")?;
    if p.is_kw("DISTINCT") {
        p.pos += 1;
        t.distinct = true;
    }
    t.ret = p.path(&vars)?;
    if p.pos != p.t.len() {
        return Err(syntax("unexpected tokens after RETURN"));
    }
    Ok(Some(t))
}

/// One path: vertex ids and edges (as stored).
#[derive(Clone)]
struct Path {
    vertices: Vec<String>,
    edges: Vec<Value>,
}

/// Every path from the start within the depths, in ArangoDB's default order (depth-first) or
/// breadth-first.
fn walk(t: &Traversal, adj: &HashMap<String, Vec<(String, Value)>>) -> Vec<Path> {
    let mut out = Vec::new();
    let mut seen_global: HashSet<String> = HashSet::from([t.start.clone()]);
    let first = Path {
        vertices: vec![t.start.clone()],
        edges: Vec::new(),
    };
    let expand = |p: &Path, seen: &HashSet<String>| -> Vec<Path> {
        let at = p.vertices.last().cloned().unwrap_or_default();
        let mut next = Vec::new();
        for (to, e) in adj.get(&at).into_iter().flatten() {
            if t.unique_edges_path && p.edges.iter().any(|x| x.get("_id") == e.get("_id")) {
                continue;
            }
            match t.unique_vertices.as_str() {
                "path" if p.vertices.contains(to) => continue,
                "global" if seen.contains(to) => continue,
                _ => {}
            }
            let mut q = p.clone();
            q.vertices.push(to.clone());
            q.edges.push(e.clone());
            next.push(q);
        }
        next
    };
    if t.bfs {
        let mut queue = VecDeque::from([first]);
        while let Some(p) = queue.pop_front() {
            let depth = p.edges.len();
            if depth >= t.min {
                out.push(p.clone());
            }
            if depth < t.max {
                for q in expand(&p, &seen_global) {
                    if t.unique_vertices == "global" {
                        let v = q.vertices.last().cloned().unwrap_or_default();
                        if !seen_global.insert(v) {
                            continue;
                        }
                    }
                    queue.push_back(q);
                }
            }
        }
    } else {
        let mut stack = vec![first];
        while let Some(p) = stack.pop() {
            let depth = p.edges.len();
            if depth >= t.min {
                out.push(p.clone());
            }
            if depth < t.max {
                let mut next = expand(&p, &seen_global);
                next.reverse();
                stack.extend(next);
            }
        }
    }
    out
}

/// The rows of a traversal query, or `None` when `q` is not one.
pub(crate) fn try_run(
    st: &mut State,
    db: &str,
    q: &str,
    binds: &Map<String, Value>,
) -> Option<Result<Vec<Value>, ApiError>> {
    match parse(q, binds) {
        Ok(None) => None,
        Ok(Some(t)) => Some(run(st, db, &t)),
        Err(e) => Some(Err(e)),
    }
}

fn run(st: &mut State, db: &str, t: &Traversal) -> Result<Vec<Value>, ApiError> {
    let colls: Vec<String> = match &t.graph {
        Some(g) => crate::api_graph::load(st, db, g)
            .map_err(|_| ApiError::new(404, 1924, format!("graph '{g}' not found")))?
            .edges
            .iter()
            .map(|d| d.collection.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        None => t.edge_colls.clone(),
    };
    let d = st.db(db)?;
    let mut adj: HashMap<String, Vec<(String, Value)>> = HashMap::new();
    for c in &colls {
        let col = d.collections.get(c).ok_or_else(|| {
            ApiError::new(404, 1203, format!("collection or view not found: {c}"))
        })?;
        if col.ctype != 3 {
            return Err(ApiError::new(
                400,
                1218,
                format!("{c} is not an edge collection"),
            ));
        }
        for e in col.docs.values() {
            let from = e.get("_from").and_then(Value::as_str).unwrap_or("");
            let to = e.get("_to").and_then(Value::as_str).unwrap_or("");
            if matches!(t.dir, Dir::Out | Dir::Any) {
                adj.entry(from.to_owned())
                    .or_default()
                    .push((to.to_owned(), e.clone()));
            }
            if matches!(t.dir, Dir::In | Dir::Any) {
                adj.entry(to.to_owned())
                    .or_default()
                    .push((from.to_owned(), e.clone()));
            }
        }
    }
    let vertex = |id: &str| -> Value {
        id.split_once('/')
            .and_then(|(c, k)| d.collections.get(c).and_then(|col| col.docs.get(k)))
            .cloned()
            .unwrap_or(Value::Null)
    };
    if vertex(&t.start).is_null() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<[Value; 3]> = walk(t, &adj)
        .into_iter()
        .map(|p| {
            let vs: Vec<Value> = p.vertices.iter().map(|id| vertex(id)).collect();
            let v = vs.last().cloned().unwrap_or(Value::Null);
            let e = p.edges.last().cloned().unwrap_or(Value::Null);
            [v, e, json!({"vertices": vs, "edges": p.edges})]
        })
        .collect();
    let slot = |var: &str| t.vars.iter().position(|v| v == var).unwrap_or(0);
    rows.retain(|r| {
        t.filters.iter().all(|(var, path, op, value)| {
            let o = cmp(get(&r[slot(var)], path), value);
            match *op {
                "==" => o == Ordering::Equal,
                "!=" => o != Ordering::Equal,
                "<" => o == Ordering::Less,
                "<=" => o != Ordering::Greater,
                ">" => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }
        })
    });
    if let Some((var, path, asc)) = &t.sort {
        let i = slot(var);
        rows.sort_by(|a, b| {
            let o = cmp(get(&a[i], path), get(&b[i], path));
            if *asc { o } else { o.reverse() }
        });
    }
    let (off, n) = t.limit.unwrap_or((0, usize::MAX));
    let i = slot(&t.ret.0);
    let mut out: Vec<Value> = rows
        .into_iter()
        .skip(off)
        .take(n)
        .map(|r| get(&r[i], &t.ret.1).clone())
        .collect();
    if t.distinct {
        let mut seen = HashSet::new();
        out.retain(|v| seen.insert(v.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_traversals_only() {
        let b = Map::new();
        assert!(parse("FOR d IN coll RETURN d", &b).expect("ok").is_none());
        let t = parse(
            "FOR v, e, p IN 1..2 OUTBOUND 'a/1' GRAPH 'g' OPTIONS {order: 'bfs', uniqueVertices: 'global'} FILTER v.x >= -1 RETURN DISTINCT v._key",
            &b,
        )
        .expect("parses")
        .expect("a traversal");
        assert_eq!((t.min, t.max, t.bfs, t.distinct), (1, 2, true, true));
        assert_eq!(t.graph.as_deref(), Some("g"));
        assert_eq!(t.ret, ("v".to_owned(), vec!["_key".to_owned()]));
        assert_eq!(t.filters[0].3, json!(-1.0));
        assert_eq!(
            parse("FOR v IN 2..1 ANY 'a/1' e RETURN v", &b)
                .err()
                .map(|e| e.num),
            Some(1501)
        );
        assert_eq!(
            parse("FOR v IN 1 ANY @s e RETURN v", &b)
                .err()
                .map(|e| e.num),
            Some(1551)
        );
        assert_eq!(
            parse(
                "FOR v IN 1 ANY 'a/1' GRAPH 'g' OPTIONS {uniqueVertices: 'global'} RETURN v",
                &b
            )
            .err()
            .map(|e| e.num),
            Some(10)
        );
    }
}
