//! [`Store`] on SQLite through sqlx: one file (or memory), migrations
//! embedded from `migrations/sqlite/`.
//!
//! An erased setup code must not linger in the files: `secure_delete`
//! zeroes the space a row or index entry leaves behind, and the journal
//! is a rollback journal deleted at every commit rather than a WAL, whose
//! frames would keep old page images (with the code) until overwritten.
//! The write rate of delegated commissioning makes the WAL's speed moot.

use std::str::FromStr;
use std::time::Duration;

use mash_core::commissioning::QrPayload;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Row, SqlitePool};

use super::{Completion, Leased, Millis, Outcome, Policy, Record, Store};
use crate::api::State;
use crate::error::Error;

/// The columns of a [`Record`], in [`record`]'s order.
macro_rules! record_columns {
    () => {
        "id, site_id, discriminator, vendor_id, product_id, state, lease_until, attempts, \
         device_id, zone_id, failure, created_at, updated_at"
    };
}

/// The store on SQLite. Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating it if missing) the database at `url` —
    /// `sqlite://backend.db`, `sqlite:///var/lib/mash/backend.db`, or
    /// `sqlite::memory:` for one that lives as long as the store — and
    /// brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Freed space (an erased setup code) is zeroed, not left behind.
            .pragma("secure_delete", "ON");
        let pool = if in_memory {
            // One connection that never closes: the database is the connection.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?
        } else {
            options = options.journal_mode(SqliteJournalMode::Delete);
            SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await?
        };
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// The connection pool, e.g. to look at rows in tests.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn record_where_qr(&self, site: &str, qr: &str) -> Result<Option<Record>, Error> {
        let row = sqlx::query(concat!(
            "SELECT ",
            record_columns!(),
            " FROM registrations WHERE site_id = ? AND qr = ?"
        ))
        .bind(site)
        .bind(qr)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(record).transpose()
    }

    /// The record of job `id` if it belongs to one of `smgw`'s sites.
    async fn record_of(&self, smgw: &str, id: i64) -> Result<Option<Record>, Error> {
        let row = sqlx::query(concat!(
            "SELECT ",
            record_columns!(),
            " FROM registrations WHERE id = ? \
             AND site_id IN (SELECT id FROM sites WHERE smgw_id = ?)"
        ))
        .bind(id)
        .bind(smgw)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(record).transpose()
    }
}

impl Store for SqliteStore {
    async fn sync_sites(&self, sites: &[(String, String)]) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for (site, smgw) in sites {
            sqlx::query(
                "INSERT INTO sites (id, smgw_id) VALUES (?, ?) \
                 ON CONFLICT (id) DO UPDATE SET smgw_id = excluded.smgw_id",
            )
            .bind(site)
            .bind(smgw)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn register(
        &self,
        site: &str,
        qr: &QrPayload,
        now: Millis,
    ) -> Result<(Record, bool), Error> {
        let canonical = qr.to_string();
        let vp = qr.vendor_product;
        // Between a conflict and the look-up the open registration may
        // have become final (its QR erased): then insert again.
        for _ in 0..3 {
            let inserted = sqlx::query(concat!(
                "INSERT INTO registrations \
                 (site_id, discriminator, vendor_id, product_id, qr, state, attempts, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) \
                 ON CONFLICT (site_id, qr) WHERE qr IS NOT NULL DO NOTHING \
                 RETURNING ",
                record_columns!()
            ))
            .bind(site)
            .bind(i64::from(qr.discriminator.value()))
            .bind(vp.map(|v| i64::from(v.vendor_id)))
            .bind(vp.map(|v| i64::from(v.product_id)))
            .bind(&canonical)
            .bind(now)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = inserted {
                return Ok((record(&row)?, true));
            }
            if let Some(existing) = self.record_where_qr(site, &canonical).await? {
                return Ok((existing, false));
            }
        }
        Err(Error::Store(
            "registration kept conflicting with one that was finishing".into(),
        ))
    }

    async fn get(&self, id: i64) -> Result<Option<Record>, Error> {
        let row = sqlx::query(concat!(
            "SELECT ",
            record_columns!(),
            " FROM registrations WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(record).transpose()
    }

    async fn claim(
        &self,
        smgw: &str,
        limit: u32,
        now: Millis,
        policy: &Policy,
    ) -> Result<Vec<Leased>, Error> {
        let lease_until = now.saturating_add(millis(policy.lease));
        let rows = sqlx::query(
            "UPDATE registrations \
             SET state = 'delivered', lease_until = ?1, attempts = attempts + 1, updated_at = ?2 \
             WHERE id IN ( \
                 SELECT r.id FROM registrations r JOIN sites s ON s.id = r.site_id \
                 WHERE s.smgw_id = ?3 AND r.qr IS NOT NULL AND r.attempts < ?4 \
                   AND (r.state = 'pending' OR (r.state = 'delivered' AND r.lease_until <= ?2)) \
                 ORDER BY r.id LIMIT ?5) \
             RETURNING id, site_id, qr, attempts, lease_until",
        )
        .bind(lease_until)
        .bind(now)
        .bind(smgw)
        .bind(i64::from(policy.max_attempts))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut jobs = rows
            .iter()
            .map(|row| {
                Ok(Leased {
                    id: row.try_get("id")?,
                    site: row.try_get("site_id")?,
                    qr: row.try_get("qr")?,
                    attempt: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                    lease_until: row.try_get("lease_until")?,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        // RETURNING gives no order.
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    async fn complete(
        &self,
        smgw: &str,
        id: i64,
        outcome: &Outcome,
        now: Millis,
    ) -> Result<Completion, Error> {
        let (state, device_id, zone_id, failure) = match outcome {
            Outcome::Commissioned { device_id, zone_id } => (
                State::Commissioned,
                Some(device_id.to_string()),
                Some(zone_id.to_string()),
                None,
            ),
            Outcome::Failed { reason } => (State::Failed, None, None, Some(reason.as_str())),
        };
        let row = sqlx::query(concat!(
            "UPDATE registrations \
             SET state = ?, device_id = ?, zone_id = ?, failure = ?, qr = NULL, lease_until = NULL, \
                 updated_at = ? \
             WHERE id = ? AND state = 'delivered' \
               AND site_id IN (SELECT id FROM sites WHERE smgw_id = ?) \
             RETURNING ",
            record_columns!()
        ))
        .bind(state.as_str())
        .bind(&device_id)
        .bind(&zone_id)
        .bind(failure)
        .bind(now)
        .bind(id)
        .bind(smgw)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = row {
            return Ok(Completion::Done(record(&row)?));
        }
        Ok(match self.record_of(smgw, id).await? {
            None => Completion::NotFound,
            // The same report again (its answer got lost): fine.
            Some(r)
                if r.state == state
                    && r.device_id == device_id
                    && r.zone_id == zone_id
                    && r.failure.as_deref() == failure =>
            {
                Completion::Done(r)
            }
            Some(r) => Completion::NotLeased(r),
        })
    }

    async fn sweep(&self, now: Millis, policy: &Policy) -> Result<u64, Error> {
        let exhausted = sqlx::query(
            "UPDATE registrations \
             SET state = 'failed', qr = NULL, lease_until = NULL, updated_at = ?1, \
                 failure = 'no result from the SMGW after ' || attempts || ' deliveries' \
             WHERE state = 'delivered' AND lease_until <= ?1 AND attempts >= ?2",
        )
        .bind(now)
        .bind(i64::from(policy.max_attempts))
        .execute(&self.pool)
        .await?
        .rows_affected();
        let expired = sqlx::query(
            "UPDATE registrations \
             SET state = 'failed', qr = NULL, lease_until = NULL, updated_at = ?1, failure = ?2 \
             WHERE qr IS NOT NULL AND created_at <= ?3",
        )
        .bind(now)
        .bind(format!(
            "not commissioned within {} s of the upload",
            policy.expire_after.as_secs()
        ))
        .bind(now.saturating_sub(millis(policy.expire_after)))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(exhausted + expired)
    }

    async fn next_lease_end(&self, smgw: &str) -> Result<Option<Millis>, Error> {
        let row = sqlx::query(
            "SELECT MIN(r.lease_until) AS next FROM registrations r JOIN sites s ON s.id = r.site_id \
             WHERE s.smgw_id = ? AND r.state = 'delivered'",
        )
        .bind(smgw)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("next")?)
    }

    async fn ping(&self) -> Result<(), Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

fn millis(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
}

/// A row of [`record_columns!`] as a [`Record`].
fn record(row: &SqliteRow) -> Result<Record, Error> {
    let small = |col: &str| -> Result<Option<u16>, Error> {
        row.try_get::<Option<i64>, _>(col)?
            .map(|v| u16::try_from(v).map_err(|_| corrupt(col)))
            .transpose()
    };
    let state: String = row.try_get("state")?;
    Ok(Record {
        id: row.try_get("id")?,
        site: row.try_get("site_id")?,
        discriminator: small("discriminator")?.ok_or_else(|| corrupt("discriminator"))?,
        vendor_id: small("vendor_id")?,
        product_id: small("product_id")?,
        state: State::from_str(&state).map_err(|()| corrupt("state"))?,
        lease_until: row.try_get("lease_until")?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?)
            .map_err(|_| corrupt("attempts"))?,
        device_id: row.try_get("device_id")?,
        zone_id: row.try_get("zone_id")?,
        failure: row.try_get("failure")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn corrupt(column: &str) -> Error {
    Error::Store(format!("unexpected value in registrations.{column}").into())
}
