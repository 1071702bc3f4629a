//! The publication rule and the public record. What the public may see is decided by events,
//! never by a page: [`is_public`] is the one function that decides it, and [`PublicRecord`] is
//! the read models with everything it refuses left out, which every public route, calendar and
//! feed is laid out from (`docs/public.md`).
//!
//! The rule: a body and its meetings are public once established and scheduled (notice of a
//! meeting is public); a resolution once it, or the minutes of its meeting, are published; an
//! instrument once a version of it is published or a party has adopted it; a commitment, its
//! progress and an indicator once everything they hang on (their instrument, the resolution
//! they arise from) is public. An exempt resolution (Schedule 12A) is never public, nor is the
//! agenda item it was made on, and nothing public counts it. Who recorded anything (the actor of
//! an event, a token) and a commitment's named lead are never part of the public record.

use std::collections::{BTreeMap, BTreeSet};

use domain::translation::{Field, Language, Translations};
use domain::{Date, Key, OrgId, body, commitment, ids, indicator, instrument, meeting, resolution};
use kernel::StreamId;
use serde::{Serialize, Serializer};

use crate::actions::{ActionState, GroupBy, LastReport};
use crate::filters::Filters;
use crate::indicators::IndicatorStatus;
use crate::read_models::{ReadModels, Stamp};
use crate::resolutions::{Caused, ResolutionEntry};
use crate::rules::Rules;
use crate::status::{InstrumentStatus, Standing};
use domain::rag::Rag;

/// One record, with the records its publicity depends on.
#[derive(Clone, Copy, Debug)]
pub enum Record<'a> {
    Body(&'a body::State),
    Meeting(&'a meeting::State),
    /// An agenda item, with every resolution made on it.
    AgendaItem {
        resolutions: &'a [&'a resolution::State],
    },
    /// A resolution, with the meeting it was made at.
    Resolution {
        resolution: &'a resolution::State,
        meeting: Option<&'a meeting::State>,
    },
    Instrument(&'a instrument::State),
    /// A commitment and its progress, with the instrument it works towards and the resolution
    /// (and its meeting) it arises from, where it has them.
    Commitment {
        commitment: &'a commitment::State,
        instrument: Option<&'a instrument::State>,
        resolution: Option<(&'a resolution::State, Option<&'a meeting::State>)>,
    },
    /// An indicator and its readings, with the instrument it measures.
    Indicator {
        indicator: &'a indicator::State,
        instrument: Option<&'a instrument::State>,
    },
}

/// True when the public may see `record`: the one rule every public route goes through.
pub fn is_public(record: Record<'_>) -> bool {
    match record {
        Record::Body(body) => body.exists(),
        Record::Meeting(meeting) => meeting.id.is_some(),
        Record::AgendaItem { resolutions } => resolutions.iter().all(|r| r.exempt_under.is_none()),
        Record::Resolution { resolution, meeting } => {
            resolution.exists()
                && resolution.exempt_under.is_none()
                && (resolution.published_on.is_some() || meeting.is_some_and(|m| m.minutes_published_on.is_some()))
        }
        Record::Instrument(instrument) => {
            instrument.id.is_some()
                && (!instrument.versions.is_empty() || instrument.parties.iter().any(|p| p.adopted.is_some()))
        }
        Record::Commitment { commitment, instrument, resolution } => {
            commitment.id.is_some()
                && (instrument.is_some() || resolution.is_some())
                && instrument.is_none_or(|i| is_public(Record::Instrument(i)))
                && resolution.is_none_or(|(resolution, meeting)| is_public(Record::Resolution { resolution, meeting }))
        }
        Record::Indicator { indicator, instrument } => {
            indicator.id.is_some() && instrument.is_some_and(|i| is_public(Record::Instrument(i)))
        }
    }
}

/// A body, as the public record shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublicBody {
    pub body: Key,
    pub name: String,
    /// Its parent organisations, by identifier and name.
    pub organisations: Vec<(OrgId, String)>,
    pub members: Vec<(OrgId, String)>,
}

/// A meeting, with its public agenda items and the keys of its public resolutions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublicMeeting {
    pub meeting: Key,
    pub body: Key,
    pub body_name: String,
    pub title: String,
    pub date: Date,
    pub status: meeting::Status,
    pub held_on: Option<Date>,
    pub minutes_published_on: Option<Date>,
    pub agenda: Vec<meeting::AgendaItem>,
    pub resolutions: Vec<Key>,
}

/// A commitment and its latest progress, without the name of its lead.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublicAction {
    pub commitment: Key,
    pub title: String,
    pub organisation: Option<OrgId>,
    pub organisation_name: Option<String>,
    pub body: Option<Key>,
    pub instrument: Option<Key>,
    /// "Instrument: objective", when made towards one.
    pub towards_title: Option<String>,
    pub arising_from: Option<Key>,
    pub made_on: Option<Date>,
    pub due_on: Option<Date>,
    pub state: ActionState,
    pub progress: f64,
    pub rag: Option<Rag>,
    pub last_report: Option<LastReport>,
}

/// A text of the record the public record shows, by the record (and part) it belongs to: what a
/// translation is looked up by.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Own {
    OrganisationName(OrgId),
    BodyName(Key),
    MeetingTitle(Key),
    /// A meeting's agenda item, by its number.
    AgendaItemTitle(Key, String),
    ResolutionText(Key),
    InstrumentTitle(Key),
    /// An instrument's objective, by its key.
    ObjectiveTitle(Key, Key),
    CommitmentTitle(Key),
}

/// The Welsh recorded for the public records' texts: only for what the public may see.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Welsh(BTreeMap<Own, String>);

impl Welsh {
    /// Keeps the Welsh of `field` (of `part`) from `translations`, if recorded, as `own`'s.
    fn carry(&mut self, own: Own, translations: &Translations, field: Field, part: Option<&str>) {
        if let Some(text) = translations.welsh(field, part) {
            self.0.insert(own, text.to_owned());
        }
    }
}

impl Serialize for Welsh {
    /// As a list of `[own, text]` pairs: a map's keys must be text in JSON.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.0)
    }
}

/// A text of the record as a page, calendar or feed in some language shows it: the Welsh where
/// one is asked for and recorded, else the English, with the language it is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Said<'a> {
    pub text: &'a str,
    /// `Some(Language::Cy)` for a translation, `None` for the English as recorded.
    pub translated: Option<Language>,
}

/// The record as the public may see it on one day: every part already passed through
/// [`is_public`], so that a page, calendar or feed cannot show or count what it refuses.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublicRecord {
    pub today: Date,
    pub bodies: Vec<PublicBody>,
    /// By date, then key.
    pub meetings: Vec<PublicMeeting>,
    /// As the register orders them.
    pub resolutions: Vec<ResolutionEntry>,
    pub instruments: Vec<InstrumentStatus>,
    pub actions: Vec<PublicAction>,
    pub indicators: Vec<IndicatorStatus>,
    /// When the streams of the public bodies (and their organisations), meetings, resolutions
    /// and instruments were first and last written to.
    pub stamps: BTreeMap<StreamId, Stamp>,
    /// The Welsh recorded for the texts of the parts above.
    pub welsh: Welsh,
}

impl ReadModels {
    /// The public record on `today`, by [`is_public`].
    pub fn public(&self, rules: &Rules, today: Date) -> PublicRecord {
        let register = &self.register;
        let portfolio = &self.portfolio;
        let resolution_of =
            |key: &Key| register.resolution(key).map(|r| (r, r.meeting.as_ref().and_then(|m| register.meeting(m))));
        let resolution_public = |key: &Key| {
            resolution_of(key)
                .is_some_and(|(resolution, meeting)| is_public(Record::Resolution { resolution, meeting }))
        };
        let instrument_public =
            |key: &Key| portfolio.instruments.get(key).is_some_and(|i| is_public(Record::Instrument(i)));
        let action_public = |key: &Key| {
            portfolio.commitments.get(key).is_some_and(|commitment| {
                let instrument = commitment.towards.as_ref().map(|t| portfolio.instruments.get(&t.instrument));
                let resolution = commitment.arising_from.as_ref().map(&resolution_of);
                // A commitment naming a stream not on record hangs on something the public cannot see.
                if instrument.is_some_and(|i| i.is_none()) || resolution.is_some_and(|r| r.is_none()) {
                    return false;
                }
                is_public(Record::Commitment {
                    commitment,
                    instrument: instrument.flatten(),
                    resolution: resolution.flatten(),
                })
            })
        };
        let named = |ids: &[OrgId]| ids.iter().map(|id| (id.clone(), self.names.organisation(id))).collect();
        let bodies: Vec<PublicBody> = self
            .names
            .bodies()
            .filter(|b| is_public(Record::Body(b)))
            .filter_map(|b| {
                Some(PublicBody {
                    body: b.id.clone()?,
                    name: b.name.clone(),
                    organisations: named(&b.parents),
                    members: named(&b.members),
                })
            })
            .collect();
        let mut meetings: Vec<PublicMeeting> = register
            .meetings()
            .filter(|m| is_public(Record::Meeting(m)))
            .filter_map(|m| {
                let key = m.id.clone()?;
                let made_here: Vec<&resolution::State> =
                    register.resolutions().filter(|r| r.meeting.as_ref() == Some(&key)).collect();
                let agenda = m
                    .items
                    .iter()
                    .filter(|item| {
                        let on_item: Vec<&resolution::State> =
                            made_here.iter().copied().filter(|r| r.agenda_item == item.item).collect();
                        is_public(Record::AgendaItem { resolutions: &on_item })
                    })
                    .cloned()
                    .collect();
                let resolutions = made_here
                    .iter()
                    .filter(|r| is_public(Record::Resolution { resolution: r, meeting: Some(m) }))
                    .filter_map(|r| r.id.clone())
                    .collect();
                let body = m.body.clone()?;
                Some(PublicMeeting {
                    body_name: self.names.body(&body),
                    body,
                    meeting: key,
                    title: m.title.clone(),
                    date: m.date?,
                    status: m.status,
                    held_on: m.held_on,
                    minutes_published_on: m.minutes_published_on,
                    agenda,
                    resolutions,
                })
            })
            .collect();
        meetings.sort_by(|a, b| (a.date, &a.meeting).cmp(&(b.date, &b.meeting)));
        let all = Filters::default();
        let public_actions: BTreeSet<Key> =
            portfolio.commitments.keys().filter(|k| action_public(k)).cloned().collect();
        // Every total the public sees (an objective's or instrument's count of commitments, its
        // progress and RAG mix) is of the commitments the public may see: the views below are
        // of the read models without the others, copied only when there are others.
        let without_hidden;
        let shown = if public_actions.len() == portfolio.commitments.len() {
            self
        } else {
            let mut models = self.clone();
            models.portfolio.commitments.retain(|key, _| public_actions.contains(key));
            without_hidden = models;
            &without_hidden
        };
        let resolutions: Vec<ResolutionEntry> = shown
            .resolutions()
            .view(&all, rules, today)
            .resolutions
            .into_iter()
            .filter(|r| resolution_public(&r.resolution))
            .map(|mut r| {
                for correction in &mut r.corrections {
                    correction.actor = None;
                }
                r.commitments.retain(|c| public_actions.contains(&c.commitment));
                r.caused.retain(|c| match &c.act {
                    Caused::Rescission { resolution, .. } | Caused::Supersession { resolution, .. } => {
                        resolution_public(resolution)
                    }
                    act => act.instrument().is_none_or(&instrument_public),
                });
                if r.replaced_by.as_ref().is_some_and(|by| !resolution_public(by)) {
                    r.replaced_by = None;
                    r.replaced_by_name = None;
                }
                r
            })
            .collect();
        let instruments: Vec<InstrumentStatus> = shown
            .status()
            .view(&all, rules, today)
            .instruments
            .into_iter()
            .filter(|i| instrument_public(&i.instrument))
            .map(|mut i| {
                // Whatever the instrument names must be public in its own right.
                i.endorsements.retain(|e| resolution_public(&e.resolution));
                for party in &mut i.parties {
                    if let Standing::Adopted { resolution, .. } | Standing::Signed { resolution, .. } =
                        &mut party.standing
                        && resolution.as_ref().is_some_and(|r| !resolution_public(r))
                    {
                        *resolution = None;
                        party.resolution_name = None;
                    }
                }
                if i.builds_on.as_ref().is_some_and(|b| !instrument_public(b)) {
                    i.builds_on = None;
                    i.builds_on_title = None;
                }
                if i.superseded_by.as_ref().is_some_and(|b| !instrument_public(b)) {
                    i.superseded_by = None;
                }
                i.overdue.retain(|item| public_actions.contains(&item.commitment));
                i.stale.retain(|item| public_actions.contains(&item.commitment));
                for item in i.overdue.iter_mut().chain(i.stale.iter_mut()) {
                    item.lead.clear();
                }
                i
            })
            .collect();
        let actions: Vec<PublicAction> = shown
            .actions()
            .view(&all, rules, today, GroupBy::Organisation)
            .rows
            .into_iter()
            .filter(|row| public_actions.contains(&row.commitment))
            .map(|row| PublicAction {
                commitment: row.commitment,
                title: row.title,
                organisation: row.organisation,
                organisation_name: row.organisation_name,
                body: row.body,
                instrument: row.towards.map(|t| t.instrument),
                towards_title: row.towards_title,
                arising_from: row.arising_from,
                made_on: row.made_on,
                due_on: row.due_on,
                state: row.state,
                progress: row.progress,
                rag: row.rag,
                last_report: row.last_report,
            })
            .collect();
        let indicators: Vec<IndicatorStatus> = self
            .indicators()
            .view(&all, rules, today)
            .indicators
            .into_iter()
            .filter(|status| {
                self.indicators.get(&status.indicator).is_some_and(|indicator| {
                    let instrument = indicator.towards.as_ref().and_then(|t| portfolio.instruments.get(&t.instrument));
                    is_public(Record::Indicator { indicator, instrument })
                })
            })
            .collect();
        let streams = bodies
            .iter()
            .flat_map(|b| {
                let organisations = b.organisations.iter().chain(&b.members).map(|(o, _)| ids::organisation_stream(o));
                std::iter::once(ids::body_stream(&b.body)).chain(organisations)
            })
            .chain(meetings.iter().map(|m| ids::meeting_stream(&m.meeting)))
            .chain(resolutions.iter().map(|r| ids::resolution_stream(&r.resolution)))
            .chain(instruments.iter().map(|i| ids::instrument_stream(&i.instrument)));
        let stamps = streams.filter_map(|s| self.stamps.get(&s).map(|stamp| (s, *stamp))).collect();
        let welsh = self.welsh_of(&bodies, &meetings, &resolutions, &instruments, &actions);
        PublicRecord { today, bodies, meetings, resolutions, instruments, actions, indicators, stamps, welsh }
    }

    /// The Welsh recorded for the texts of the public parts: their names and titles, agenda
    /// items, objectives and the words of decisions, and the names of the organisations they name.
    fn welsh_of(
        &self,
        bodies: &[PublicBody],
        meetings: &[PublicMeeting],
        resolutions: &[ResolutionEntry],
        instruments: &[InstrumentStatus],
        actions: &[PublicAction],
    ) -> Welsh {
        let mut welsh = Welsh::default();
        let named = bodies.iter().flat_map(|b| b.organisations.iter().chain(&b.members).map(|(o, _)| o));
        let named = named
            .chain(instruments.iter().flat_map(|i| i.parties.iter().map(|p| &p.organisation)))
            .chain(actions.iter().filter_map(|a| a.organisation.as_ref()))
            .collect::<BTreeSet<&OrgId>>();
        for o in self.names.organisations() {
            if let Some(id) = o.id.as_ref().filter(|id| named.contains(id)) {
                welsh.carry(Own::OrganisationName(id.clone()), &o.welsh, Field::Name, None);
            }
        }
        let public: BTreeSet<&Key> = bodies.iter().map(|p| &p.body).collect();
        for b in self.names.bodies() {
            if let Some(key) = b.id.as_ref().filter(|k| public.contains(k)) {
                welsh.carry(Own::BodyName(key.clone()), &b.welsh, Field::Name, None);
            }
        }
        for m in meetings {
            let Some(state) = self.register.meeting(&m.meeting) else { continue };
            welsh.carry(Own::MeetingTitle(m.meeting.clone()), &state.welsh, Field::Title, None);
            for item in &m.agenda {
                let own = Own::AgendaItemTitle(m.meeting.clone(), item.item.clone());
                welsh.carry(own, &state.welsh, Field::Title, Some(&item.item));
            }
        }
        for r in resolutions {
            if let Some(state) = self.register.resolution(&r.resolution) {
                welsh.carry(Own::ResolutionText(r.resolution.clone()), &state.welsh, Field::Text, None);
            }
        }
        for i in instruments {
            let Some(state) = self.portfolio.instruments.get(&i.instrument) else { continue };
            welsh.carry(Own::InstrumentTitle(i.instrument.clone()), &state.welsh, Field::Title, None);
            for o in &i.objectives {
                let own = Own::ObjectiveTitle(i.instrument.clone(), o.objective.clone());
                welsh.carry(own, &state.welsh, Field::Title, Some(o.objective.as_str()));
            }
        }
        for a in actions {
            if let Some(state) = self.portfolio.commitments.get(&a.commitment) {
                welsh.carry(Own::CommitmentTitle(a.commitment.clone()), &state.welsh, Field::Title, None);
            }
        }
        welsh
    }
}

/// A search of the public record's decisions: every part given must match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PublicSearch {
    /// Words that must each appear, in any case, in the decision's text, its body's name, its
    /// meeting's title or its minute.
    pub words: Option<String>,
    pub body: Option<Key>,
    /// An organisation the decision binds.
    pub organisation: Option<OrgId>,
    /// Decided on or after.
    pub from: Option<Date>,
    /// Decided on or before.
    pub to: Option<Date>,
    /// A theme (in any case) of an instrument the decision acted on or that a commitment on its
    /// trail works towards.
    pub theme: Option<String>,
}

impl PublicRecord {
    /// `own`'s text in Welsh when `welsh` is asked for and recorded, else `english`, the text
    /// as recorded.
    pub fn said<'a>(&'a self, welsh: bool, own: &Own, english: &'a str) -> Said<'a> {
        match self.welsh.0.get(own).filter(|_| welsh) {
            Some(text) => Said { text, translated: Some(Language::Cy) },
            None => Said { text: english, translated: None },
        }
    }

    /// The decisions `search` finds, in the register's order.
    pub fn search(&self, search: &PublicSearch) -> Vec<&ResolutionEntry> {
        let words: Vec<String> =
            search.words.as_deref().unwrap_or_default().split_whitespace().map(str::to_lowercase).collect();
        let period = Filters { from: search.from, to: search.to, ..Filters::default() };
        self.resolutions
            .iter()
            .filter(|r| search.body.as_ref().is_none_or(|b| r.body.as_ref() == Some(b)))
            .filter(|r| search.organisation.as_ref().is_none_or(|o| r.organisations.contains(o)))
            .filter(|r| {
                (search.from.is_none() && search.to.is_none()) || r.decided_on.is_some_and(|d| period.in_period(d))
            })
            .filter(|r| {
                search
                    .theme
                    .as_deref()
                    .is_none_or(|t| self.themes_of(r).iter().any(|theme| theme.eq_ignore_ascii_case(t)))
            })
            .filter(|r| {
                let haystack = format!(
                    "{} {} {} {}",
                    r.text,
                    r.body_name.as_deref().unwrap_or_default(),
                    r.meeting_title.as_deref().unwrap_or_default(),
                    r.minute()
                )
                .to_lowercase();
                words.iter().all(|w| haystack.contains(w.as_str()))
            })
            .collect()
    }
}

/// Whose decisions or progress a calendar or feed holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Body(Key),
    /// The decisions that bind an organisation, and the commitments it answers for.
    Organisation(OrgId),
    /// The decisions that authorised an act on an instrument or that a commitment towards it
    /// delivers, and the commitments towards it.
    Instrument(Key),
}

impl PublicRecord {
    /// Every theme of a public instrument's objectives, once each, sorted.
    pub fn themes(&self) -> Vec<&str> {
        let themes: BTreeSet<&str> =
            self.instruments.iter().flat_map(|i| i.themes.iter().map(String::as_str)).collect();
        themes.into_iter().collect()
    }

    /// The themes of a decision: those of the instruments it acted on, and of those the
    /// commitments on its trail work towards.
    fn themes_of(&self, r: &ResolutionEntry) -> BTreeSet<&str> {
        let acted_on = r.caused.iter().filter_map(|c| c.act.instrument());
        let delivered = r.commitments.iter().filter_map(|c| {
            self.actions.iter().find(|a| a.commitment == c.commitment).and_then(|a| a.instrument.as_ref())
        });
        acted_on
            .chain(delivered)
            .filter_map(|key| self.instruments.iter().find(|i| &i.instrument == key))
            .flat_map(|i| i.themes.iter().map(String::as_str))
            .collect()
    }

    /// Every organisation a public body names, as a parent or a member, by identifier.
    pub fn organisations(&self) -> Vec<(OrgId, String)> {
        let mut all: Vec<(OrgId, String)> =
            self.bodies.iter().flat_map(|b| b.organisations.iter().chain(&b.members).cloned()).collect();
        all.sort();
        all.dedup();
        all
    }

    /// The decisions `scope` holds, latest decided first.
    pub fn decisions(&self, scope: &Scope) -> Vec<&ResolutionEntry> {
        let mut found: Vec<&ResolutionEntry> = self
            .resolutions
            .iter()
            .filter(|r| match scope {
                Scope::All => true,
                Scope::Body(body) => r.body.as_ref() == Some(body),
                Scope::Organisation(org) => r.organisations.contains(org),
                Scope::Instrument(instrument) => {
                    r.caused.iter().any(|c| c.act.instrument() == Some(instrument))
                        || r.commitments.iter().any(|c| {
                            self.actions
                                .iter()
                                .any(|a| a.commitment == c.commitment && a.instrument.as_ref() == Some(instrument))
                        })
                }
            })
            .collect();
        found.sort_by(|a, b| b.decided_on.cmp(&a.decided_on).then_with(|| a.resolution.cmp(&b.resolution)));
        found
    }

    /// The commitments `scope` holds, by key.
    pub fn actions_of(&self, scope: &Scope) -> Vec<&PublicAction> {
        let mut found: Vec<&PublicAction> = self
            .actions
            .iter()
            .filter(|a| match scope {
                Scope::All => true,
                Scope::Body(body) => a.body.as_ref() == Some(body),
                Scope::Organisation(org) => a.organisation.as_ref() == Some(org),
                Scope::Instrument(instrument) => a.instrument.as_ref() == Some(instrument),
            })
            .collect();
        found.sort_by(|a, b| a.commitment.cmp(&b.commitment));
        found
    }
}
