//! Schema management (the reference driver's `cqlengine.management`), opt-in: nothing in
//! the mapper changes the schema unless the application makes a [`SchemaManager`] with
//! [`SchemaManager::opt_in`]. Every change waits for schema agreement.

pub(crate) mod ddl;
pub(crate) mod plan;

use std::time::Duration;

use crate::Session;
use crate::metadata::{TableMetadata, quote_identifier, quote_string};

use super::error::Error;
use super::model::Model;
use super::types::{TypeDesc, UserType, UserTypeDef, normalize};

pub use plan::Plan;

/// How long a schema change waits for every node to agree.
const AGREEMENT_WAIT: Duration = Duration::from_secs(60);

/// Changes the schema to match models. Made only by [`opt_in`](Self::opt_in): schema
/// management is a decision of the application, as `CQLENG_ALLOW_SCHEMA_MANAGEMENT` is in
/// cqlengine.
#[derive(Debug, Clone)]
pub struct SchemaManager {
    session: Session,
}

impl SchemaManager {
    /// Allows this manager to create, alter and drop keyspaces, tables and types.
    pub fn opt_in(session: &Session) -> Self {
        SchemaManager {
            session: session.clone(),
        }
    }

    async fn ddl(&self, cql: &str) -> Result<(), Error> {
        self.session.execute(cql, ()).await?;
        if !self
            .session
            .wait_for_schema_agreement(AGREEMENT_WAIT)
            .await?
        {
            return Err(Error::NoSchemaAgreement(cql.to_owned()));
        }
        Ok(())
    }

    /// `CREATE KEYSPACE IF NOT EXISTS` with `SimpleStrategy`.
    pub async fn create_keyspace_simple(
        &self,
        name: &str,
        replication_factor: u32,
        durable_writes: bool,
    ) -> Result<(), Error> {
        self.ddl(&format!(
            "CREATE KEYSPACE IF NOT EXISTS {} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': {replication_factor}}} AND durable_writes = {durable_writes}",
            quote_identifier(name)
        ))
        .await
    }

    /// `CREATE KEYSPACE IF NOT EXISTS` with `NetworkTopologyStrategy`, a replication factor
    /// per data center.
    pub async fn create_keyspace_network_topology(
        &self,
        name: &str,
        dc_replication: &[(&str, u32)],
        durable_writes: bool,
    ) -> Result<(), Error> {
        let dcs: Vec<String> = dc_replication
            .iter()
            .map(|(dc, rf)| format!("{}: {rf}", quote_string(dc)))
            .collect();
        self.ddl(&format!(
            "CREATE KEYSPACE IF NOT EXISTS {} WITH replication = {{'class': 'NetworkTopologyStrategy', {}}} AND durable_writes = {durable_writes}",
            quote_identifier(name),
            dcs.join(", ")
        ))
        .await
    }

    /// `DROP KEYSPACE IF EXISTS`.
    pub async fn drop_keyspace(&self, name: &str) -> Result<(), Error> {
        self.ddl(&format!(
            "DROP KEYSPACE IF EXISTS {}",
            quote_identifier(name)
        ))
        .await
    }

    fn keyspace<M: Model>(&self, over: Option<&str>) -> Result<String, Error> {
        super::cql_text::keyspace(M::TABLE, over, &self.session).map(std::borrow::Cow::into_owned)
    }

    async fn table_meta(&self, ks: &str, name: &str) -> Result<Option<TableMetadata>, Error> {
        let meta = self.session.refresh_metadata().await?;
        Ok(meta
            .keyspaces()
            .get(ks)
            .and_then(|k| k.tables.get(name))
            .cloned())
    }

    /// What [`sync_table`](Self::sync_table) would run, without running it (`ks`: instead
    /// of the model's or the session's keyspace). The types the model uses are not part of
    /// the plan (see [`sync_type`](Self::sync_type)).
    pub async fn plan_table<M: Model>(&self, ks: Option<&str>) -> Result<Plan, Error> {
        let ks = self.keyspace::<M>(ks)?;
        let def = M::TABLE;
        if let Some(v) = def.view {
            let meta = self.session.refresh_metadata().await?;
            let exists = meta
                .keyspaces()
                .get(&ks)
                .is_some_and(|k| k.views.contains_key(def.name));
            return Ok(Plan {
                table: format!("{ks}.{}", def.name),
                statements: if exists {
                    Vec::new()
                } else {
                    vec![ddl::create_view(def, &ks, v.base_table, v.where_clause)]
                },
            });
        }
        match self.table_meta(&ks, def.name).await? {
            None => Ok(plan::create(def, &ks)),
            Some(t) => plan::diff(def, &ks, &t).map_err(|differences| Error::Incompatible {
                table: format!("{ks}.{}", def.name),
                differences,
            }),
        }
    }

    /// Creates the model's table (and the user types it uses), or brings an existing one in
    /// line: adds missing columns and indexes, alters differing options. A difference it
    /// does not resolve (a column of another type, another key) is an error listing each,
    /// and nothing is changed. Returns what it ran.
    pub async fn sync_table<M: Model>(&self, ks: Option<&str>) -> Result<Plan, Error> {
        let keyspace = self.keyspace::<M>(ks)?;
        let mut types = Vec::new();
        for c in M::TABLE.columns {
            (c.cql_type)().user_types(&mut types);
        }
        for u in types {
            self.sync_type_def(u, &keyspace).await?;
        }
        let plan = self.plan_table::<M>(Some(&keyspace)).await?;
        for s in &plan.statements {
            self.ddl(s).await?;
        }
        Ok(plan)
    }

    /// `DROP TABLE IF EXISTS` (or `DROP MATERIALIZED VIEW` for a view model).
    pub async fn drop_table<M: Model>(&self, ks: Option<&str>) -> Result<(), Error> {
        let ks = self.keyspace::<M>(ks)?;
        let what = if M::TABLE.view.is_some() {
            "MATERIALIZED VIEW"
        } else {
            "TABLE"
        };
        self.ddl(&format!(
            "DROP {what} IF EXISTS {}.{}",
            quote_identifier(&ks),
            quote_identifier(M::TABLE.name)
        ))
        .await
    }

    /// Creates the user type (and those it uses), or adds the fields it lacks. A field of
    /// another type is an error naming it and both types.
    pub async fn sync_type<U: UserType>(&self, ks: &str) -> Result<(), Error> {
        let mut types = Vec::new();
        TypeDesc::Udt(U::TYPE).user_types(&mut types);
        for u in types {
            self.sync_type_def(u, ks).await?;
        }
        Ok(())
    }

    async fn sync_type_def(&self, u: &'static UserTypeDef, ks: &str) -> Result<(), Error> {
        let ks = u.keyspace.unwrap_or(ks);
        let meta = self.session.refresh_metadata().await?;
        let existing = meta
            .keyspaces()
            .get(ks)
            .and_then(|k| k.user_types.get(u.name))
            .cloned();
        let Some(have) = existing else {
            return self.ddl(&ddl::create_type(u, ks)).await;
        };
        let mut problems = Vec::new();
        let mut adds = Vec::new();
        for (name, t) in u.fields {
            let want = ddl::field_type(t());
            match have.fields.iter().find(|f| f.name == *name) {
                Some(f) if normalize(&f.type_text) != normalize(&want) => problems.push(format!(
                    "field {name}: type {want} in the model but {} on the server",
                    f.type_text
                )),
                Some(_) => {}
                None => adds.push(format!(
                    "ALTER TYPE {}.{} ADD {} {want}",
                    quote_identifier(ks),
                    quote_identifier(u.name),
                    quote_identifier(name)
                )),
            }
        }
        if !problems.is_empty() {
            return Err(Error::Incompatible {
                table: format!("{ks}.{} (type)", u.name),
                differences: problems,
            });
        }
        for a in adds {
            self.ddl(&a).await?;
        }
        Ok(())
    }

    /// `DROP TYPE IF EXISTS`.
    pub async fn drop_type<U: UserType>(&self, ks: &str) -> Result<(), Error> {
        let ks = U::TYPE.keyspace.unwrap_or(ks);
        self.ddl(&format!(
            "DROP TYPE IF EXISTS {}.{}",
            quote_identifier(ks),
            quote_identifier(U::TYPE.name)
        ))
        .await
    }
}
