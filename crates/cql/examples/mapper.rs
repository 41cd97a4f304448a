//! The object mapper: models, sync_table, queries, LWT, a batch, counters.
//!
//! `cargo run -p cql --example mapper` against `scripts/cassandra start` (the host is
//! `CQL_HOST`, default 127.0.0.1).

use std::collections::BTreeSet;
use std::time::Duration;

use cql::Cluster;
use cql::mapper::{Batch, ModelExt, SchemaManager, WriteError};

/// A user type: a frozen value in a column.
#[derive(Debug, Clone, PartialEq, cql::UserType)]
struct Address {
    street: String,
    city: String,
}

/// Posts of a blog: one partition per blog, newest first.
#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(
    table = "posts",
    keyspace = "examples",
    option = "comment = 'blog posts'"
)]
struct Post {
    #[cql(partition_key)]
    blog: String,
    #[cql(clustering = "desc")]
    published: i64,
    #[cql(static_column)]
    blog_title: Option<String>,
    #[cql(index)]
    author: String,
    title: String,
    tags: Option<BTreeSet<String>>,
    #[cql(rename = "where")]
    place: Option<Address>,
}

/// Likes per post, a counter table.
#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "post_likes", keyspace = "examples")]
struct Likes {
    #[cql(partition_key)]
    blog: String,
    #[cql(clustering)]
    published: i64,
    #[cql(counter)]
    likes: i64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = std::env::var("CQL_HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let session = Cluster::builder()
        .contact_points([host])
        .credentials("cassandra", "cassandra")
        .build()?
        .connect()
        .await?;

    // Schema management is opt-in.
    let schema = SchemaManager::opt_in(&session);
    schema.create_keyspace_simple("examples", 1, true).await?;
    println!("{}", schema.plan_table::<Post>(None).await?);
    schema.sync_table::<Post>(None).await?;
    schema.sync_table::<Likes>(None).await?;

    let first = Post {
        blog: "rust".into(),
        published: 1,
        blog_title: Some("Rust notes".into()),
        author: "ann".into(),
        title: "Hello".into(),
        tags: Some(["intro".to_owned()].into()),
        place: Some(Address {
            street: "Main St".into(),
            city: "Springfield".into(),
        }),
    };
    first.insert().execute(&session).await?;
    let second = Post {
        published: 2,
        title: "Mapping rows".into(),
        blog_title: None,
        ..first.clone()
    };
    second
        .insert()
        .ttl(Duration::from_secs(3600))
        .execute(&session)
        .await?;

    // Queries: typed columns, checked by the compiler.
    let blog = || Post::objects().filter(Post::BLOG.eq("rust"));
    let newest = blog().first(&session).await?;
    println!("newest: {newest:?}");
    let mut all = blog().order_by(Post::PUBLISHED.asc()).all(&session).await?;
    while let Some(post) = all.next_row().await {
        let post = post?;
        println!("{} {} by {}", post.published, post.title, post.author);
    }
    let titles = blog()
        .only((Post::TITLE,))
        .all(&session)
        .await?
        .try_collect()
        .await?;
    println!("titles: {titles:?}");
    println!(
        "by ann: {}",
        Post::objects()
            .filter(Post::AUTHOR.eq("ann"))
            .count(&session)
            .await?
    );
    // A filter the server would refuse is refused here, naming the column and the rule.
    if let Err(e) = Post::objects()
        .filter(Post::TITLE.eq("Hello"))
        .count(&session)
        .await
    {
        println!("refused: {e}");
    }

    // Updates: chosen columns, collection operations.
    blog()
        .filter(Post::PUBLISHED.eq(1))
        .update()
        .set(Post::TAGS.add_all(["welcome".to_owned()].into()))
        .execute(&session)
        .await?;

    // LWT: a second insert of the same post is not applied and returns the current row.
    match first.insert().if_not_exists().execute(&session).await {
        Err(WriteError::NotApplied { current }) => println!("already there: {current:?}"),
        other => println!("unexpected: {other:?}"),
    }

    // A counter batch.
    let like = Likes {
        blog: "rust".into(),
        published: 1,
        likes: 0,
    };
    Batch::counter()
        .push(like.update().set(Likes::LIKES.incr(2)))
        .execute(&session)
        .await?;
    let likes = Likes::objects()
        .filter(Likes::BLOG.eq("rust"))
        .filter(Likes::PUBLISHED.eq(1))
        .get(&session)
        .await?;
    println!("likes: {}", likes.likes);

    schema.drop_table::<Post>(None).await?;
    schema.drop_table::<Likes>(None).await?;
    schema.drop_type::<Address>("examples").await?;
    Ok(())
}
