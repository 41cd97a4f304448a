//! Structs mapped to rows by column name with the derive macros, against a real server.

use cql::{DeserializeRow, DeserializeValue, SerializeRow, SerializeValue};

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

/// The UDT `address (street text, zip int, city text)`, fields declared in another order.
#[derive(Debug, Clone, PartialEq, SerializeValue, DeserializeValue)]
struct Address {
    city: Option<String>,
    street: String,
    #[cql(rename = "zip")]
    postcode: i32,
}

/// The same UDT read without copying the text.
#[derive(Debug, PartialEq, DeserializeValue)]
struct AddressRef<'a> {
    street: &'a str,
    zip: i32,
}

/// A UDT struct with a field the type lacks: a type-check error naming the field.
#[derive(Debug, SerializeValue, DeserializeValue)]
struct AddressWithCountry {
    street: String,
    country: String,
}

#[derive(Debug, SerializeRow)]
struct NewPerson {
    id: i32,
    home: Address,
    work: Option<Address>,
}

#[derive(Debug, PartialEq, DeserializeRow)]
struct PersonRow<'a> {
    work: Option<AddressRef<'a>>,
    id: i32,
    home: Address,
    /// Not selected: filled with `Default` because of `default`.
    #[cql(default)]
    nickname: Option<String>,
    /// Never read.
    #[cql(skip)]
    seen: u32,
}

#[derive(Debug, DeserializeRow)]
struct WrongUdt {
    #[allow(dead_code)]
    home: AddressWithCountry,
}

#[derive(Debug, DeserializeRow)]
struct UdtAsText {
    #[allow(dead_code)]
    home: String,
}

#[derive(Debug, SerializeRow)]
struct MissingMarker {
    id: i32,
}

#[tokio::test]
async fn udt_columns_map_to_structs_by_field_name() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "derive_udt").await;
        for ddl in [
            format!("CREATE TYPE {ks}.address (street text, zip int, city text)"),
            format!(
                "CREATE TABLE {ks}.people (id int PRIMARY KEY, home frozen<address>, \
                 work frozen<address>, nickname text)"
            ),
        ] {
            s.execute(ddl.as_str(), ()).await.expect("ddl");
        }
        let ins = s
            .prepare(format!(
                "INSERT INTO {ks}.people (work, id, home) VALUES (?, ?, ?)"
            ))
            .await
            .expect("prepare");
        let home = Address {
            city: Some("Paris".into()),
            street: "1 rue de Rivoli".into(),
            postcode: 75001,
        };
        let work = Address {
            city: None,
            street: "2 Main St".into(),
            postcode: 12345,
        };
        s.execute(
            &ins,
            NewPerson {
                id: 1,
                home: home.clone(),
                work: Some(work.clone()),
            },
        )
        .await
        .expect("insert 1");
        s.execute(
            &ins,
            NewPerson {
                id: 2,
                home: work.clone(),
                work: None,
            },
        )
        .await
        .expect("insert 2");

        // What the server stored, read dynamically: the fields landed by name, not position.
        let rs = s
            .execute(
                format!("SELECT home FROM {ks}.people WHERE id = 1").as_str(),
                (),
            )
            .await
            .expect("select dynamic");
        let (dynamic,): (cql::CqlValue,) = rs.first_row_typed().expect("row");
        let cql::CqlValue::Udt { fields, .. } = dynamic else {
            panic!("not a UDT: {dynamic:?}");
        };
        let text = |s: &str| Some(cql::CqlValue::Text(s.into()));
        assert_eq!(
            fields,
            vec![
                ("street".to_owned(), text("1 rue de Rivoli")),
                ("zip".to_owned(), Some(cql::CqlValue::Int(75001))),
                ("city".to_owned(), text("Paris")),
            ],
            "{v:?}"
        );

        let rs = s
            .execute(
                format!("SELECT home, id, work FROM {ks}.people").as_str(),
                (),
            )
            .await
            .expect("select");
        let mut rows: Vec<PersonRow<'_>> = rs
            .rows_typed()
            .expect("type check")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.sort_by_key(|r| r.id);
        let expected = vec![
            PersonRow {
                work: Some(AddressRef {
                    street: "2 Main St",
                    zip: 12345,
                }),
                id: 1,
                home: home.clone(),
                nickname: None,
                seen: 0,
            },
            PersonRow {
                work: None,
                id: 2,
                home: work.clone(),
                nickname: None,
                seen: 0,
            },
        ];
        assert_eq!(rows, expected, "{v:?}");

        let err = rs
            .rows_typed::<WrongUdt>()
            .map(|_| ())
            .expect_err("no field country");
        let msg = err.to_string();
        assert!(msg.contains("home") && msg.contains("country"), "{msg}");
        let err = rs
            .rows_typed::<UdtAsText>()
            .map(|_| ())
            .expect_err("udt is not text");
        assert!(err.to_string().contains("home"), "{err}");

        // Writing a struct whose field the type lacks fails before anything is sent.
        #[derive(Debug, SerializeRow)]
        struct BadHome {
            id: i32,
            home: AddressWithCountry,
            work: Option<Address>,
        }
        let bad = BadHome {
            id: 3,
            home: AddressWithCountry {
                street: "x".into(),
                country: "FR".into(),
            },
            work: None,
        };
        let err = s
            .execute(&ins, bad)
            .await
            .expect_err("type has no field country");
        let msg = err.to_string();
        assert!(msg.contains("home") && msg.contains("country"), "{msg}");
        // A bind marker without a field names the marker.
        let err = s
            .execute(&ins, MissingMarker { id: 4 })
            .await
            .expect_err("no home field");
        assert!(err.to_string().contains("work"), "{err}");

        // The type grows a field: old values end early and still read; the new field is
        // ignored by the struct and written as null.
        s.execute(
            format!("ALTER TYPE {ks}.address ADD country text").as_str(),
            (),
        )
        .await
        .expect("alter type");
        let ins = s
            .prepare(format!(
                "INSERT INTO {ks}.people (id, home, work) VALUES (?, ?, ?)"
            ))
            .await
            .expect("prepare after alter");
        s.execute(
            &ins,
            NewPerson {
                id: 5,
                home: home.clone(),
                work: None,
            },
        )
        .await
        .expect("insert after alter");
        let rs = s
            .execute(
                format!("SELECT id, home, work FROM {ks}.people").as_str(),
                (),
            )
            .await
            .expect("select after alter");
        let mut rows: Vec<PersonRow<'_>> = rs
            .rows_typed()
            .expect("type check after alter")
            .collect::<Result<_, _>>()
            .expect("rows after alter");
        rows.sort_by_key(|r| r.id);
        assert_eq!(rows.len(), 3, "{v:?}");
        assert_eq!(rows[0], expected[0], "{v:?}");
        assert_eq!((rows[2].id, &rows[2].home), (5, &home), "{v:?}");
    }
}
