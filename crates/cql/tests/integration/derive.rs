//! Structs mapped to rows by column name with the derive macros, against a real server.

use cql::{DeserializeRow, SerializeRow};

use crate::common::{VERSIONS, keyspace, session};

#[derive(Debug, SerializeRow)]
struct NewUser<'a> {
    id: i32,
    #[cql(rename = "email_address")]
    email: &'a str,
    name: String,
    logins: Option<i64>,
}

#[derive(Debug, PartialEq, DeserializeRow)]
struct UserRow<'a> {
    name: &'a str,
    id: i32,
    #[cql(rename = "email_address")]
    email: String,
    logins: Option<i64>,
}

#[derive(Debug, DeserializeRow)]
struct WrongType {
    #[allow(dead_code)]
    id: String,
}

#[derive(Debug, DeserializeRow)]
struct MissingColumn {
    #[allow(dead_code)]
    nickname: String,
}

#[tokio::test]
async fn structs_bind_and_read_by_column_name() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "derive").await;
        s.execute(
            format!("CREATE TABLE {ks}.users (id int PRIMARY KEY, name text, email_address text, logins bigint)").as_str(),
            (),
        )
        .await
        .expect("table");
        // Bind markers in a different order from the struct's fields.
        let ins = s
            .prepare(format!(
                "INSERT INTO {ks}.users (name, logins, id, email_address) VALUES (?, ?, ?, ?)"
            ))
            .await
            .expect("prepare");
        for (id, name) in [(1, "ada"), (2, "grace")] {
            let email = format!("{name}@example.org");
            let user = NewUser {
                id,
                email: &email,
                name: name.to_owned(),
                logins: (id == 1).then_some(7),
            };
            s.execute(&ins, user).await.expect("insert");
        }
        // Named values of a simple statement.
        s.execute(
            format!("INSERT INTO {ks}.users (id, email_address, name, logins) VALUES (:id, :email_address, :name, :logins)").as_str(),
            NewUser { id: 3, email: "edsger@example.org", name: "edsger".into(), logins: None },
        )
        .await
        .expect("named insert");

        let rs = s
            .execute(
                format!("SELECT logins, email_address, id, name FROM {ks}.users").as_str(),
                (),
            )
            .await
            .expect("select");
        let mut rows: Vec<UserRow<'_>> = rs
            .rows_typed()
            .expect("type check")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.sort_by_key(|r| r.id);
        assert_eq!(
            rows,
            vec![
                UserRow {
                    name: "ada",
                    id: 1,
                    email: "ada@example.org".into(),
                    logins: Some(7)
                },
                UserRow {
                    name: "grace",
                    id: 2,
                    email: "grace@example.org".into(),
                    logins: None
                },
                UserRow {
                    name: "edsger",
                    id: 3,
                    email: "edsger@example.org".into(),
                    logins: None
                },
            ],
            "{v:?}"
        );

        let err = rs
            .rows_typed::<WrongType>()
            .map(|_| ())
            .expect_err("int is not String");
        assert!(err.to_string().contains("id"), "{err}");
        let err = rs
            .rows_typed::<MissingColumn>()
            .map(|_| ())
            .expect_err("no such column");
        assert!(err.to_string().contains("nickname"), "{err}");
    }
}
