//! The workloads with esrs on PostgreSQL: commands through `AggregateManager`, aggregates loaded
//! by it or read with the store's `by_aggregate_id`, and the projection replayed from
//! `PgStore::stream_events` through an `EventHandler`, as esrs's rebuild examples do. The log of
//! workloads 5 and 6 is seeded (untimed) by bulk inserts into esrs's own table.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use esrs::handler::EventHandler;
use esrs::manager::AggregateManager;
use esrs::store::postgres::{PgStore, PgStoreBuilder, PgStoreError};
use esrs::store::{EventStore, StoreEvent};
use esrs::{Aggregate, AggregateState};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sqlx::{Pool, Postgres, QueryBuilder};
use uuid::Uuid;
use workload::{
    AGGREGATE_EVENTS, CONTENDED_STREAMS, CONTENDING_WRITERS, Digest, Figure, ProgressBoard, ProgressReport, Sizes,
    WARM_UP, WRITERS, Workload, as_of_queries, commitments_of, log_event,
};

use crate::Backend;
use crate::db::{Fresh, describe_postgres};

const SYSTEM: &str = "esrs";
/// Rows per seeding insert.
const SEED_ROWS: usize = 4_000;

/// A commitment of a delivery plan.
pub struct Commitment;

#[derive(Debug, Default)]
pub struct CommitmentState {
    reports: usize,
    board: ProgressBoard,
}

/// The one event: the report, stored as its own JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProgressReported(ProgressReport);

/// Report progress on the commitment: the next report in its sequence.
#[derive(Debug)]
pub struct ReportProgress {
    commitment: String,
}

#[derive(Debug, thiserror::Error)]
#[error("the report was refused")]
pub struct Refused;

impl Aggregate for Commitment {
    const NAME: &'static str = "commitment";
    type State = CommitmentState;
    type Command = ReportProgress;
    type Event = ProgressReported;
    type Error = Refused;

    fn handle_command(state: &Self::State, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error> {
        Ok(vec![ProgressReported(ProgressReport::new(&command.commitment, state.reports))])
    }

    fn apply_event(mut state: Self::State, event: Self::Event) -> Self::State {
        state.reports += 1;
        state.board.apply(&event.0);
        state
    }
}

/// The projection as an esrs event handler.
#[derive(Debug, Default)]
struct BoardHandler(Mutex<ProgressBoard>);

#[async_trait]
impl EventHandler<Commitment> for BoardHandler {
    async fn handle(&self, event: &StoreEvent<ProgressReported>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).apply(&event.payload.0);
    }
}

fn figure(workload: Workload, count: usize, elapsed: Duration, check: String) {
    Figure::new(SYSTEM, Backend::Postgres.name(), workload, count, elapsed.as_secs_f64(), check).print();
}

async fn store(pool: &Pool<Postgres>) -> PgStore<Commitment> {
    PgStoreBuilder::new(pool.clone())
        .try_build()
        .await
        .unwrap_or_else(|e| panic!("failed to build the esrs store: {e}"))
}

pub async fn run(sizes: &Sizes) {
    let (fresh, pool) = Fresh::postgres().await;
    eprintln!("  {}", describe_postgres(&pool).await);
    commands(store(&pool).await, &pool, sizes).await;
    pool.close().await;
    fresh.remove().await;

    let (fresh, pool) = Fresh::postgres().await;
    let store = store(&pool).await;
    eprintln!("  seeding the log of {} events (untimed)", sizes.events);
    seed(&pool, store.table_name(), sizes).await;
    analyze(&pool, store.table_name()).await;
    reads(&store, &pool, sizes).await;
    pool.close().await;
    fresh.remove().await;
}

/// A command on the aggregate in `state`; `Ok(false)` when another writer took its sequence
/// number first (the unique index on aggregate id and sequence number refused the insert).
async fn report(
    manager: &AggregateManager<PgStore<Commitment>>,
    state: AggregateState<CommitmentState>,
    id: &str,
) -> bool {
    match manager.handle_command(state, ReportProgress { commitment: id.to_owned() }).await {
        Ok(Ok(_)) => true,
        Ok(Err(e)) => panic!("a command failed: {e}"),
        Err(PgStoreError::Sqlx(sqlx::Error::Database(e))) if e.is_unique_violation() => false,
        Err(e) => panic!("a command failed: {e}"),
    }
}

/// Gathers the planner's statistics of `store`'s table, as autovacuum would after the rows the
/// untimed setup or the workloads before wrote (the servers measured run without it).
async fn analyze(pool: &Pool<Postgres>, table: &str) {
    sqlx::query(&format!("ANALYZE {table}")).execute(pool).await.unwrap_or_else(|e| panic!("ANALYZE failed: {e}"));
}

/// Workloads 1 to 4 and 8, the table analysed before the workloads that read it.
async fn commands(store: PgStore<Commitment>, pool: &Pool<Postgres>, sizes: &Sizes) {
    let period = Duration::from_secs_f64(sizes.seconds);
    let table = store.table_name().to_owned();
    let manager = Arc::new(AggregateManager::new(store));

    eprintln!("  1: one writer, {:.1} s", sizes.seconds);
    let (count, elapsed) = writers(&manager, 1, period).await;
    figure(Workload::SingleWriter, count, elapsed, format!("{count} appends"));
    eprintln!("  2: {WRITERS} writers, {:.1} s", sizes.seconds);
    let (count, elapsed) = writers(&manager, WRITERS, period).await;
    figure(Workload::ConcurrentWriters, count, elapsed, format!("{count} appends"));

    analyze(pool, &table).await;
    eprintln!("  3: {CONTENDING_WRITERS} writers on {CONTENDED_STREAMS} streams, {:.1} s", sizes.seconds);
    contended(&manager, Workload::Contended, period).await;
    eprintln!(
        "  8: {CONTENDING_WRITERS} writers on {CONTENDED_STREAMS} streams again: esrs keeps no snapshots or cache of aggregates, {:.1} s",
        sizes.seconds
    );
    contended(&manager, Workload::ContendedCached, period).await;

    eprintln!("  4: {} loads of an aggregate of {AGGREGATE_EVENTS} events", sizes.loads);
    let id = Uuid::new_v4();
    for _ in 0..AGGREGATE_EVENTS {
        let state = manager
            .load(id)
            .await
            .unwrap_or_else(|e| panic!("the aggregate loads: {e}"))
            .unwrap_or_else(|| AggregateState::with_id(id));
        assert!(report(&manager, state, "commitment-loaded").await, "one writer has no conflict");
    }
    analyze(pool, &table).await;
    let mut digest = Digest::default();
    let start = Instant::now();
    for _ in 0..sizes.loads {
        let loaded = manager.load(id).await.unwrap_or_else(|e| panic!("the aggregate loads: {e}"));
        let state = loaded.unwrap_or_else(|| panic!("the aggregate {id} has events")).into_inner();
        digest.add(&state.board.digest());
    }
    figure(Workload::LoadAggregate, sizes.loads, start.elapsed(), digest.to_string());
}

/// Workload 3 (and 8, the same for esrs): each writer loads one of the contended aggregates and
/// sends it the next report; a conflict is counted and retried.
async fn contended(manager: &Arc<AggregateManager<PgStore<Commitment>>>, workload: Workload, period: Duration) {
    let streams: Vec<Uuid> = (0..CONTENDED_STREAMS).map(|_| Uuid::new_v4()).collect();
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONTENDING_WRITERS)
        .map(|w| {
            let manager = manager.clone();
            let id = streams[w % CONTENDED_STREAMS];
            tokio::spawn(async move {
                let (mut done, mut retries) = (0, 0);
                while start.elapsed() < period {
                    let state = manager
                        .load(id)
                        .await
                        .unwrap_or_else(|e| panic!("the aggregate loads: {e}"))
                        .unwrap_or_else(|| AggregateState::with_id(id));
                    if report(&manager, state, &id.to_string()).await {
                        done += 1;
                    } else {
                        retries += 1;
                    }
                }
                (done, retries)
            })
        })
        .collect();
    let (mut count, mut retries) = (0, 0);
    for task in tasks {
        let (done, retried) = task.await.unwrap_or_else(|e| panic!("a writer task failed: {e}"));
        count += done;
        retries += retried;
    }
    figure(workload, count, start.elapsed(), format!("{count} commands, {retries} conflicts retried"));
}

/// `n` tasks, each sending commands to new aggregates of its own, each awaited before that
/// task's next.
async fn writers(
    manager: &Arc<AggregateManager<PgStore<Commitment>>>,
    n: usize,
    period: Duration,
) -> (usize, Duration) {
    for _ in 0..WARM_UP {
        assert!(report(manager, AggregateState::new(), "commitment-warm-up").await, "a new aggregate has no conflict");
    }
    let start = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let manager = manager.clone();
            tokio::spawn(async move {
                let mut k = 0;
                while start.elapsed() < period {
                    let state = AggregateState::new();
                    let id = state.id().to_string();
                    assert!(report(&manager, state, &id).await, "a new aggregate has no conflict");
                    k += 1;
                }
                k
            })
        })
        .collect();
    let mut count = 0;
    for task in tasks {
        count += task.await.unwrap_or_else(|e| panic!("a writer task failed: {e}"));
    }
    (count, start.elapsed())
}

/// Workloads 5 and 6 on the seeded log.
async fn reads(store: &PgStore<Commitment>, pool: &Pool<Postgres>, sizes: &Sizes) {
    eprintln!("  5: replay through the projection");
    let handler = BoardHandler::default();
    let start = Instant::now();
    let mut events = store.stream_events(pool);
    while let Some(event) = events.next().await {
        let event = event.unwrap_or_else(|e| panic!("the replay failed: {e}"));
        handler.handle(&event).await;
    }
    let elapsed = start.elapsed();
    let digest = handler.0.lock().unwrap_or_else(|e| e.into_inner()).digest();
    figure(Workload::Replay, digest.reports as usize, elapsed, digest.to_string());

    eprintln!("  6: {} as-of queries of one instrument", sizes.queries);
    let mut digest = Digest::default();
    let start = Instant::now();
    for (instrument, day) in as_of_queries(sizes) {
        let mut board = ProgressBoard::default();
        for c in commitments_of(instrument) {
            let events =
                store.by_aggregate_id(aggregate_id(c)).await.unwrap_or_else(|e| panic!("by_aggregate_id: {e}"));
            for event in &events {
                board.apply_as_of(&event.payload.0, &day);
            }
        }
        digest.add(&board.digest());
    }
    figure(Workload::AsOf, sizes.queries, start.elapsed(), digest.to_string());
}

/// esrs names aggregates by UUID: commitment `c`'s.
fn aggregate_id(c: usize) -> Uuid {
    Uuid::from_u128(0x636f_7665_6e61_6e74_0000_0000_0000_0000 + c as u128)
}

async fn seed(pool: &Pool<Postgres>, table: &str, sizes: &Sizes) {
    for first in (0..sizes.events).step_by(SEED_ROWS) {
        let rows: Vec<_> = (first..(first + SEED_ROWS).min(sizes.events))
            .map(|i| {
                let (c, report) = log_event(sizes, i);
                let day = NaiveDate::parse_from_str(&report.reported_on, "%Y-%m-%d")
                    .unwrap_or_else(|e| panic!("a report's day is a date: {e}"));
                let occurred_on: DateTime<Utc> = day.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
                let sequence = (i / sizes.commitments() + 1) as i32;
                (aggregate_id(c), sequence, occurred_on, report.to_json())
            })
            .collect();
        let mut insert = QueryBuilder::<Postgres>::new(format!(
            "INSERT INTO {table} (id, aggregate_id, payload, occurred_on, sequence_number) "
        ));
        insert.push_values(rows, |mut row, (aggregate, sequence, occurred_on, payload)| {
            row.push_bind(Uuid::new_v4())
                .push_bind(aggregate)
                .push_bind(payload)
                .push_unseparated("::jsonb")
                .push_bind(occurred_on)
                .push_bind(sequence);
        });
        insert.build().execute(pool).await.unwrap_or_else(|e| panic!("seeding failed: {e}"));
    }
}
