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
        let (kind, message) = if due < now {
            (
                "overdue",
                format!(
                    "案件 #{} 已超期（{}）/ case #{} is overdue ({})",
                    case.id, case.status, case.id, case.status
                ),
            )
        } else {
            (
                "due_soon",
                format!(
                    "案件 #{} 即将到期（{}）/ case #{} is nearly due ({})",
                    case.id, case.status, case.id, case.status
                ),
            )
        };
        let mut recipients =
            cases::users_with_role_at(store, "grid_worker", &case.grid_code).await?;
        recipients.extend(
            cases::users_with_role_at(store, "community_admin", &case.grid_code[..12]).await?,
        );
        for user in recipients {
            let key = format!("{kind}:{}:{}:{due}:{user}", case.id, case.status);
            if cases::notify(store, user, Some(case.id), kind, &message, &key, now).await? {
                written += 1;
            }
        }
    }
    Ok(written)
}
