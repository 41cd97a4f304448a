//! The parts of requests the sim reads: the statement id and bound values of an EXECUTE,
//! and the text of a QUERY or PREPARE (v3/v4 layouts).

use crate::wire::Reader;

/// Query parameters flag: values present.
const VALUES: u8 = 0x01;
/// Query parameters flag: values are named.
const NAMES_FOR_VALUES: u8 = 0x40;

/// A parsed EXECUTE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execute<'a> {
    /// Prepared statement id.
    pub id: &'a [u8],
    /// Positional values (`None` entries = null/unset); `None` when values are named.
    pub values: Option<Vec<Option<&'a [u8]>>>,
}

/// Parses an EXECUTE message. `None` if malformed.
pub fn execute(msg: &[u8]) -> Option<Execute<'_>> {
    let mut r = Reader::new(msg);
    let id = r.short_bytes()?;
    r.u16()?; // consistency
    let flags = r.u8()?;
    if flags & VALUES == 0 {
        return Some(Execute {
            id,
            values: Some(Vec::new()),
        });
    }
    if flags & NAMES_FOR_VALUES != 0 {
        return Some(Execute { id, values: None });
    }
    let n = r.u16()?;
    let mut values = Vec::with_capacity(n as usize);
    for _ in 0..n {
        values.push(r.bytes()?);
    }
    Some(Execute {
        id,
        values: Some(values),
    })
}

/// The text of a QUERY or PREPARE (`[long string]` first). `None` if malformed.
pub fn statement_text(msg: &[u8]) -> Option<String> {
    Some(String::from_utf8_lossy(Reader::new(msg).long_string()?).into_owned())
}

/// The text without ScyllaDB's `USING TIMEOUT <duration>` clause, which Cassandra does not
/// parse (Scylla's drivers add it to their system queries once they see a Scylla node):
/// `USING TIMEOUT d AND ...` keeps `USING ...`, `... AND TIMEOUT d` drops `AND TIMEOUT d`.
/// `None` when the text has no such clause.
pub fn without_using_timeout(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let i = upper.iter().position(|w| w == "TIMEOUT")?;
    let before = upper.get(i.checked_sub(1)?)?;
    if i + 1 >= words.len() || (before != "USING" && before != "AND") {
        return None;
    }
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    out.extend_from_slice(&words[..i - 1]);
    let rest = &words[i + 2..];
    match (before.as_str(), upper.get(i + 2).map(String::as_str)) {
        // USING TIMEOUT d AND TTL x: keep USING TTL x.
        ("USING", Some("AND")) => {
            out.push(words[i - 1]);
            out.extend_from_slice(&rest[1..]);
        }
        _ => out.extend_from_slice(rest),
    }
    Some(out.join(" "))
}

/// Whether a statement is conditional (an LWT): its text contains ` IF ` in any case.
pub fn is_conditional(text: &str) -> bool {
    let t: String = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    t.to_ascii_uppercase().contains(" IF ")
}

/// Whether a statement is a read (for the rate-limit error's op type).
pub fn is_read(text: &str) -> bool {
    text.trim_start()
        .get(..6)
        .is_some_and(|s| s.eq_ignore_ascii_case("select"))
}

/// Whether a statement reads or writes rows (SELECT, INSERT, UPDATE, DELETE, BATCH): only
/// those meet a per-partition rate limit, never schema changes.
pub fn is_dml(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or_default();
    ["SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN"]
        .iter()
        .any(|k| first.eq_ignore_ascii_case(k))
}

/// Whether a statement names a table of a `system*` keyspace (`system.local`,
/// `system_schema.tables`, ...). Those are never rate limited: Scylla's per-partition limit
/// applies to user tables only.
pub fn is_system(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ';')
        .filter_map(|w| w.split_once('.'))
        .any(|(ks, _)| {
            ks.trim_matches('"')
                .to_ascii_lowercase()
                .starts_with("system")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{put_bytes, put_u16};

    #[test]
    fn execute_values() {
        let mut b = Vec::new();
        put_u16(&mut b, 2);
        b.extend_from_slice(&[9, 9]);
        put_u16(&mut b, 1);
        b.push(VALUES);
        put_u16(&mut b, 2);
        put_bytes(&mut b, Some(&[1, 2, 3]));
        put_bytes(&mut b, None);
        let e = execute(&b).unwrap();
        assert_eq!(e.id, &[9, 9]);
        assert_eq!(e.values.unwrap(), vec![Some(&[1u8, 2, 3][..]), None]);
        assert!(execute(&b[..b.len() - 5]).is_none());
    }

    #[test]
    fn using_timeout_is_removed() {
        let q = "SELECT * FROM system.local WHERE key='local' USING TIMEOUT 2000ms";
        assert_eq!(
            without_using_timeout(q).as_deref(),
            Some("SELECT * FROM system.local WHERE key='local'")
        );
        assert_eq!(
            without_using_timeout("INSERT INTO t (k) VALUES (1) USING TIMEOUT 5s AND TTL 10")
                .as_deref(),
            Some("INSERT INTO t (k) VALUES (1) USING TTL 10")
        );
        assert_eq!(
            without_using_timeout("INSERT INTO t (k) VALUES (1) USING TTL 10 AND TIMEOUT 5s")
                .as_deref(),
            Some("INSERT INTO t (k) VALUES (1) USING TTL 10")
        );
        assert_eq!(without_using_timeout("SELECT timeout FROM t"), None);
        assert_eq!(without_using_timeout("SELECT * FROM t"), None);
    }

    #[test]
    fn text_classification() {
        assert!(is_conditional("UPDATE t SET v=1 WHERE k=1 if v=0"));
        assert!(is_conditional(
            "INSERT INTO t (k) VALUES (1)\nIF NOT EXISTS"
        ));
        assert!(!is_conditional("SELECT * FROM diff WHERE k=1"));
        assert!(is_read("  select * from t"));
        assert!(is_dml("insert into t (k) values (1)") && is_dml("BEGIN BATCH ..."));
        assert!(!is_dml("CREATE TABLE t (k int PRIMARY KEY)") && !is_dml(""));
        assert!(!is_read("INSERT"));
        assert!(is_system("SELECT * FROM system.local WHERE key='local'"));
        assert!(is_system("select x from \"system_schema\".tables"));
        assert!(!is_system("INSERT INTO ks.t (k) VALUES (1)"));
    }
}
