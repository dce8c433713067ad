//! Loading a generated demo city in one transaction.

use crate::DemoCity;
use crate::cases::HistoryCase;
use std::collections::HashMap;
use tongxin_core::audit::AuditEntry;
use tongxin_core::cases::indicators::{EventFacts, Tally};
use tongxin_core::territory::{DivisionCode, GridCode};
use tongxin_store::access;
use tongxin_store::audit;
use tongxin_store::cases::CaseRow;
use tongxin_store::territory::{self, BuildingRow, CompoundRow, DivisionRow, GridRow};
use tongxin_store::{
    DEFAULT_CACHE_MIB, Store, StoreError, Val, bulk_cache, bulk_insert, bulk_insert_owned,
    now_millis, reserve_ids, sync_ids,
};

fn ring_json(ring: &[[f64; 2]]) -> String {
    serde_json::to_string(&[ring]).unwrap_or_else(|_| "[]".into())
}

/// Whether the database already holds a city (then the demo is not loaded again).
pub async fn has_territory(store: &Store) -> Result<bool, StoreError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM divisions")
        .fetch_one(store.pool())
        .await?;
    Ok(n > 0)
}

/// Writes the whole city. Every account gets `password_hash` (the demo password is public,
/// so one argon2id hash serves all of them; hashing 20,000 separately would take minutes).
pub async fn load(store: &Store, city: &DemoCity, password_hash: &str) -> Result<(), StoreError> {
    let now = now_millis();
    let mut tx = store.begin().await?;
    for d in &city.divisions {
        let code = DivisionCode::parse(&d.code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let row = DivisionRow {
            code: d.code.clone(),
            parent_code: d.parent_code.clone(),
            level: code.level().as_str().into(),
            kind: d.kind.as_str().into(),
            name: d.name.clone(),
            district_code: code.district_prefix().into(),
            boundary: Some(ring_json(&d.boundary)),
            created_at: now,
            updated_at: now,
        };
        territory::insert_division(&mut tx, &row).await?;
    }
    for g in &city.grids {
        let code = GridCode::parse(&g.code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let row = GridRow {
            code: g.code.clone(),
            community_code: code.community().to_string(),
            district_code: code.district_prefix().into(),
            name: g.name.clone(),
            kind: g.kind.as_str().into(),
            households: g.households,
            population: g.population,
            party_unit_kind: g.party_unit_kind.as_str().into(),
            party_unit_name: g.party_unit_name.clone(),
            boundary: ring_json(&g.boundary),
            created_at: now,
            updated_at: now,
        };
        territory::upsert_grid(&mut tx, &row).await?;
    }
    let mut compound_ids = HashMap::new();
    for c in &city.compounds {
        let row = CompoundRow {
            id: 0,
            community_code: c.community_code.clone(),
            grid_code: c.grid_code.clone(),
            district_code: c.community_code[..6].into(),
            name: c.name.clone(),
            households: c.households,
            created_at: now,
        };
        compound_ids.insert(c.key, territory::insert_compound(&mut tx, &row).await?);
    }
    for b in &city.buildings {
        let row = BuildingRow {
            id: 0,
            community_code: b.community_code.clone(),
            compound_id: b.compound_key.and_then(|k| compound_ids.get(&k).copied()),
            grid_code: b.grid_code.clone(),
            district_code: b.community_code[..6].into(),
            name: b.name.clone(),
            lon: b.lon,
            lat: b.lat,
            floors: b.floors,
            households: b.households,
            created_at: now,
        };
        territory::insert_building(&mut tx, &row).await?;
    }
    for a in &city.accounts {
        let id =
            access::insert_user(&mut tx, &a.username, &a.display_name, password_hash, now).await?;
        access::add_binding(&mut tx, id, a.role, &a.node_code).await?;
    }
    let counts = city.counts();
    audit::record(
        &mut tx,
        &AuditEntry {
            at: now,
            actor_id: 0,
            actor: "system".into(),
            action: "demo.load".into(),
            entity_type: "city".into(),
            entity_id: city
                .divisions
                .first()
                .map(|d| d.code.clone())
                .unwrap_or_default(),
            node_code: None,
            before: None,
            after: serde_json::to_value(counts).ok(),
            request_id: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Writes one chunk of generated case history in one transaction: case rows (ids reserved
/// up front so events can refer to them), their timelines, enterprise links and their
/// contributions to the indicator rollups.
pub async fn load_case_history(store: &Store, chunk: &[HistoryCase]) -> Result<(), StoreError> {
    if chunk.is_empty() {
        return Ok(());
    }
    let backend = store.backend();
    let mut tx = store.begin().await?;
    bulk_cache(&mut tx, 64).await?;
    let first = reserve_ids(&mut tx, backend, "cases", chunk.len()).await?;
    let rows: Vec<CaseRow> = chunk
        .iter()
        .enumerate()
        .map(|(i, c)| case_row(first + i as i64, c))
        .collect();
    let mut tally = Tally::default();
    for (row, c) in rows.iter().zip(chunk) {
        tally.add_case(&row.facts());
        for e in &c.events {
            tally.add_event(
                &c.grid_code,
                &EventFacts {
                    command: e.command,
                    to_status: e.to_status,
                    at: e.at,
                    step_due_at: e.step_due_at,
                },
            );
        }
    }
    bulk_insert(&mut tx, "cases", &CASE_INSERT_COLS, &rows, |c| {
        vec![
            Val::Int(c.id),
            Val::Text(c.category_code.clone()),
            Val::Int(c.category_version),
            Val::Text(c.channel.clone()),
            Val::Text(c.status.as_str().into()),
            Val::Text(c.tier.as_str().into()),
            Val::OptText(c.department.clone()),
            Val::Text(c.grid_code.clone()),
            Val::Text(c.district_code.clone()),
            Val::Real(c.lon.unwrap_or_default()),
            Val::Real(c.lat.unwrap_or_default()),
            Val::Text(c.address.clone()),
            Val::Text(c.description.clone()),
            Val::Int(c.reporter_id),
            Val::Int(c.rework_count),
            Val::Int(c.reopen_count),
            Val::Int(c.escalation_count),
            Val::Int(c.supervised),
            Val::OptInt(c.merged_into),
            Val::OptText(c.rating.clone()),
            Val::Int(c.reported_at),
            Val::OptInt(c.dispatched_at),
            Val::OptInt(c.closed_at),
            Val::OptInt(c.step_due_at),
            Val::OptInt(c.handle_due_at),
            Val::Int(c.updated_at),
            Val::Int(c.version),
        ]
    })
    .await?;
    let events = chunk
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.events.iter().map(move |e| (first + i as i64, e)));
    bulk_insert_owned(
        &mut tx,
        "case_events",
        &EVENT_INSERT_COLS,
        events,
        |(id, e)| {
            vec![
                Val::Int(id),
                Val::Int(e.at),
                Val::Int(e.actor_id),
                Val::Text(e.actor.clone()),
                Val::Text(e.command.into()),
                Val::OptText(e.from_status.map(Into::into)),
                Val::Text(e.to_status.into()),
                Val::Text(e.note.clone()),
                Val::Text("{}".into()),
                Val::OptInt(e.step_due_at),
            ]
        },
    )
    .await?;
    for (i, c) in chunk.iter().enumerate() {
        if let Some(org) = c.organisation_id {
            tongxin_store::cases::enterprise::set_case_organisation(&mut tx, first + i as i64, org)
                .await?;
        }
    }
    sync_ids(&mut tx, backend, "cases").await?;
    sync_ids(&mut tx, backend, "case_events").await?;
    tongxin_store::cases::indicators::apply(&mut tx, &tally).await?;
    bulk_cache(&mut tx, DEFAULT_CACHE_MIB).await?;
    tx.commit().await
}

const CASE_INSERT_COLS: [&str; 27] = [
    "id",
    "category_code",
    "category_version",
    "channel",
    "status",
    "tier",
    "department",
    "grid_code",
    "district_code",
    "lon",
    "lat",
    "address",
    "description",
    "reporter_id",
    "rework_count",
    "reopen_count",
    "escalation_count",
    "supervised",
    "merged_into",
    "rating",
    "reported_at",
    "dispatched_at",
    "closed_at",
    "step_due_at",
    "handle_due_at",
    "updated_at",
    "version",
];

const EVENT_INSERT_COLS: [&str; 10] = [
    "case_id",
    "at",
    "actor_id",
    "actor",
    "command",
    "from_status",
    "to_status",
    "note",
    "data",
    "step_due_at",
];

fn case_row(id: i64, c: &HistoryCase) -> CaseRow {
    let s = &c.state;
    CaseRow {
        id,
        category_code: c.category_code.clone(),
        category_version: c.category_version,
        channel: c.channel.into(),
        status: s.status,
        tier: s.tier,
        department: s.department.clone(),
        grid_code: c.grid_code.clone(),
        district_code: c.grid_code[..6].into(),
        lon: Some(c.lon),
        lat: Some(c.lat),
        address: c.address.clone(),
        description: c.description.clone(),
        reporter_id: c.reporter_id,
        rework_count: i64::from(s.rework_count),
        reopen_count: i64::from(s.reopen_count),
        escalation_count: i64::from(s.escalation_count),
        supervised: i64::from(s.supervised),
        merged_into: s.merged_into,
        rating: s.rating.map(|r| r.as_str().into()),
        reported_at: c.reported_at,
        dispatched_at: c.clocks.dispatched_at,
        closed_at: s.closed_at,
        step_due_at: c.clocks.step_due_at,
        handle_due_at: c.clocks.handle_due_at,
        updated_at: c.updated_at,
        version: c.events.len() as i64,
    }
}

/// Every account's id by username (the demo history names its actors).
pub async fn user_ids(store: &Store) -> Result<HashMap<String, i64>, StoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT username, id FROM users")
        .fetch_all(store.pool())
        .await?;
    Ok(rows.into_iter().collect())
}

/// Enterprises (organisations of kind `enterprise`) with their grids, in id order.
pub async fn enterprises(store: &Store) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, grid_code FROM organisations WHERE kind = 'enterprise' AND grid_code IS NOT NULL ORDER BY id",
    )
    .fetch_all(store.pool())
    .await?)
}
