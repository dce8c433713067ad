//! Loading a generated demo city in one transaction.

use crate::accounts;
use crate::audit;
use crate::db::{Store, StoreError, now_millis};
use crate::territory::{self, BuildingRow, CompoundRow, DivisionRow, GridRow};
use std::collections::HashMap;
use tongxin_core::audit::AuditEntry;
use tongxin_core::demo::DemoCity;
use tongxin_core::territory::{DivisionCode, GridCode};

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
        let id = accounts::insert_user(&mut tx, &a.username, &a.display_name, password_hash, now)
            .await?;
        accounts::add_binding(&mut tx, id, a.role, &a.node_code).await?;
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
