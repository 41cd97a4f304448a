//! Document options ([`DocOptions`]: returnNew/Old, silent, overwriteMode, keepNull,
//! mergeObjects, waitForSync, If-Match, ignoreRevs) and conditional reads (If-None-Match,
//! `HEAD`).

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use crate::conn::{RawRequest, Req};
use crate::database::{Collection, DocumentMeta, batch, from_value};
use crate::error::{Error, Result};

/// What an insert does when the key exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OverwriteMode {
    /// Keeps the existing document (the answer is its meta).
    Ignore,
    /// Replaces it.
    Replace,
    /// Merges the new document into it (with `keep_null` and `merge_objects`).
    Update,
    /// A unique constraint violation (409, errorNum 1210): the server's default.
    Conflict,
}

impl OverwriteMode {
    fn as_str(self) -> &'static str {
        match self {
            OverwriteMode::Ignore => "ignore",
            OverwriteMode::Replace => "replace",
            OverwriteMode::Update => "update",
            OverwriteMode::Conflict => "conflict",
        }
    }
}

/// Options of a document write; only those set are sent.
///
/// ```
/// use arango::{DocOptions, OverwriteMode};
/// let o = DocOptions::new()
///     .return_new(true)
///     .overwrite_mode(OverwriteMode::Update)
///     .keep_null(false)
///     .wait_for_sync(true);
/// # let _ = o;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct DocOptions {
    return_new: Option<bool>,
    return_old: Option<bool>,
    silent: bool,
    overwrite_mode: Option<OverwriteMode>,
    keep_null: Option<bool>,
    merge_objects: Option<bool>,
    wait_for_sync: Option<bool>,
    ignore_revs: Option<bool>,
    if_match: Option<String>,
}

impl DocOptions {
    /// No options: the server's defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// The document after the write, in [`DocumentMeta::new`].
    #[must_use]
    pub fn return_new(mut self, yes: bool) -> Self {
        self.return_new = Some(yes);
        self
    }
    /// The document before the write, in [`DocumentMeta::old`].
    #[must_use]
    pub fn return_old(mut self, yes: bool) -> Self {
        self.return_old = Some(yes);
        self
    }
    /// No meta in the answer: single writes give `None`, batches only their errors.
    #[must_use]
    pub fn silent(mut self, yes: bool) -> Self {
        self.silent = yes;
        self
    }
    /// What an insert does with an existing key.
    #[must_use]
    pub fn overwrite_mode(mut self, mode: OverwriteMode) -> Self {
        self.overwrite_mode = Some(mode);
        self
    }
    /// Whether `null` attributes of an update are stored (true) or remove the attribute.
    #[must_use]
    pub fn keep_null(mut self, yes: bool) -> Self {
        self.keep_null = Some(yes);
        self
    }
    /// Whether objects of an update are merged into the stored ones (true) or replace them.
    #[must_use]
    pub fn merge_objects(mut self, yes: bool) -> Self {
        self.merge_objects = Some(yes);
        self
    }
    /// Whether the write is synced to disk before the answer.
    #[must_use]
    pub fn wait_for_sync(mut self, yes: bool) -> Self {
        self.wait_for_sync = Some(yes);
        self
    }
    /// Batches: with `false`, each document's `_rev` must match.
    #[must_use]
    pub fn ignore_revs(mut self, yes: bool) -> Self {
        self.ignore_revs = Some(yes);
        self
    }
    /// Single writes: only if the stored revision is `rev` (else 412, errorNum 1200).
    #[must_use]
    pub fn if_match(mut self, rev: impl Into<String>) -> Self {
        self.if_match = Some(rev.into());
        self
    }

    fn apply(&self, mut req: Req) -> Result<Req> {
        let flags = [
            ("returnNew", self.return_new),
            ("returnOld", self.return_old),
            ("keepNull", self.keep_null),
            ("mergeObjects", self.merge_objects),
            ("waitForSync", self.wait_for_sync),
            ("ignoreRevs", self.ignore_revs),
        ];
        for (k, v) in flags {
            if let Some(v) = v {
                req = req.query(k, if v { "true" } else { "false" });
            }
        }
        if self.silent {
            req = req.query("silent", "true");
        }
        if let Some(m) = self.overwrite_mode {
            req = req.query("overwriteMode", m.as_str());
        }
        if let Some(rev) = &self.if_match {
            req = req.header("if-match", &format!("\"{}\"", rev.trim_matches('"')))?;
        }
        Ok(req)
    }
}

/// What `HEAD` says about a document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocHead {
    /// It exists with this revision.
    Present {
        /// The revision (`ETag`).
        rev: String,
    },
    /// It still has the revision given as `if_none_match` (304).
    Unchanged,
    /// It does not exist.
    Missing,
}

fn bad_rev(url: &str) -> Error {
    Error::Deserialization {
        url: url.to_owned(),
        message: "no ETag in the answer".into(),
    }
}

impl Collection {
    /// Inserts a document with options; `None` when `silent`.
    pub async fn insert_with<T: Serialize + ?Sized>(
        &self,
        doc: &T,
        opts: &DocOptions,
    ) -> Result<Option<DocumentMeta>> {
        let req = opts.apply(Req::new(Method::POST, self.doc_path(None)).json(doc)?)?;
        self.meta_or_silent(req, opts).await
    }

    /// Merges `patch` into document `key`, with options; `None` when `silent`.
    pub async fn update_with<T: Serialize + ?Sized>(
        &self,
        key: &str,
        patch: &T,
        opts: &DocOptions,
    ) -> Result<Option<DocumentMeta>> {
        let req = opts.apply(Req::new(Method::PATCH, self.doc_path(Some(key))).json(patch)?)?;
        self.meta_or_silent(req, opts).await
    }

    /// Replaces document `key`, with options; `None` when `silent`.
    pub async fn replace_with<T: Serialize + ?Sized>(
        &self,
        key: &str,
        doc: &T,
        opts: &DocOptions,
    ) -> Result<Option<DocumentMeta>> {
        let req = opts.apply(Req::new(Method::PUT, self.doc_path(Some(key))).json(doc)?)?;
        self.meta_or_silent(req, opts).await
    }

    /// Deletes document `key`, with options; `None` when `silent`.
    pub async fn delete_with(&self, key: &str, opts: &DocOptions) -> Result<Option<DocumentMeta>> {
        let req = opts.apply(Req::new(Method::DELETE, self.doc_path(Some(key))))?;
        self.meta_or_silent(req, opts).await
    }

    /// Inserts many documents with options. Each slot is the meta or that document's
    /// error; with `silent`, only the errors come back.
    pub async fn insert_many_with<T: Serialize>(
        &self,
        docs: &[T],
        opts: &DocOptions,
    ) -> Result<Vec<Result<DocumentMeta>>> {
        let req = opts.apply(Req::new(Method::POST, self.doc_path(None)).json(&docs)?)?;
        self.many(req).await
    }

    /// Updates many documents (each with `_key`) with options.
    pub async fn update_many_with<T: Serialize>(
        &self,
        docs: &[T],
        opts: &DocOptions,
    ) -> Result<Vec<Result<DocumentMeta>>> {
        let req = opts.apply(Req::new(Method::PATCH, self.doc_path(None)).json(&docs)?)?;
        self.many(req).await
    }

    /// Replaces many documents (each with `_key`) with options.
    pub async fn replace_many_with<T: Serialize>(
        &self,
        docs: &[T],
        opts: &DocOptions,
    ) -> Result<Vec<Result<DocumentMeta>>> {
        let req = opts.apply(Req::new(Method::PUT, self.doc_path(None)).json(&docs)?)?;
        self.many(req).await
    }

    /// Deletes many documents (keys or `{"_key"}` objects) with options.
    pub async fn delete_many_with<T: Serialize>(
        &self,
        docs: &[T],
        opts: &DocOptions,
    ) -> Result<Vec<Result<DocumentMeta>>> {
        let req = opts.apply(Req::new(Method::DELETE, self.doc_path(None)).json(&docs)?)?;
        self.many(req).await
    }

    async fn meta_or_silent(&self, req: Req, opts: &DocOptions) -> Result<Option<DocumentMeta>> {
        let v = self.db.call(req).await?;
        if opts.silent {
            return Ok(None);
        }
        from_value(v).map(Some)
    }

    async fn many(&self, req: Req) -> Result<Vec<Result<DocumentMeta>>> {
        match self.db.call(req).await? {
            // `silent` and every document succeeded.
            Value::Object(m) if m.is_empty() => Ok(Vec::new()),
            v => batch(v),
        }
    }

    /// Reads document `key` unless it still has revision `rev`: `None` when unchanged
    /// (`If-None-Match`, 304).
    pub async fn get_if_changed(&self, key: &str, rev: &str) -> Result<Option<Value>> {
        let r = RawRequest::get(self.doc_path(Some(key)))
            .header("if-none-match", &format!("\"{}\"", rev.trim_matches('"')))?;
        let reply = self.db.request(r).await?;
        match reply.status {
            304 => Ok(None),
            200..=299 => reply.json().map(Some),
            _ => Err(reply.into_error("GET")),
        }
    }

    /// Whether document `key` exists (`HEAD`).
    pub async fn has(&self, key: &str) -> Result<bool> {
        Ok(!matches!(
            self.head(key, None, None).await?,
            DocHead::Missing
        ))
    }

    /// `HEAD` of document `key`: its revision, or `Unchanged` when it still has
    /// `if_none_match`; with `if_match` and another revision, 412 (errorNum 1200).
    pub async fn head(
        &self,
        key: &str,
        if_match: Option<&str>,
        if_none_match: Option<&str>,
    ) -> Result<DocHead> {
        let mut r = RawRequest::new(Method::HEAD, self.doc_path(Some(key)));
        if let Some(m) = if_match {
            r = r.header("if-match", &format!("\"{}\"", m.trim_matches('"')))?;
        }
        if let Some(m) = if_none_match {
            r = r.header("if-none-match", &format!("\"{}\"", m.trim_matches('"')))?;
        }
        let reply = self.db.request(r).await?;
        match reply.status {
            304 => Ok(DocHead::Unchanged),
            404 => Ok(DocHead::Missing),
            200..=299 => {
                let rev = reply
                    .header("etag")
                    .ok_or_else(|| bad_rev(&self.doc_path(Some(key))))?;
                Ok(DocHead::Present {
                    rev: rev.trim_matches('"').to_owned(),
                })
            }
            _ => Err(reply.into_error("HEAD")),
        }
    }
}
