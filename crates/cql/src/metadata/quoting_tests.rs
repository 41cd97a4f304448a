use super::*;

/// Cassandra 5.0's reserved keywords, and `true` and `false`: each refused by a 5.0 server as
/// an unquoted column, table, keyspace, type, field, index, function and argument name.
const CASSANDRA_5_RESERVED: &[&str] = &[
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
    "delete",
    "desc",
    "describe",
    "drop",
    "entries",
    "execute",
    "false",
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
    "limit",
    "materialized",
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
    "update",
    "use",
    "using",
    "view",
    "where",
    "with",
];

#[test]
fn every_reserved_word_is_quoted_in_every_kind_of_name() {
    for w in CASSANDRA_5_RESERVED {
        let quoted = format!("\"{w}\"");
        assert_eq!(quote_identifier(w), quoted);
        assert_eq!(quote_type_name(w), quoted);
        assert_eq!(quote_function_name(w), quoted);
    }
    assert_eq!(quote_identifier("true"), "\"true\"");
    assert_eq!(quote_identifier("false"), "\"false\"");
    // Near misses stay plain.
    for w in [
        "truth", "falsey", "true_", "key", "type", "vector", "ann", "between",
    ] {
        assert_eq!(quote_identifier(w), w);
    }
}

#[test]
fn type_and_function_names_quote_the_words_their_grammar_excludes() {
    for w in [
        "int",
        "text",
        "varchar",
        "count",
        "json",
        "ttl",
        "writetime",
        "byte",
        "enum",
    ] {
        assert_eq!(quote_type_name(w), format!("\"{w}\""));
        // Fine as a column name.
        assert_eq!(quote_identifier(w), w);
    }
    for w in ["json", "key", "distinct", "cast", "maxwritetime"] {
        assert_eq!(quote_function_name(w), format!("\"{w}\""));
    }
    assert_eq!(quote_function_name("count"), "count");
    assert_eq!(quote_type_name("address"), "address");
    assert_eq!(quote_type_name("key"), "key");
    assert_eq!(quote_type_name("Addr"), "\"Addr\"");
}

#[test]
fn requotes_user_type_names_in_type_text() {
    let cases = [
        ("int", "int"),
        ("frozen<map<text, int>>", "frozen<map<text, int>>"),
        ("frozen<true>", "frozen<\"true\">"),
        ("true", "\"true\""),
        ("list<frozen<true>>", "list<frozen<\"true\">>"),
        (
            "frozen<map<frozen<true>, frozen<\"select\">>>",
            "frozen<map<frozen<\"true\">, frozen<\"select\">>>",
        ),
        ("frozen<count>", "frozen<\"count\">"),
        ("frozen<\"Upper\">", "frozen<\"Upper\">"),
        ("frozen<\"a\"\"b\">", "frozen<\"a\"\"b\">"),
        // A quoted name that needs no quotes loses them.
        ("frozen<\"address\">", "frozen<address>"),
        ("frozen<true.false>", "frozen<\"true\".\"false\">"),
        ("frozen<Ks.address>", "frozen<ks.address>"),
        ("frozen<ks.int>", "frozen<ks.\"int\">"),
        ("vector<float, 3>", "vector<float, 3>"),
        ("tuple<int, frozen<true>>", "tuple<int, frozen<\"true\">>"),
        (
            "'org.apache.cassandra.db.marshal.DynamicCompositeType(a=>true)'",
            "'org.apache.cassandra.db.marshal.DynamicCompositeType(a=>true)'",
        ),
    ];
    for (stored, exported) in cases {
        assert_eq!(requote_type(stored), exported, "{stored}");
    }
}

#[test]
fn requotes_columns_in_index_targets() {
    let cases = [
        ("v", "v"),
        ("true", "\"true\""),
        ("\"token\"", "\"token\""),
        ("keys(false)", "keys(\"false\")"),
        ("values(l)", "values(l)"),
        ("full(\"Tags\")", "full(\"Tags\")"),
        ("entries(true)", "entries(\"true\")"),
        ("a, true", "a, \"true\""),
    ];
    for (stored, exported) in cases {
        assert_eq!(requote_index_target(stored), exported, "{stored}");
    }
}

#[test]
fn requotes_columns_but_not_values_in_view_where_clauses() {
    let cases = [
        (
            "name IS NOT NULL AND id IS NOT NULL",
            "name IS NOT NULL AND id IS NOT NULL",
        ),
        (
            "true IS NOT NULL AND false IS NOT NULL AND \"token\" IS NOT NULL",
            "\"true\" IS NOT NULL AND \"false\" IS NOT NULL AND \"token\" IS NOT NULL",
        ),
        ("true = true", "\"true\" = true"),
        ("flag != false and k > 0", "flag != false and k > 0"),
        (
            "(true, b) >= (1, 'AND true') AND c IN (true, false)",
            "(\"true\", b) >= (1, 'AND true') AND c IN (true, false)",
        ),
        ("token(true) > 0", "token(\"true\") > 0"),
        ("m CONTAINS KEY 'true'", "m CONTAINS KEY 'true'"),
        ("t LIKE 'a%'", "t LIKE 'a%'"),
    ];
    for (stored, exported) in cases {
        assert_eq!(requote_where_clause(stored), exported, "{stored}");
    }
}

#[test]
fn random_fragments_never_panic() {
    const PIECES: &[&str] = &[
        "<",
        ">",
        "(",
        ")",
        ",",
        ".",
        "=",
        "\"",
        "'",
        "''",
        "\"\"",
        " ",
        "true",
        "AND",
        "IS",
        "frozen",
        "3",
        "é",
        "x",
        "\u{1F600}",
        "\t",
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..20_000 {
        let mut s = String::new();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for _ in 0..(x % 10) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.push_str(PIECES[(x % PIECES.len() as u64) as usize]);
        }
        for out in [
            requote_type(&s),
            requote_index_target(&s),
            requote_where_clause(&s),
        ] {
            // Only names change: the text without them keeps its structure.
            assert_eq!(
                out.matches(['<', '>', '(', ')', ',', '=']).count(),
                s.matches(['<', '>', '(', ')', ',', '=']).count(),
                "{s:?} -> {out:?}"
            );
        }
    }
}
