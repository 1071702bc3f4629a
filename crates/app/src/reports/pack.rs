//! A board pack: the delivery report a secretariat sends with the papers for a meeting of a body,
//! as one typed model made from the read models [`Reports`] answers every report from. It is a
//! report, not a fold of its own: the status board, the action log, the indicators and the
//! resolution register, each narrowed to the body, at two points of the record (the day of the
//! pack and the day of the body's previous meeting), compared.
//!
//! Both points are read from the same prefix of the log, the one ending at the head the pack was
//! made at, and the cover names that head (position and hash), so a pack can be traced to the
//! record and made again, figure for figure, from the same position.

use std::collections::BTreeSet;

use domain::rag::Rag;
use domain::{Date, Key, meeting};
use kernel::{Position, Timestamp};
use projections::{
    ActionRow, ActionState, AsOf, Filters, GroupBy, IndicatorStatus, InstrumentStatus, RagMix, ReadModels,
    ResolutionEntry,
};
use serde::Serialize;

use super::{ReportError, Reports};

/// Everything a board pack holds, in the order it is laid out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pack {
    pub cover: Cover,
    /// Every instrument the body owns or has endorsed, by title.
    pub instruments: Vec<InstrumentStatus>,
    /// The RAG ratings of the commitments behind those instruments, added up.
    pub rag_mix: RagMix,
    /// What changed since the body's previous meeting; none when no earlier meeting is on record.
    pub changes: Option<Changes>,
    /// The body's open actions rated red, overdue or stale, most pressing first.
    pub exceptions: Vec<Exception>,
    /// The indicators of objectives of the instruments the body owns.
    pub indicators: Vec<IndicatorStatus>,
    /// The resolutions of the body's previous meeting with their delivery trails.
    pub last_meeting: Option<LastMeeting>,
}

/// Whose pack it is, for which day, and the record it was made from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cover {
    pub body: Key,
    pub body_name: String,
    /// The day the pack describes: what had been decided by the end of it.
    pub as_of: Date,
    /// The log's head the pack was made from: its last event's position and hash.
    pub position: Position,
    pub head_hash: String,
    /// The body's last meeting held before `as_of`.
    pub previous_meeting: Option<MeetingRef>,
}

/// A meeting as a pack names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MeetingRef {
    pub meeting: Key,
    pub title: String,
    pub held_on: Date,
}

/// What changed between the previous meeting (the end of its day) and the day of the pack.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Changes {
    pub since: Date,
    /// Resolutions the body decided after `since`, up to the day of the pack.
    pub decisions: Vec<ResolutionEntry>,
    /// Instruments and actions whose RAG rating is not what it was.
    pub rag_moves: Vec<RagMove>,
    /// Actions completed since.
    pub completed: Vec<ActionRow>,
    /// Actions overdue now that were not overdue then.
    pub newly_overdue: Vec<ActionRow>,
}

/// An instrument or an action rated differently than at the previous meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RagMove {
    pub subject: Subject,
    pub key: Key,
    pub title: String,
    /// Its rating then; none when it was not rated or not yet on record.
    pub from: Option<Rag>,
    pub to: Option<Rag>,
}

/// What a RAG move is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Instrument,
    Action,
}

/// An open action a board should look at, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Exception {
    /// Each reason that applies, in the order red, overdue, stale.
    pub reasons: Vec<Reason>,
    pub action: ActionRow,
}

/// Why an action is an exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Rated red.
    Red,
    /// Open and past its due date.
    Overdue,
    /// No progress reported within the staleness window.
    Stale,
}

impl Reason {
    /// The reason in words, as a pack prints it.
    pub fn words(self) -> &'static str {
        match self {
            Reason::Red => "red",
            Reason::Overdue => "overdue",
            Reason::Stale => "stale",
        }
    }
}

/// The body's previous meeting and what it resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LastMeeting {
    pub meeting: MeetingRef,
    pub resolutions: Vec<ResolutionEntry>,
}

/// The status board, action log, indicators and register of one body on one day.
struct Snapshot {
    instruments: Vec<InstrumentStatus>,
    actions: Vec<ActionRow>,
}

impl Reports {
    /// The pack for `body` as decided by the end of `as_of`, from the log as it stands now.
    pub async fn pack(&self, body: &Key, as_of: Date) -> Result<Pack, ReportError> {
        let head = self.stores.events.head().await?;
        let point = |day: Date| AsOf { position: Some(head.position), known_on: None, decided_by: Some(end_of(day)) };
        let models = self.models(point(as_of)).await?;
        let body_name = models.body_name(body).ok_or_else(|| ReportError::NoSuchBody(body.clone()))?;
        let previous = previous_meeting(&models, body, as_of);
        let filters = Filters { body: Some(body.clone()), ..Filters::default() };
        let rules = &self.rules;
        let now = self.snapshot(&models, body, as_of);
        let indicators = models.indicators().view(&filters, rules, as_of).indicators;
        let register = models.resolutions();
        let last_meeting = previous.as_ref().map(|meeting| LastMeeting {
            meeting: meeting.clone(),
            resolutions: register
                .view(&filters, rules, as_of)
                .resolutions
                .into_iter()
                .filter(|r| r.meeting.as_ref() == Some(&meeting.meeting))
                .collect(),
        });
        let decided_since = |since: Date| -> Vec<ResolutionEntry> {
            let period = Filters { from: since.succ_opt(), to: Some(as_of), ..filters.clone() };
            register.view(&period, rules, as_of).resolutions
        };
        let decisions = previous.as_ref().map(|m| decided_since(m.held_on));
        drop(models);
        let changes = match (previous.as_ref(), decisions) {
            (Some(meeting), Some(decisions)) => {
                let then_models = self.models(point(meeting.held_on)).await?;
                let then = self.snapshot(&then_models, body, meeting.held_on);
                Some(changes(meeting.held_on, decisions, &then, &now))
            }
            _ => None,
        };
        let mut rag_mix = RagMix::default();
        for i in &now.instruments {
            rag_mix.red += i.rag_mix.red;
            rag_mix.amber += i.rag_mix.amber;
            rag_mix.green += i.rag_mix.green;
            rag_mix.unrated += i.rag_mix.unrated;
        }
        let exceptions = exceptions(&now.actions);
        Ok(Pack {
            cover: Cover {
                body: body.clone(),
                body_name,
                as_of,
                position: head.position,
                head_hash: head.hash.to_hex(),
                previous_meeting: previous,
            },
            instruments: now.instruments,
            rag_mix,
            changes,
            exceptions,
            indicators,
            last_meeting,
        })
    }

    /// The instruments `body` oversees and the actions it answers for on `today`: those in its
    /// action log, those towards an objective of one of its instruments, and those arising from
    /// one of its resolutions.
    fn snapshot(&self, models: &ReadModels, body: &Key, today: Date) -> Snapshot {
        let rules = &self.rules;
        let filters = Filters { body: Some(body.clone()), ..Filters::default() };
        let instruments = models.status().view(&filters, rules, today).instruments;
        let overseen: BTreeSet<&Key> = instruments.iter().map(|i| &i.instrument).collect();
        let resolved: BTreeSet<Key> =
            models.resolutions().view(&filters, rules, today).resolutions.into_iter().map(|r| r.resolution).collect();
        let actions = models
            .actions()
            .view(&Filters::default(), rules, today, GroupBy::Body)
            .rows
            .into_iter()
            .filter(|a| {
                a.body.as_ref() == Some(body)
                    || a.towards.as_ref().is_some_and(|t| overseen.contains(&t.instrument))
                    || a.arising_from.as_ref().is_some_and(|r| resolved.contains(r))
            })
            .collect();
        Snapshot { instruments, actions }
    }
}

/// The end of `day`, the last moment "as decided by" it includes.
fn end_of(day: Date) -> Timestamp {
    let end = day.and_hms_micro_opt(23, 59, 59, 999_999).map(|t| t.and_utc());
    // 23:59:59.999999 is a time of every day.
    Timestamp::from_datetime(end.unwrap_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc()))
}

/// The body's last meeting held on a day before `day`.
fn previous_meeting(models: &ReadModels, body: &Key, day: Date) -> Option<MeetingRef> {
    models
        .meetings_on_record()
        .filter(|m| m.body.as_ref() == Some(body) && m.status == meeting::Status::Held)
        .filter_map(|m| Some((m.held_on.or(m.date)?, m)))
        .filter(|(held_on, _)| *held_on < day)
        .max_by(|(a, m), (b, n)| a.cmp(b).then_with(|| m.id.cmp(&n.id)))
        .and_then(|(held_on, m)| Some(MeetingRef { meeting: m.id.clone()?, title: m.title.clone(), held_on }))
}

/// The open actions rated red, overdue or stale, red first, then overdue, then stale, each kind
/// by due date.
fn exceptions(actions: &[ActionRow]) -> Vec<Exception> {
    let mut exceptions: Vec<Exception> = actions
        .iter()
        .filter(|a| a.state.is_open())
        .filter_map(|a| {
            let reasons: Vec<Reason> = [
                (a.rag == Some(Rag::Red), Reason::Red),
                (a.state == ActionState::Overdue, Reason::Overdue),
                (a.stale, Reason::Stale),
            ]
            .into_iter()
            .filter_map(|(applies, reason)| applies.then_some(reason))
            .collect();
            (!reasons.is_empty()).then(|| Exception { reasons, action: a.clone() })
        })
        .collect();
    exceptions.sort_by(|a, b| {
        (&a.reasons, a.action.due_on, &a.action.commitment).cmp(&(&b.reasons, b.action.due_on, &b.action.commitment))
    });
    exceptions
}

/// What changed from `then` (the end of `since`) to `now`.
fn changes(since: Date, decisions: Vec<ResolutionEntry>, then: &Snapshot, now: &Snapshot) -> Changes {
    let mut rag_moves = Vec::new();
    for i in &now.instruments {
        let before = then.instruments.iter().find(|t| t.instrument == i.instrument).and_then(|t| t.rag);
        if before != i.rag {
            rag_moves.push(RagMove {
                subject: Subject::Instrument,
                key: i.instrument.clone(),
                title: i.title.clone(),
                from: before,
                to: i.rag,
            });
        }
    }
    let earlier = |a: &ActionRow| then.actions.iter().find(|t| t.commitment == a.commitment);
    for a in &now.actions {
        let before = earlier(a).and_then(|t| t.rag);
        if before != a.rag {
            rag_moves.push(RagMove {
                subject: Subject::Action,
                key: a.commitment.clone(),
                title: a.title.clone(),
                from: before,
                to: a.rag,
            });
        }
    }
    let completed = now
        .actions
        .iter()
        .filter(|a| a.state == ActionState::Done && earlier(a).is_none_or(|t| t.state != ActionState::Done))
        .cloned()
        .collect();
    let newly_overdue = now
        .actions
        .iter()
        .filter(|a| a.state == ActionState::Overdue && earlier(a).is_none_or(|t| t.state != ActionState::Overdue))
        .cloned()
        .collect();
    Changes { since, decisions, rag_moves, completed, newly_overdue }
}
