//! Deadline warnings: open cases nearing or past their step deadline notify the grid's
//! workers and the community's administrators, once per case, step and kind.

use tongxin_store::{Store, StoreError, cases};

/// How long before a deadline a case counts as nearly due (clock time).
pub const DUE_SOON_MS: i64 = 3_600_000;

/// Scans open cases at `now`; returns how many new notifications were written.
pub async fn scan_deadlines(store: &Store, now: i64) -> Result<usize, StoreError> {
    let mut written = 0;
    for case in cases::due_before(store, now + DUE_SOON_MS, 5_000).await? {
        let due = case.step_due_at.unwrap_or(now);
        // The step it waits in, by name (the code is for programs).
        let (zh, en) = (case.status.name_zh(), case.status.name_en());
        let (kind, message) = if due < now {
            (
                "overdue",
                format!(
                    "案件 #{} 已超期（{zh}）/ case #{} is overdue ({en})",
                    case.id, case.id
                ),
            )
        } else {
            (
                "due_soon",
                format!(
                    "案件 #{} 即将到期（{zh}）/ case #{} is nearly due ({en})",
                    case.id, case.id
                ),
            )
        };
        let mut recipients =
            cases::users_with_role_at(store, "grid_worker", &case.grid_code).await?;
        recipients.extend(
            cases::users_with_role_at(store, "community_admin", &case.grid_code[..12]).await?,
        );
        for user in recipients {
            let key = format!("{kind}:{}:{}:{due}:{user}", case.id, case.status.as_str());
            if cases::notify(store, user, Some(case.id), kind, &message, &key, now).await? {
                written += 1;
            }
        }
    }
    Ok(written)
}

/// Cases the responsible level let run out of time before dispatching (filed) or accepting
/// (dispatched) go up one level automatically, as the system, with a timeline event and an
/// audit record; the next level gets a fresh step deadline.
pub async fn escalate_overdue(
    store: &Store,
    calendar: &tongxin_core::cases::calendar::Calendar,
    catalogue: &tongxin_core::cases::catalogue::Catalogue,
    now: i64,
) -> Result<usize, StoreError> {
    use tongxin_core::audit::AuditEntry;
    use tongxin_core::cases::deadlines::step_deadline;
    use tongxin_core::cases::machine::{self, Command, Rules};
    let mut escalated = 0;
    for case in cases::due_before(store, now, 5_000).await? {
        if !matches!(case.status.as_str(), "filed" | "dispatched")
            || case.tier == tongxin_core::cases::machine::Tier::City
        {
            continue;
        }
        let Some(limits) = catalogue.leaf(&case.category_code).and_then(|l| l.limits) else {
            continue;
        };
        let reason =
            "超时未处理，自动上报上级 / not handled in time, escalated automatically".to_string();
        let Ok(t) = machine::apply(
            &super::machine_state(&case),
            &Command::Escalate {
                reason: reason.clone(),
            },
            now,
            &Rules::default(),
        ) else {
            continue;
        };
        let mut after = case.clone();
        after.status = t.to;
        after.tier = t.state.tier;
        after.department = None;
        after.escalation_count = i64::from(t.state.escalation_count);
        after.step_due_at = step_deadline(calendar, &limits, t.to, now);
        after.updated_at = now;
        after.version = case.version + 1;
        let event = cases::EventRow {
            id: 0,
            case_id: case.id,
            at: now,
            actor_id: 0,
            actor: "system".into(),
            command: "escalate".into(),
            from_status: Some(case.status.as_str().into()),
            to_status: after.status.as_str().into(),
            note: reason,
            data: "{\"automatic\":true}".into(),
            step_due_at: case.step_due_at,
        };
        let mut tx = store.begin().await?;
        let Some(event_id) = cases::record_transition(&mut tx, &case, &after, &event).await? else {
            continue;
        };
        let category_name = catalogue
            .leaf(&case.category_code)
            .map(|l| l.name.clone())
            .unwrap_or_default();
        let hand_over = super::handover::HandOver {
            case: &after,
            command: Some(t.command),
            to: t.to,
            tier: t.state.tier,
            actor_id: 0,
            event: event_id.to_string(),
            category_name: &category_name,
        };
        super::handover::announce(&mut tx, &hand_over).await?;
        tongxin_store::audit::record(
            &mut tx,
            &AuditEntry {
                at: now,
                actor_id: 0,
                actor: "system".into(),
                action: "case.escalate".into(),
                entity_type: "case".into(),
                entity_id: case.id.to_string(),
                node_code: Some(case.grid_code.clone()),
                before: Some(serde_json::json!({"tier": case.tier, "status": case.status})),
                after: Some(serde_json::json!({"tier": after.tier, "status": after.status})),
                request_id: None,
            },
        )
        .await?;
        tx.commit().await?;
        escalated += 1;
    }
    Ok(escalated)
}
