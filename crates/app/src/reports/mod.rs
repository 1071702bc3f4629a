//! The read side's one owner, as [`crate::Recorder`] is the write side's: [`Reports`] answers a
//! [`ReportRequest`] with its view, typed, or written as JSON or CSV a page at a time. It holds
//! the `Rules` reports are made by and the store; for the service it also keeps the read models
//! live in memory (`live`), caught up before each answer and saved as their snapshot every
//! `save_every` events, the read models of the few past points asked for most recently (kept
//! live the same way, so many requests for one date fold the log once and a later one folds only
//! what was recorded since), the answers about now while the log does not move (`answers`), and
//! the permits for folds of a past point not kept. The command line, the HTTP API and the dashboard read their
//! caller's input into a request and ask `Reports`; none works out a report itself.
//!
//! Every fold checks the hash chain. A `Reports` made to refuse a broken log gives
//! [`ProjectionError::Broken`]; one made to allow it (the service, `--allow-unverified`) folds on,
//! and keeps the first break found, by the live models or by a fold of the past, in
//! [`Reports::broken`], for the interface to say beside what it shows.

mod answers;
mod live;
mod pack;
mod reminders;
mod request;

use std::ops::Deref;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use domain::{Date, Key};
use kernel::{Position, VerifyFailure};
use projections::{
    ActionsView, AsOf, AuditView, Format, IndicatorsView, InstrumentStatus, ProjectionError, PublicRecord, ReadModels,
    Report, ReportKind, ResolutionEntry, ResolutionsView, Rules, Runner, StatusView, Unverified,
};
use serde::Serialize;
use tokio::sync::{OwnedRwLockReadGuard, Semaphore, SemaphorePermit};

pub use pack::{Changes, Cover, Exception, LastMeeting, MeetingRef, Pack, RagMove, Reason, Subject};
pub use reminders::{Reminder, iso_week};
pub use request::{Asked, NotApplicable, ONE_REPORTS_OPTIONS, Page, PageInfo, ReportRequest};

use crate::{Stores, views};
use answers::Answers;
use live::{Folded, Live};

/// How the service keeps its reports: how often the live read models are saved, how many past
/// points are kept live, and how many past points not kept may be folded at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Serving {
    /// Events the live read models fold between two saves of their snapshot.
    pub save_every: u64,
    /// Past points not kept folded from the start of the log at once; beyond this,
    /// [`ReportError::Busy`].
    pub max_as_of_folds: usize,
    /// Past points whose read models are kept live, the ones asked for most recently; each
    /// holds at most what the read models of now hold.
    pub as_of_points: usize,
    /// Events the read models of now fold between two waypoints, the saved states a past
    /// point's first fold starts from ([`projections::WAYPOINT_EVERY`] by default).
    pub waypoint_every: u64,
}

/// Answers report requests.
#[derive(Debug)]
pub struct Reports {
    stores: Stores,
    rules: Rules,
    unverified: Unverified,
    kept: Option<Kept>,
    /// The first break found by a fold other than the live models'.
    noticed: Mutex<Option<VerifyFailure>>,
}

/// What a service keeps between requests.
#[derive(Debug)]
struct Kept {
    live: Live,
    /// The past points kept live, the one asked for most recently last.
    past: Mutex<Vec<Arc<Live>>>,
    as_of_points: usize,
    answers: Answers,
    as_of_folds: Semaphore,
    max_as_of_folds: usize,
}

/// Why a report could not be given.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    /// As many reports of the past as may be folded at once are being folded.
    #[error("already working out as many reports of the past as it does at once ({at_once})")]
    Busy { at_once: usize },
    /// The instrument or resolution asked for in full is not on record.
    #[error("no {} {key} is on record", .kind.row())]
    NotFound { kind: ReportKind, key: Key },
    /// One instrument or one resolution in full is several tables, and CSV holds one.
    #[error(
        "one {} in full is several tables, and CSV holds one: ask for it as text, markdown or JSON, or for the whole report as CSV",
        .kind.row()
    )]
    NotOneTable { kind: ReportKind },
    /// The body a pack is asked for is not on record.
    #[error("no body {0} is on record")]
    NoSuchBody(Key),
    #[error("failed to write the report: {0}")]
    Unwritable(#[from] serde_json::Error),
}

impl From<kernel::StoreError> for ReportError {
    fn from(error: kernel::StoreError) -> Self {
        ReportError::Projection(error.into())
    }
}

/// A report worked out, typed: a view of the read models, or one instrument or one resolution in
/// full. Written as JSON, it is the view itself.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum ReportView {
    Status(StatusView),
    Instrument(Box<InstrumentStatus>),
    Resolutions(ResolutionsView),
    Resolution(Box<ResolutionEntry>),
    Actions(ActionsView),
    Indicators(IndicatorsView),
    Audit(AuditView),
}

impl ReportView {
    /// The tables the report is laid out in, as `covenant report` prints them.
    pub fn tables(&self, rules: &Rules) -> Vec<Report> {
        match self {
            ReportView::Instrument(status) => status.reports(),
            ReportView::Resolution(entry) => entry.reports(rules),
            ReportView::Actions(view) => vec![view.summary(), view.report()],
            _ => self.table().into_iter().collect(),
        }
    }

    /// The table of the report's rows, the one a page cuts; none for one instrument or one
    /// resolution in full.
    pub fn table(&self) -> Option<Report> {
        match self {
            ReportView::Status(view) => Some(view.report()),
            ReportView::Resolutions(view) => Some(view.report()),
            ReportView::Actions(view) => Some(view.report()),
            ReportView::Indicators(view) => Some(view.report()),
            ReportView::Audit(view) => Some(view.report()),
            ReportView::Instrument(_) | ReportView::Resolution(_) => None,
        }
    }

    /// The report this is a view of.
    pub fn kind(&self) -> ReportKind {
        match self {
            ReportView::Status(_) | ReportView::Instrument(_) => ReportKind::Status,
            ReportView::Resolutions(_) | ReportView::Resolution(_) => ReportKind::Resolutions,
            ReportView::Actions(_) => ReportKind::Actions,
            ReportView::Indicators(_) => ReportKind::Indicators,
            ReportView::Audit(_) => ReportKind::Audit,
        }
    }

    /// The counts that sum the rows up, a report of their own (`covenant report actions
    /// --summary`); none for a report that has none.
    pub fn summary(&self) -> Option<Report> {
        match self {
            ReportView::Actions(view) => Some(view.summary()),
            _ => None,
        }
    }

    /// Keeps only `page` of the rows, and says where it stands; none when there are no rows to
    /// page.
    pub fn keep(&mut self, page: Page) -> Option<PageInfo> {
        match self {
            ReportView::Status(view) => Some(page.keep(&mut view.instruments)),
            ReportView::Resolutions(view) => Some(page.keep(&mut view.resolutions)),
            ReportView::Actions(view) => Some(page.keep(&mut view.rows)),
            ReportView::Indicators(view) => Some(page.keep(&mut view.indicators)),
            ReportView::Audit(view) => Some(page.keep(&mut view.entries)),
            ReportView::Instrument(_) | ReportView::Resolution(_) => None,
        }
    }
}

/// A report and the position of the log it describes: the head it was worked out at for a report
/// of now, none for a report of a past point.
#[derive(Debug)]
pub struct Answered {
    pub view: ReportView,
    pub position: Option<Position>,
}

/// The read models a report is made from: the live ones, or ones folded for the request.
#[derive(Debug)]
pub struct Models<'a>(Inner<'a>);

#[derive(Debug)]
enum Inner<'a> {
    /// Read models kept live: of now, or of a past point.
    Live {
        folded: OwnedRwLockReadGuard<Folded>,
        now: bool,
        /// Held, for a past point folded for this request, until the models are dropped.
        _permit: Option<SemaphorePermit<'a>>,
    },
    Folded {
        models: Box<ReadModels>,
        /// The head they were folded to, when they describe now.
        at: Option<Position>,
    },
}

impl Deref for Models<'_> {
    type Target = ReadModels;
    fn deref(&self) -> &ReadModels {
        match &self.0 {
            Inner::Live { folded, .. } => &folded.models,
            Inner::Folded { models, .. } => models,
        }
    }
}

impl Models<'_> {
    /// The position of the log the models describe, when they describe now.
    pub fn position(&self) -> Option<Position> {
        match &self.0 {
            Inner::Live { folded, now, .. } => now.then_some(folded.position),
            Inner::Folded { at, .. } => *at,
        }
    }
}

impl Reports {
    /// Reports folded for each request, as a command reads them: a broken log refused or, when
    /// `unverified` allows it, folded with the break kept in [`Reports::broken`].
    pub fn once(stores: Stores, rules: Rules, unverified: Unverified) -> Self {
        Self { stores, rules, unverified, kept: None, noticed: Mutex::new(None) }
    }

    /// Reports as a service keeps them: the read models brought up to date from their snapshot
    /// and kept live, saved as `serving` says. A broken log is folded, and the break logged and
    /// kept in [`Reports::broken`].
    pub async fn serve(stores: Stores, rules: Rules, serving: Serving) -> Result<Self, ProjectionError> {
        let runner = Runner::new(stores.events.as_ref(), stores.snapshots.as_ref())
            .unverified(Unverified::Allow)
            .waypoint_every(serving.waypoint_every);
        let folded = runner.catch_up(|_, _| ()).await?;
        let waypoint = runner.last_waypoint::<ReadModels>().await?;
        if let Some(failure) = folded.chain.broken() {
            tracing::error!(position = failure.position().0, error = %failure, "the log's hash chain is broken");
        }
        let kept = Kept {
            live: Live::new(folded, serving.save_every, serving.waypoint_every, waypoint),
            past: Mutex::new(Vec::new()),
            as_of_points: serving.as_of_points,
            answers: Answers::default(),
            as_of_folds: Semaphore::new(serving.max_as_of_folds),
            max_as_of_folds: serving.max_as_of_folds,
        };
        Ok(Self { stores, rules, unverified: Unverified::Allow, kept: Some(kept), noticed: Mutex::new(None) })
    }

    /// The rules reports rate and classify by.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The first break in the hash chain found so far, by the live models or by any fold.
    pub async fn broken(&self) -> Option<VerifyFailure> {
        if let Some(kept) = &self.kept {
            if let Some(failure) = kept.live.broken().await {
                return Some(failure);
            }
        }
        self.noticed.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Keeps a break found by a fold, if none was found before.
    fn notice(&self, failure: Option<VerifyFailure>) {
        if let Some(failure) = failure {
            self.noticed.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(failure);
        }
    }

    /// The position the live models have folded up to, without catching up; none when they are
    /// not kept.
    pub async fn folded(&self) -> Option<Position> {
        match &self.kept {
            Some(kept) => Some(kept.live.position().await),
            None => None,
        }
    }

    /// The read models as the log stands now: the live ones caught up to the head, or folded.
    pub async fn now(&self) -> Result<Models<'_>, ReportError> {
        self.models(AsOf::now()).await
    }

    /// The read models as the log stood at `as_of`. A service keeps the models of the
    /// [`Serving::as_of_points`] past points asked for most recently live; it folds only
    /// [`Serving::max_as_of_folds`] others at once, and is [`ReportError::Busy`] beyond.
    pub async fn models(&self, as_of: AsOf) -> Result<Models<'_>, ReportError> {
        if let Some(kept) = &self.kept {
            if as_of.is_now() {
                let folded = kept.live.read(&self.stores).await?;
                return Ok(Models(Inner::Live { folded, now: true, _permit: None }));
            }
            let (live, permit) = kept.past(as_of)?;
            let folded = live.read(&self.stores).await?;
            self.notice(live.broken().await);
            return Ok(Models(Inner::Live { folded, now: false, _permit: permit }));
        }
        if as_of.is_now() {
            let folded = views::fold_current(&self.stores, self.unverified, |_, _| ()).await?;
            let at = Some(folded.position);
            self.notice(folded.chain.into_broken());
            return Ok(Models(Inner::Folded { models: Box::new(folded.state), at }));
        }
        let runner =
            Runner::new(self.stores.events.as_ref(), self.stores.snapshots.as_ref()).unverified(self.unverified);
        let (models, broken) = runner.fold_as_of::<ReadModels>(as_of).await?;
        self.notice(broken);
        Ok(Models(Inner::Folded { models: Box::new(models), at: None }))
    }

    /// The public record as the log stood at `as_of`, with `today` the day it counts overdue
    /// items on ([`ReadModels::public`], by `projections::is_public`), and the position of the
    /// head it was read at: what a public page's validator names, for a page of now or of the
    /// past alike, since a past day's record still changes when a late decision is entered.
    pub async fn public(&self, as_of: AsOf, today: Date) -> Result<(PublicRecord, Position), ReportError> {
        let now = self.now().await?;
        let head = now.position().unwrap_or(Position(0));
        if as_of.is_now() {
            return Ok((now.public(&self.rules, today), head));
        }
        drop(now);
        let past = self.models(as_of).await?;
        Ok((past.public(&self.rules, today), head))
    }

    /// The audit trail `request` selects, read from the log (the log is the audit trail), and the
    /// position it reaches. Each summary names what its event refers to as the read models of now
    /// name it ([`AuditView::named`]).
    pub async fn audit(&self, request: &ReportRequest) -> Result<(AuditView, Position), ReportError> {
        let (view, at, broken) =
            views::fold_audit(&self.stores, request.as_of, &request.filters, &request.trail, self.unverified).await?;
        self.notice(broken);
        if let Some(kept) = &self.kept {
            let live = kept.live.read(&self.stores).await?;
            return Ok((view.named(&live.models), at));
        }
        // Only for names: whether the log holds is the trail's to say, as it was read above.
        let names = views::fold_current(&self.stores, Unverified::Allow, |_, _| ()).await?;
        Ok((view.named(&names.state), at))
    }

    /// The report `request` asks for, every row of it.
    pub async fn answer(&self, request: &ReportRequest) -> Result<Answered, ReportError> {
        let rules = &self.rules;
        let today = request.today;
        let filters = &request.filters;
        if request.kind == ReportKind::Audit {
            let (view, at) = self.audit(request).await?;
            return Ok(Answered { view: ReportView::Audit(view), position: request.as_of.is_now().then_some(at) });
        }
        if let (false, Some(key)) = (request.folds_the_log(), &request.subject) {
            // One instrument in the past: folded from its own streams, not the whole log.
            let current = self.now().await?;
            let at = current.position().unwrap_or_default();
            let models = views::instrument_as_of(&self.stores, &current, at, key, request.as_of).await?;
            drop(current);
            let status = models.status().instrument(key, rules, today);
            let status = status.ok_or_else(|| ReportError::NotFound { kind: request.kind, key: key.clone() })?;
            return Ok(Answered { view: ReportView::Instrument(Box::new(status)), position: None });
        }
        let models = self.models(request.as_of).await?;
        let not_found = |key: &Key| ReportError::NotFound { kind: request.kind, key: key.clone() };
        let view = match (request.kind, &request.subject) {
            (ReportKind::Status, Some(key)) => ReportView::Instrument(Box::new(
                models.status().instrument(key, rules, today).ok_or_else(|| not_found(key))?,
            )),
            (ReportKind::Status, None) => ReportView::Status(models.status().view(filters, rules, today)),
            (ReportKind::Resolutions, Some(key)) => ReportView::Resolution(Box::new(
                models.resolutions().resolution(key, rules, today).ok_or_else(|| not_found(key))?,
            )),
            (ReportKind::Resolutions, None) => {
                ReportView::Resolutions(models.resolutions().view(filters, rules, today))
            }
            (ReportKind::Actions, _) => {
                ReportView::Actions(models.actions().view(filters, rules, today, request.group_by))
            }
            (ReportKind::Indicators, _) => ReportView::Indicators(models.indicators().view(filters, rules, today)),
            (ReportKind::Audit, _) => unreachable!("the audit trail is read from the log above"),
        };
        Ok(Answered { view, position: models.position() })
    }

    /// The page of the report `request` asks for, written in `format`: as JSON, the view with its
    /// rows cut to the page, `page` saying where it stands, and `position` the log's position
    /// for a report of now; in another format, the one table of the page's rows, without the
    /// notes a table for people carries (one instrument or one resolution in full is
    /// [`ReportError::NotOneTable`]). The command line's CSV and the API's are these bytes. A
    /// service gives a report again from what it kept while the log has not moved: one of now at
    /// the live models' position, one of the past at the head of the log.
    pub async fn written(&self, request: &ReportRequest, format: Format) -> Result<Bytes, ReportError> {
        let key = (request.clone(), format);
        // A report is a function of the request and the log: one of now, of the live models'
        // position; one of the past, of the head (a decision entered late still changes it).
        let (kept, at, _permit) = match &self.kept {
            Some(kept) if request.as_of.is_now() => (kept, kept.live.read(&self.stores).await?.position, None),
            Some(kept) if kept.as_of_points > 0 => {
                // The point's models taken first, so that one which would have to be folded and
                // may not be is refused at once, before the log is read.
                let permit = match request.folds_the_log() {
                    true => kept.past(request.as_of)?.1,
                    false => None,
                };
                (kept, self.stores.events.head().await?.position, permit)
            }
            _ => return self.work_out(request, format).await,
        };
        // Requests for one answer at once wait for the first to work it out.
        let slot = kept.answers.slot(at, &key);
        Ok(slot.get_or_try_init(|| self.work_out(request, format)).await?.clone())
    }

    /// The report `request` asks for, worked out and written in `format`.
    async fn work_out(&self, request: &ReportRequest, format: Format) -> Result<Bytes, ReportError> {
        let Answered { mut view, position } = self.answer(request).await?;
        let page = request.page.and_then(|page| view.keep(page));
        self.write(&view, page, position, format)
    }

    fn write(
        &self,
        view: &ReportView,
        page: Option<PageInfo>,
        position: Option<Position>,
        format: Format,
    ) -> Result<Bytes, ReportError> {
        if format != Format::Json {
            let kind = view.kind();
            let mut table = view.table().ok_or(ReportError::NotOneTable { kind })?;
            table.notes.clear();
            return Ok(table.render(format).into());
        }
        let mut json = serde_json::to_value(view)?;
        if let Some(page) = page {
            json["page"] = serde_json::to_value(page)?;
        }
        if let Some(position) = position {
            json["position"] = position.0.into();
        }
        Ok(serde_json::to_vec(&json)?.into())
    }
}

impl Kept {
    /// The live models of the past point `as_of`, now the one asked for most recently: those
    /// kept, or new ones (the least recently asked for then let go), with a permit to fold them
    /// from the start of the log, or [`ReportError::Busy`] when as many are being folded as may be.
    fn past(&self, as_of: AsOf) -> Result<(Arc<Live>, Option<SemaphorePermit<'_>>), ReportError> {
        let mut past = self.past.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = past.iter().position(|live| live.as_of() == as_of) {
            let live = past.remove(i);
            past.push(live.clone());
            return Ok((live, None));
        }
        let permit = self.as_of_folds.try_acquire().map_err(|_| ReportError::Busy { at_once: self.max_as_of_folds })?;
        let live = Arc::new(Live::past(as_of));
        if self.as_of_points > 0 {
            if past.len() >= self.as_of_points {
                past.remove(0);
            }
            past.push(live.clone());
        }
        Ok((live, Some(permit)))
    }
}
