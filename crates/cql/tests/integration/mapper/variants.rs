//! Polymorphic tables (variant models, an enum reading each row as its variant) and
//! materialized view models.

use cql::mapper::{Error, ModelExt, SchemaManager, WriteError};

use super::setup;

#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "pets", discriminator = "kind", variant = "dog")]
struct Dog {
    #[cql(partition_key)]
    owner: String,
    #[cql(clustering)]
    name: String,
    good_boy: bool,
}

#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "pets", discriminator = "kind", variant = "cat")]
struct Cat {
    #[cql(partition_key)]
    owner: String,
    #[cql(clustering)]
    name: String,
    lives: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, cql::Polymorphic)]
enum Pet {
    Dog(Dog),
    Cat(Cat),
}

#[tokio::test]
async fn polymorphic_rows_read_back_as_their_variant() {
    let (s, ks) = setup(cql::ProtocolVersion::V5, "mapper_poly").await;
    let m = SchemaManager::opt_in(&s);
    m.sync_table::<Dog>(None).await.expect("dog");
    let plan = m
        .sync_table::<Cat>(None)
        .await
        .expect("cat adds its columns");
    assert_eq!(plan.statements.len(), 1, "{plan}");
    assert!(plan.statements[0].contains("ADD lives int"), "{plan}");
    let meta = s.refresh_metadata().await.expect("meta");
    let t = &meta.keyspaces()[&ks].tables["pets"];
    assert!(
        t.column("kind").is_some() && t.indexes.len() == 1,
        "discriminator + its index"
    );

    let rex = Dog {
        owner: "ann".into(),
        name: "rex".into(),
        good_boy: true,
    };
    let tom = Cat {
        owner: "ann".into(),
        name: "tom".into(),
        lives: Some(9),
    };
    let felix = Cat {
        owner: "bob".into(),
        name: "felix".into(),
        lives: None,
    };
    rex.insert().execute(&s).await.expect("dog");
    tom.insert().execute(&s).await.expect("cat");
    felix.insert().execute(&s).await.expect("cat");

    // The enum reads each row as its variant.
    let anns: Vec<Pet> = Pet::objects()
        .filter_variant(Dog::OWNER.eq("ann"))
        .expect("shared key")
        .all(&s)
        .await
        .expect("pets")
        .try_collect()
        .await
        .expect("rows");
    assert_eq!(anns, vec![Pet::Dog(rex.clone()), Pet::Cat(tom.clone())]);
    assert_eq!(Pet::objects().count(&s).await.expect("count"), 3);

    // A variant's query sees only its rows (by the discriminator's index).
    let cats: Vec<Cat> = Cat::objects()
        .all(&s)
        .await
        .expect("cats")
        .try_collect()
        .await
        .expect("rows");
    assert_eq!(cats.len(), 2);
    assert!(cats.contains(&tom) && cats.contains(&felix));
    let dogs = Dog::objects()
        .filter(Dog::OWNER.eq("ann"))
        .get(&s)
        .await
        .expect("one dog");
    assert_eq!(dogs, rex);

    // A column only one variant has is not a column of the enum's table; writes go through
    // the variants.
    assert!(Pet::objects().filter_variant(Cat::LIVES.eq(9)).is_none());
    let pet = Pet::Dog(rex.clone());
    let r = pet.insert().execute(&s).await;
    assert!(
        matches!(r, Err(WriteError::Failed(Error::InvalidWrite { .. }))),
        "{r:?}"
    );
}

#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "scores")]
struct Score {
    #[cql(partition_key)]
    player: String,
    #[cql(clustering)]
    game: i32,
    points: i32,
}

#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(
    table = "scores_by_game",
    view_of = "scores",
    view_where = "game IS NOT NULL AND player IS NOT NULL AND points IS NOT NULL"
)]
struct ScoreByGame {
    #[cql(partition_key)]
    game: i32,
    #[cql(clustering = "desc")]
    points: i32,
    #[cql(clustering)]
    player: String,
}

#[tokio::test]
async fn a_materialized_view_model_is_created_and_queried() {
    let (s, ks) = setup(cql::ProtocolVersion::V5, "mapper_mv").await;
    let m = SchemaManager::opt_in(&s);
    m.sync_table::<Score>(None).await.expect("base");
    let plan = m.plan_table::<ScoreByGame>(None).await.expect("plan view");
    assert!(
        plan.to_string().starts_with("CREATE MATERIALIZED VIEW"),
        "{plan}"
    );
    // scripts/cassandra enables materialized views (materialized_views_enabled).
    m.sync_table::<ScoreByGame>(None)
        .await
        .expect("create view");
    let meta = s.refresh_metadata().await.expect("meta");
    assert!(meta.keyspaces()[&ks].views.contains_key("scores_by_game"));
    assert!(
        m.plan_table::<ScoreByGame>(None)
            .await
            .expect("plan")
            .is_empty()
    );
    for (player, game, points) in [("a", 1, 10), ("b", 1, 30), ("c", 1, 20), ("a", 2, 5)] {
        Score {
            player: player.into(),
            game,
            points,
        }
        .insert()
        .execute(&s)
        .await
        .expect("score");
    }
    let top: Vec<String> = ScoreByGame::objects()
        .filter(ScoreByGame::GAME.eq(1))
        .only((ScoreByGame::PLAYER,))
        .all(&s)
        .await
        .expect("view")
        .try_collect()
        .await
        .expect("rows")
        .into_iter()
        .map(|(p,)| p)
        .collect();
    assert_eq!(top, vec!["b", "c", "a"]);
    let r = ScoreByGame {
        game: 1,
        points: 1,
        player: "x".into(),
    }
    .insert()
    .execute(&s)
    .await;
    assert!(
        matches!(r, Err(WriteError::Failed(Error::InvalidWrite { .. }))),
        "{r:?}"
    );
    m.drop_table::<ScoreByGame>(None).await.expect("drop view");
}
