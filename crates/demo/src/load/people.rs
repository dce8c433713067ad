//! Loading the demo city's people: residents with sealed numbers, households, organisations,
//! the party tree and members, in one transaction with bulk inserts.

use crate::{DemoCity, DemoPeople};
use tongxin_core::audit::AuditEntry;
use tongxin_core::people::{CitizenId, Phone, tags_to_column};
use tongxin_store::people::{
    self, HouseholdRow, OrganisationRow, PartyMemberRow, PartyOrgRow, ResidentRow,
};
use tongxin_store::protect::Protector;
use tongxin_store::{
    DEFAULT_CACHE_MIB, Store, StoreError, audit, bulk_cache, commit, now_millis, reserve_ids,
    sync_ids,
};

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("demo data: {what}"))
}

pub async fn load_people(
    store: &Store,
    protector: &Protector,
    city: &DemoCity,
    demo: &DemoPeople,
) -> Result<(), StoreError> {
    let now = now_millis();
    let buildings = tongxin_store::territory::building_ids(store).await?;
    if buildings.len() != city.buildings.len() {
        return Err(corrupt("building count differs from the city"));
    }
    let backend = store.backend();
    // The generated registry refers only to rows it was generated with; PostgreSQL, which
    // keeps enforcing foreign keys in a bulk transaction, checks that in every CI run.
    let mut tx = store.begin_bulk().await?;
    // A big registry is one big transaction: give it room, then the normal cache again.
    let cache_mib = (demo.residents.len() as i64 / 2_000).clamp(16, 1_024);
    bulk_cache(&mut tx, cache_mib).await?;
    let first_resident = reserve_ids(&mut tx, backend, "residents", demo.residents.len()).await?;
    let first_household =
        reserve_ids(&mut tx, backend, "households", demo.households.len()).await?;
    let household_id = |key: u32| first_household + i64::from(key) - 1;

    let mut heads = vec![None; demo.households.len()];
    for (i, r) in demo.residents.iter().enumerate() {
        if r.is_head {
            heads[(r.household_key - 1) as usize] = Some(first_resident + i as i64);
        }
    }
    let households: Vec<HouseholdRow> = demo
        .households
        .iter()
        .zip(heads)
        .map(|(h, head)| HouseholdRow {
            id: household_id(h.key),
            district_code: h.grid_code[..6].into(),
            grid_code: h.grid_code.clone(),
            building_id: h.building_index.map(|b| buildings[b]),
            unit: h.unit.clone(),
            room: h.room.clone(),
            address: h.address.clone(),
            head_resident_id: head,
            created_at: now,
            updated_at: now,
        })
        .collect();
    people::insert_households(&mut tx, households.clone()).await?;

    // In batches, so a registry of millions never holds all its sealed rows at once.
    const BATCH: usize = 100_000;
    for (b, batch) in demo.residents.chunks(BATCH).enumerate() {
        let mut residents = Vec::with_capacity(batch.len());
        for (j, r) in batch.iter().enumerate() {
            let i = b * BATCH + j;
            let id = CitizenId::parse(&r.citizen_id, 99_991_231)
                .map_err(|_| corrupt("invalid citizen id"))?;
            let sealed_id = protector.citizen_id(&id);
            let phone = r
                .phone
                .as_deref()
                .map(Phone::parse)
                .transpose()
                .map_err(|_| corrupt("invalid phone"))?
                .map(|p| protector.phone(&p));
            let h = &households[(r.household_key - 1) as usize];
            residents.push(ResidentRow {
                id: first_resident + i as i64,
                name: r.name.clone(),
                id_sealed: sealed_id.sealed,
                id_hash: sealed_id.hash,
                id_masked: sealed_id.masked,
                sex: id.sex().as_str().into(),
                birth_date: id.birth_date(),
                phone_sealed: phone.as_ref().map(|p| p.sealed.clone()),
                phone_hash: phone.as_ref().map(|p| p.hash.clone()),
                phone_masked: phone.map(|p| p.masked),
                household_id: Some(h.id),
                building_id: h.building_id,
                unit: h.unit.clone(),
                room: h.room.clone(),
                grid_code: r.grid_code.clone(),
                district_code: r.grid_code[..6].into(),
                tags: tags_to_column(&r.tags),
                status: "resident".into(),
                created_at: now,
                updated_at: now,
                place_since: now,
                place_reason: "演示数据 / demo registry".into(),
            });
        }
        people::insert_residents(&mut tx, residents).await?;
    }

    let first_org =
        reserve_ids(&mut tx, backend, "organisations", demo.organisations.len()).await?;
    let organisations: Vec<OrganisationRow> = demo
        .organisations
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let phone = Phone::parse(&o.contact_phone)
                .ok()
                .map(|p| protector.phone(&p));
            OrganisationRow {
                id: first_org + i as i64,
                name: o.name.clone(),
                kind: o.kind.as_str().into(),
                community_code: o.community_code.clone(),
                district_code: o.grid_code[..6].into(),
                grid_code: o.grid_code.clone(),
                lon: o.lon,
                lat: o.lat,
                contact_name: o.contact_name.clone(),
                contact_phone_sealed: phone.as_ref().map(|p| p.sealed.clone()),
                contact_phone_hash: phone.as_ref().map(|p| p.hash.clone()),
                contact_phone_masked: phone.map(|p| p.masked),
                registered: o.registered as i64,
                created_at: now,
                updated_at: now,
            }
        })
        .collect();
    people::insert_organisations(&mut tx, &organisations).await?;

    let first_party = reserve_ids(&mut tx, backend, "party_orgs", demo.party_orgs.len()).await?;
    let party_id = |key: u32| first_party + i64::from(key) - 1;
    let party_orgs: Vec<PartyOrgRow> = demo
        .party_orgs
        .iter()
        .map(|p| PartyOrgRow {
            id: party_id(p.key),
            parent_id: p.parent_key.map(party_id),
            kind: p.kind.as_str().into(),
            name: p.name.clone(),
            community_code: p.community_code.clone(),
            node_code: p
                .grid_code
                .clone()
                .unwrap_or_else(|| p.community_code.clone()),
            grid_code: p.grid_code.clone(),
            building_id: p.building_index.map(|b| buildings[b]),
            created_at: now,
        })
        .collect();
    people::insert_party_orgs(&mut tx, &party_orgs).await?;

    let first_member =
        reserve_ids(&mut tx, backend, "party_members", demo.party_members.len()).await?;
    let members: Vec<PartyMemberRow> = demo
        .party_members
        .iter()
        .enumerate()
        .map(|(i, m)| PartyMemberRow {
            id: first_member + i as i64,
            resident_id: first_resident + m.resident_index as i64,
            org_id: party_id(m.org_key),
            in_service: m.in_service as i64,
            employer_org_id: m.employer_index.map(|e| first_org + e as i64),
            node_code: party_orgs[(m.org_key - 1) as usize].node_code.clone(),
            created_at: now,
        })
        .collect();
    people::insert_party_members(&mut tx, &members).await?;
    for table in [
        "residents",
        "households",
        "organisations",
        "party_orgs",
        "party_members",
    ] {
        sync_ids(&mut tx, backend, table).await?;
    }
    audit::record(
        &mut tx,
        &AuditEntry {
            at: now,
            actor_id: 0,
            actor: "system".into(),
            action: "demo.people".into(),
            entity_type: "city".into(),
            entity_id: city
                .divisions
                .first()
                .map(|d| d.code.clone())
                .unwrap_or_default(),
            node_code: None,
            before: None,
            after: serde_json::to_value(demo.counts()).ok(),
            request_id: None,
        },
    )
    .await?;
    bulk_cache(&mut tx, DEFAULT_CACHE_MIB).await?;
    commit(tx).await
}
