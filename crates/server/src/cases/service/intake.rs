//! Group commit for case reports: reports arriving together are written in one transaction
//! by one writer task (SQLite has one writer; a transaction per report spends most of its time
//! on the commit). Each report still gets its case row, its first timeline event and its audit
//! record in the same transaction; if a batch fails, its reports are retried one by one so a
//! bad report cannot sink the others.

use super::handover::{HandOver, announce};
use tokio::sync::{mpsc, oneshot};
use tongxin_core::audit::AuditEntry;
use tongxin_core::cases::machine::{Status, Tier};
use tongxin_store::cases::{self, CaseRow, EventRow};
use tongxin_store::people::keep_originals;
use tongxin_store::protect::GuardedText;
use tongxin_store::{Store, StoreError, audit};

/// Largest number of reports written in one transaction.
pub const MAX_BATCH: usize = 256;

pub struct Report {
    pub case: CaseRow,
    pub event: EventRow,
    pub audit: AuditEntry,
    /// Patrol finding and enterprise link, written with the case.
    pub patrol_id: Option<i64>,
    pub organisation_id: Option<i64>,
    /// Photo hashes the case holds: readable from now on by whoever may read the case.
    pub photos: Vec<String>,
    /// The case's free-text fields, masked, with their originals if they held personal numbers.
    pub originals: Vec<(&'static str, GuardedText)>,
    /// For the dispatchers' notification.
    pub category_name: String,
}

pub(crate) type Job = (Report, oneshot::Sender<Result<i64, String>>);

#[derive(Clone)]
pub struct Intake {
    sender: mpsc::Sender<Job>,
}

impl Intake {
    /// Starts the writer task for `store`.
    pub fn start(store: Store) -> Intake {
        let (sender, receiver) = mpsc::channel::<Job>(4 * MAX_BATCH);
        tokio::spawn(run(store, receiver));
        Intake { sender }
    }

    /// Writes one report; returns the new case id.
    pub async fn submit(&self, report: Report) -> Result<i64, String> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((report, reply))
            .await
            .map_err(|_| "the case writer has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the case writer dropped the report".to_string())?
    }
}

pub(crate) async fn run(store: Store, mut receiver: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        let reports: Vec<&Report> = jobs.iter().map(|(r, _)| r).collect();
        match write(&store, &reports).await {
            Ok(ids) => {
                for ((_, reply), id) in jobs.into_iter().zip(ids) {
                    let _ = reply.send(Ok(id));
                }
            }
            Err(_) if jobs.len() > 1 => {
                for (report, reply) in jobs {
                    let result = write(&store, &[&report])
                        .await
                        .map(|ids| ids[0])
                        .map_err(|e| e.to_string());
                    let _ = reply.send(result);
                }
            }
            Err(first) => {
                // One report alone that failed: once more, since a transaction that lost a
                // deadlock or a connection wrote nothing and may well go through now.
                tracing::warn!(error = %first, "case report not written; retrying once");
                for (report, reply) in jobs {
                    let result = write(&store, &[&report])
                        .await
                        .map(|ids| ids[0])
                        .map_err(|e| {
                            tracing::error!(error = %e, "case report not written");
                            e.to_string()
                        });
                    let _ = reply.send(result);
                }
            }
        }
    }
}

pub(crate) async fn write(store: &Store, reports: &[&Report]) -> Result<Vec<i64>, StoreError> {
    let mut tx = store.begin().await?;
    let rows: Vec<(&CaseRow, &EventRow)> = reports.iter().map(|r| (&r.case, &r.event)).collect();
    let ids = cases::insert_reports(&mut tx, &rows).await?;
    for (r, &id) in reports.iter().zip(&ids) {
        if let Some(org) = r.organisation_id {
            tongxin_store::cases::enterprise::set_case_organisation(&mut tx, id, org).await?;
        }
        if let Some(pid) = r.patrol_id {
            cases::set_patrol(&mut tx, id, pid).await?;
            tongxin_store::cases::patrols::count_finding(&mut tx, pid).await?;
        }
        cases::link_media(
            &mut tx,
            &r.photos,
            "case",
            id,
            &r.case.grid_code,
            r.case.reporter_id,
        )
        .await?;
        let fields: Vec<(&str, &GuardedText)> = r.originals.iter().map(|(f, t)| (*f, t)).collect();
        keep_originals(&mut tx, "case", id, &fields).await?;
        let mut case = r.case.clone();
        case.id = id;
        let hand_over = HandOver {
            case: &case,
            command: None,
            to: Status::Reported,
            tier: Tier::Grid,
            actor_id: r.case.reporter_id,
            event: "report".into(),
            category_name: &r.category_name,
        };
        announce(&mut tx, &hand_over).await?;
        let mut entry = r.audit.clone();
        entry.entity_id = id.to_string();
        audit::record(&mut tx, &entry).await?;
    }
    tx.commit().await?;
    Ok(ids)
}
