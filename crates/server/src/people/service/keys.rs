//! The data key over the stored data: a check at start-up that the configured key is the one
//! the data was sealed with, and rotation to a new key (every sealed number re-sealed, every
//! keyed hash recomputed, in one transaction).

use tongxin_core::people::protect::Field;
use tongxin_store::people::{
    SealedTable, SealedText, all_sealed_texts, put_sealed_texts, reseal, sealed_batch,
};
use tongxin_store::protect::Protector;
use tongxin_store::{Store, commit, set_setting};

/// The setting holding the current key's fingerprint.
pub const KEY_CHECK_SETTING: &str = "data_key_check";

pub(crate) const BATCH: usize = 5_000;

/// Fails, saying why, when the data was sealed under another key; records the fingerprint on
/// first use.
pub async fn check_key(store: &Store, protector: &Protector) -> Result<(), String> {
    let current = protector.key_check();
    match store
        .setting(KEY_CHECK_SETTING)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(stored) if stored == current => Ok(()),
        Some(_) => Err(
            "数据密钥与数据库不符：个人信息将无法解读。请配置建库时的密钥 / the data key does not match the one this database was sealed with; configure the original key (TONGXIN_DATA_KEY or DATA/data.key)".into(),
        ),
        None => store
            .set_setting(KEY_CHECK_SETTING, &current)
            .await
            .map_err(|e| e.to_string()),
    }
}

/// How many numbers a rotation re-sealed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub residents: usize,
    pub organisations: usize,
    /// Originals of free text that held personal numbers.
    pub texts: usize,
}

/// Re-seals every personal number from `old` to `new` and records the new key's fingerprint,
/// all in one transaction: on any error (a value the old key cannot open) nothing changes.
pub async fn rotate(store: &Store, old: &Protector, new: &Protector) -> Result<Rotation, String> {
    check_key(store, old).await?;
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    let mut done = Rotation::default();
    for table in [SealedTable::Residents, SealedTable::Organisations] {
        let fields = fields_of(table);
        let mut after = 0;
        loop {
            let batch = sealed_batch(&mut tx, table, after, BATCH)
                .await
                .map_err(|e| e.to_string())?;
            let Some(last) = batch.last().map(|r| r.id) else {
                break;
            };
            for row in batch {
                let numbers = fields
                    .iter()
                    .zip(&row.sealed)
                    .map(|(field, sealed)| reseal_one(old, new, *field, sealed.as_deref(), row.id))
                    .collect::<Result<_, _>>()?;
                reseal(&mut tx, table, row.id, numbers)
                    .await
                    .map_err(|e| e.to_string())?;
                match table {
                    SealedTable::Residents => done.residents += 1,
                    SealedTable::Organisations => done.organisations += 1,
                }
            }
            after = last;
        }
    }
    for text in all_sealed_texts(&mut tx).await.map_err(|e| e.to_string())? {
        let plain = old.open(&text.sealed).map_err(|e| {
            format!(
                "{} #{} {}: {e}; nothing was changed",
                text.holder, text.holder_id, text.field
            )
        })?;
        let resealed = SealedText {
            sealed: new.seal(&plain),
            ..text
        };
        put_sealed_texts(&mut tx, &[resealed])
            .await
            .map_err(|e| e.to_string())?;
        done.texts += 1;
    }
    set_setting(&mut tx, KEY_CHECK_SETTING, &new.key_check())
        .await
        .map_err(|e| e.to_string())?;
    commit(tx).await.map_err(|e| e.to_string())?;
    Ok(done)
}

/// What each of the table's sealed columns holds, for its keyed hash.
pub(crate) fn fields_of(table: SealedTable) -> &'static [Field] {
    match table {
        SealedTable::Residents => &[Field::CitizenId, Field::Phone],
        SealedTable::Organisations => &[Field::Phone],
    }
}

pub(crate) fn reseal_one(
    old: &Protector,
    new: &Protector,
    field: Field,
    sealed: Option<&str>,
    row: i64,
) -> Result<Option<(String, String)>, String> {
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let plain = old
        .open(sealed)
        .map_err(|e| format!("row {row}: {e}; nothing was changed"))?;
    Ok(Some(new.reprotect(field, &plain)))
}
