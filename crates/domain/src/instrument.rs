//! The Instrument aggregate: a strategy, blueprint, memorandum of understanding, action plan,
//! ward plan or programme. Drafted with its owner body, period and parties; versions with the
//! content hash of each document; objectives or priorities tagged with themes; consultation;
//! endorsement by a body; adoption party by party, or for an MOU signature and withdrawal party
//! by party; delivery, review, refresh into a new version, supersession, expiry, withdrawal.
//! Every endorsement, adoption and signature cites the resolution that authorised it.

use kernel::StreamId;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::ids::{body_stream, instrument_stream, organisation_stream, resolution_stream};
use crate::resolution::{self, Act};
use crate::translation::{self, Field, Language, Translation, Translations};
use crate::values::{ContentHash, Date, Key, OrgId, Period, has_text};
use crate::when::Happened;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Strategy,
    Blueprint,
    Mou,
    ActionPlan,
    WardPlan,
    Programme,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Draft {
        id: Key,
        kind: Kind,
        title: String,
        owner_body: Key,
        /// The period it covers, when it has one; an MOU may run until withdrawn.
        period: Option<Period>,
        #[serde(default)]
        parties: Vec<OrgId>,
        /// The instrument this one builds on, as a blueprint builds on an MOU.
        builds_on: Option<Key>,
        #[serde(deserialize_with = "crate::values::strict_date")]
        drafted_on: Date,
    },
    PublishVersion {
        id: Key,
        label: String,
        content_hash: ContentHash,
        document: Option<String>,
        #[serde(deserialize_with = "crate::values::strict_date")]
        published_on: Date,
    },
    AddObjective {
        id: Key,
        objective: Key,
        title: String,
        #[serde(default)]
        themes: Vec<String>,
    },
    AddParty {
        id: Key,
        party: OrgId,
    },
    OpenConsultation {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        opens_on: Date,
        #[serde(deserialize_with = "crate::values::strict_date")]
        closes_on: Date,
    },
    CloseConsultation {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        closed_on: Date,
        summary: String,
    },
    Endorse {
        id: Key,
        body: Key,
        resolution: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        endorsed_on: Date,
        recommendation: Option<String>,
    },
    Adopt {
        id: Key,
        party: OrgId,
        resolution: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        adopted_on: Date,
    },
    Sign {
        id: Key,
        party: OrgId,
        resolution: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        signed_on: Date,
        signatory: String,
    },
    WithdrawParty {
        id: Key,
        party: OrgId,
        #[serde(deserialize_with = "crate::values::strict_date")]
        withdrawn_on: Date,
        reason: String,
        resolution: Option<Key>,
    },
    /// Passes a party's pending obligation (an adoption or signature not yet given) to the
    /// organisation that succeeded it; recorded by the succession itself.
    SucceedParty {
        id: Key,
        predecessor: OrgId,
        successor: OrgId,
        #[serde(deserialize_with = "crate::values::strict_date")]
        effective_on: Date,
    },
    StartDelivery {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        started_on: Date,
    },
    StartReview {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        started_on: Date,
        reason: String,
    },
    Refresh {
        id: Key,
        label: String,
        content_hash: ContentHash,
        resolution: Option<Key>,
        document: Option<String>,
        #[serde(deserialize_with = "crate::values::strict_date")]
        published_on: Date,
    },
    Supersede {
        id: Key,
        by_instrument: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        superseded_on: Date,
    },
    Expire {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        expired_on: Date,
    },
    Withdraw {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        withdrawn_on: Date,
        reason: String,
        resolution: Option<Key>,
    },
    /// Records the instrument's title, or an objective's (`objective`), in Welsh; a later
    /// translation replaces it.
    Translate {
        id: Key,
        field: Field,
        objective: Option<Key>,
        language: Language,
        text: String,
    },
}

crate::command_ids!(Key, instrument_stream:
    Draft, PublishVersion, AddObjective, AddParty, OpenConsultation, CloseConsultation, Endorse, Adopt, Sign,
    WithdrawParty, SucceedParty, StartDelivery, StartReview, Refresh, Supersede, Expire, Withdraw, Translate);

impl Command {
    /// The day the command says this happened, and the field that says so. Adding an objective
    /// or a party, and a translation, carry no date of their own.
    pub fn happened_on(&self) -> Option<Happened> {
        Some(match self {
            Command::Draft { drafted_on, .. } => Happened::new("drafted_on", *drafted_on),
            Command::PublishVersion { published_on, .. } | Command::Refresh { published_on, .. } => {
                Happened::new("published_on", *published_on)
            }
            Command::OpenConsultation { opens_on, .. } => Happened::new("opens_on", *opens_on),
            Command::CloseConsultation { closed_on, .. } => Happened::new("closed_on", *closed_on),
            Command::Endorse { endorsed_on, .. } => Happened::new("endorsed_on", *endorsed_on),
            Command::Adopt { adopted_on, .. } => Happened::new("adopted_on", *adopted_on),
            Command::Sign { signed_on, .. } => Happened::new("signed_on", *signed_on),
            Command::WithdrawParty { withdrawn_on, .. } | Command::Withdraw { withdrawn_on, .. } => {
                Happened::new("withdrawn_on", *withdrawn_on)
            }
            Command::StartDelivery { started_on, .. } | Command::StartReview { started_on, .. } => {
                Happened::new("started_on", *started_on)
            }
            Command::Supersede { superseded_on, .. } => Happened::new("superseded_on", *superseded_on),
            Command::Expire { expired_on, .. } => Happened::new("expired_on", *expired_on),
            Command::SucceedParty { effective_on, .. } => Happened::new("effective_on", *effective_on),
            Command::AddObjective { .. } | Command::AddParty { .. } | Command::Translate { .. } => return None,
        })
    }

    pub fn references(&self) -> Vec<StreamId> {
        match self {
            Command::Draft { owner_body, parties, builds_on, .. } => std::iter::once(body_stream(owner_body))
                .chain(parties.iter().map(organisation_stream))
                .chain(builds_on.iter().map(instrument_stream))
                .collect(),
            Command::AddParty { party, .. } => vec![organisation_stream(party)],
            Command::Endorse { resolution, .. } => vec![resolution_stream(resolution)],
            Command::Adopt { party, resolution, .. } | Command::Sign { party, resolution, .. } => {
                vec![organisation_stream(party), resolution_stream(resolution)]
            }
            Command::WithdrawParty { resolution, .. }
            | Command::Refresh { resolution, .. }
            | Command::Withdraw { resolution, .. } => resolution.iter().map(resolution_stream).collect(),
            Command::Supersede { by_instrument, .. } => vec![instrument_stream(by_instrument)],
            Command::SucceedParty { predecessor, successor, .. } => {
                vec![organisation_stream(predecessor), organisation_stream(successor)]
            }
            Command::Translate { .. }
            | Command::PublishVersion { .. }
            | Command::AddObjective { .. }
            | Command::OpenConsultation { .. }
            | Command::CloseConsultation { .. }
            | Command::StartDelivery { .. }
            | Command::StartReview { .. }
            | Command::Expire { .. } => Vec::new(),
        }
    }
}

crate::events! {
    pub enum Event {
        Drafted {
            id: Key,
            kind: Kind,
            title: String,
            owner_body: Key,
            period: Option<Period>,
            parties: Vec<OrgId>,
            builds_on: Option<Key>,
            drafted_on: Date,
        },
        VersionPublished {
            version: u32,
            label: String,
            content_hash: ContentHash,
            document: Option<String>,
            published_on: Date,
        },
        ObjectiveAdded {
            objective: Key,
            title: String,
            themes: Vec<String>,
        },
        PartyAdded {
            party: OrgId,
        },
        ConsultationOpened {
            opens_on: Date,
            closes_on: Date,
        },
        ConsultationClosed {
            closed_on: Date,
            summary: String,
        },
        Endorsed {
            body: Key,
            resolution: Key,
            endorsed_on: Date,
            recommendation: Option<String>,
        },
        Adopted {
            party: OrgId,
            resolution: Key,
            adopted_on: Date,
        },
        Signed {
            party: OrgId,
            resolution: Key,
            signed_on: Date,
            signatory: String,
        },
        PartyWithdrew {
            party: OrgId,
            withdrawn_on: Date,
            reason: String,
            resolution: Option<Key>,
        },
        PartySucceeded {
            predecessor: OrgId,
            successor: OrgId,
            effective_on: Date,
        },
        DeliveryStarted {
            started_on: Date,
        },
        ReviewStarted {
            started_on: Date,
            reason: String,
        },
        Refreshed {
            version: u32,
            label: String,
            content_hash: ContentHash,
            document: Option<String>,
            published_on: Date,
            resolution: Option<Key>,
        },
        Superseded {
            by_instrument: Key,
            superseded_on: Date,
        },
        Expired {
            expired_on: Date,
        },
        Withdrawn {
            withdrawn_on: Date,
            reason: String,
            resolution: Option<Key>,
        },
        Translated { field: Field, objective: Option<Key>, language: Language, text: String },
    }
}

crate::status! {
    /// Where an instrument is in its lifecycle.
    pub enum Status {
        Draft,
        Consultation,
        Endorsed,
        Adopted,
        InDelivery,
        UnderReview,
        Superseded,
        Expired,
        Withdrawn,
    }
}

impl Status {
    /// Superseded, expired or withdrawn: nothing more can happen to it.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Superseded | Status::Expired | Status::Withdrawn)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub number: u32,
    pub label: String,
    pub content_hash: ContentHash,
    pub document: Option<String>,
    pub published_on: Date,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    pub key: Key,
    pub title: String,
    pub themes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endorsement {
    pub body: Key,
    pub resolution: Key,
    pub endorsed_on: Date,
    pub recommendation: Option<String>,
}

/// A resolution and the date of the act it authorised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authority {
    pub resolution: Key,
    pub on: Date,
}

/// One party's standing: adopted, signed, withdrawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub id: OrgId,
    pub adopted: Option<Authority>,
    pub signed: Option<Authority>,
    pub withdrawn_on: Option<Date>,
    /// The organisation whose pending obligation this party took over on its succession.
    #[serde(default)]
    pub successor_to: Option<OrgId>,
}

impl Party {
    /// Still to adopt or sign, and not withdrawn: an obligation that passes to a successor.
    pub fn is_pending(&self) -> bool {
        self.adopted.is_none() && self.signed.is_none() && self.withdrawn_on.is_none()
    }

    pub fn has_adopted(&self) -> bool {
        self.adopted.is_some() && self.withdrawn_on.is_none()
    }

    pub fn has_signed(&self) -> bool {
        self.signed.is_some() && self.withdrawn_on.is_none()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Option<Key>,
    pub kind: Option<Kind>,
    pub title: String,
    pub owner_body: Option<Key>,
    pub period: Option<Period>,
    pub builds_on: Option<Key>,
    pub status: Status,
    pub parties: Vec<Party>,
    pub versions: Vec<Version>,
    pub objectives: Vec<Objective>,
    pub consultation: Option<Period>,
    pub endorsements: Vec<Endorsement>,
    pub superseded_by: Option<Key>,
    pub closed_on: Option<Date>,
    /// Its title and its objectives' titles (by objective) in Welsh.
    #[serde(default)]
    pub welsh: Translations,
}

impl State {
    pub fn party(&self, id: &OrgId) -> Option<&Party> {
        self.parties.iter().find(|p| &p.id == id)
    }

    pub fn objective(&self, key: &Key) -> Option<&Objective> {
        self.objectives.iter().find(|o| &o.key == key)
    }

    pub fn current_version(&self) -> Option<&Version> {
        self.versions.last()
    }
}

crate::errors! {
    #[derive(Clone, Debug, PartialEq, thiserror::Error)]
    pub enum Error {
        #[error("instrument {0} is already drafted: choose another key for a new instrument")]
        AlreadyDrafted(Key),
        #[error("instrument {0} is not drafted: draft it first")]
        NotDrafted(Key),
        #[error("body {0} is not established: establish the owner body first")]
        UnknownBody(Key),
        #[error("organisation {0} is not registered or no longer active: register it, or name its successor")]
        UnknownOrganisation(OrgId),
        #[error("instrument {0} does not exist: draft it first")]
        UnknownInstrument(Key),
        #[error("{0} is empty: give it as the document words it")]
        Empty(&'static str),
        #[error(
            "instrument is {}: nothing more can be recorded against a superseded, expired or withdrawn instrument",
            crate::values::in_words(.0)
        )]
        Closed(Status),
        #[error("instrument is {state}, which does not allow this: {}", .1, state = crate::values::in_words(.0))]
        WrongStage(Status, &'static str),
        #[error("instrument has no published version: publish the document's version with its content hash first")]
        NoVersion,
        #[error("objective {0} already exists: give each objective its own key")]
        DuplicateObjective(Key),
        #[error("organisation {0} is already a party: nothing to add")]
        AlreadyParty(OrgId),
        #[error("organisation {0} is not a party: add it as a party first")]
        NotParty(OrgId),
        #[error(
            "organisation {0} has already adopted, signed or withdrawn: its act stands as recorded, and only an obligation still pending passes to a successor"
        )]
        ObligationSettled(OrgId),
        #[error("organisation {to} is not the recorded successor of {from}: record the succession on {from} first")]
        NotSuccessor { from: OrgId, to: OrgId },
        #[error("instrument was never endorsed: record the endorsement by a body before any adoption or signature")]
        NeverEndorsed,
        #[error("body {0} has already endorsed this instrument: nothing to add")]
        AlreadyEndorsed(Key),
        #[error("organisation {0} has already adopted this instrument: nothing to add")]
        AlreadyAdopted(OrgId),
        #[error("organisation {0} has already signed this memorandum: a party cannot sign twice")]
        AlreadySigned(OrgId),
        #[error("organisation {0} has not signed this memorandum: a party can only withdraw after signing")]
        NotSigned(OrgId),
        #[error("organisation {0} has not adopted this instrument: a party can only withdraw after adopting")]
        NotAdopted(OrgId),
        #[error("only a memorandum of understanding is signed: adopt this instrument instead")]
        NotAnMou,
        #[error("a memorandum of understanding is signed, not adopted: record each party's signature instead")]
        MouIsSigned,
        #[error("resolution {0} is not recorded: record the resolution that authorised this first")]
        UnknownResolution(Key),
        #[error(
            "resolution {resolution} is {}, not in force: cite a resolution that is in force",
            crate::values::in_words(.status)
        )]
        ResolutionNotInForce { resolution: Key, status: resolution::Status },
        #[error(
            "resolution {resolution} records the outcome '{}', which does not authorise {}: cite the resolution that did",
            crate::values::in_words(.outcome),
            .act.with_article()
        )]
        OutcomeMismatch { resolution: Key, outcome: resolution::Outcome, act: Act },
        #[error(
            "resolution {resolution} was made by body {made_by}, not {expected}: cite the resolution of the body named"
        )]
        ResolutionOfOtherBody { resolution: Key, made_by: Key, expected: Key },
        #[error("resolution {resolution} was not made by a body of {party}: cite {party}'s own resolution")]
        ResolutionOfOtherParty { resolution: Key, party: OrgId },
        #[error("resolution {resolution} was decided on {decided_on}, after {on}: an act cannot rest on a later decision")]
        ResolutionAfterAct { resolution: Key, decided_on: Date, on: Date },
        #[error("{what} on {date} is before {before}: check the dates")]
        OutOfOrder { what: &'static str, date: Date, before: Date },
        #[error("{what} on {date} is before the endorsement on {endorsed_on}: an instrument is {what_done} only once endorsed; check the dates", what_done = if *.what == "adoption" { "adopted" } else { "signed" })]
        BeforeEndorsement { what: &'static str, date: Date, endorsed_on: Date },
        #[error("instrument cannot be superseded by itself: name the instrument that replaces it")]
        SupersededBySelf,
    }
    in_future: "{0}: record it on or after the day it happens",
}

/// The fields of an instrument, and of each of its objectives, that may be translated.
pub const TRANSLATED: &[Field] = &[Field::Title];

/// Checks that `resolution` exists, is in force, was decided by `on`, and authorises `act`.
fn authority<'c>(ctx: &'c Context, resolution: &Key, act: Act, on: Date) -> Result<&'c resolution::State, Error> {
    let r = ctx
        .facts
        .resolutions
        .get(resolution)
        .filter(|r| r.exists())
        .ok_or_else(|| Error::UnknownResolution(resolution.clone()))?;
    if !r.is_in_force() {
        return Err(Error::ResolutionNotInForce { resolution: resolution.clone(), status: r.status });
    }
    if let Some(outcome) = r.outcome.filter(|o| !o.authorises(act)) {
        return Err(Error::OutcomeMismatch { resolution: resolution.clone(), outcome, act });
    }
    if let Some(decided_on) = r.decided_on.filter(|d| *d > on) {
        return Err(Error::ResolutionAfterAct { resolution: resolution.clone(), decided_on, on });
    }
    Ok(r)
}

/// The party `party` of an instrument endorsed at least once: who may adopt or sign it.
fn endorsed_party<'s>(state: &'s State, party: &OrgId) -> Result<&'s Party, Error> {
    if state.endorsements.is_empty() {
        return Err(Error::NeverEndorsed);
    }
    state.party(party).ok_or_else(|| Error::NotParty(party.clone()))
}

/// Checks that an adoption or signature on `date` comes no earlier than the instrument's first
/// endorsement.
fn after_endorsement(state: &State, what: &'static str, date: Date) -> Result<(), Error> {
    match state.endorsements.iter().map(|e| e.endorsed_on).min() {
        Some(endorsed_on) if date < endorsed_on => Err(Error::BeforeEndorsement { what, date, endorsed_on }),
        _ => Ok(()),
    }
}

/// Checks that a party's own resolution authorised its act.
fn party_authority(ctx: &Context, party: &OrgId, resolution: &Key, act: Act, on: Date) -> Result<(), Error> {
    let r = authority(ctx, resolution, act, on)?;
    if r.organisations.contains(party) {
        Ok(())
    } else {
        Err(Error::ResolutionOfOtherParty { resolution: resolution.clone(), party: party.clone() })
    }
}

pub fn decide(state: &State, command: &Command, ctx: &Context) -> Result<Vec<Event>, Error> {
    let active_org = |org: &OrgId| {
        if ctx.facts.organisations.get(org).is_some_and(|o| o.is_active()) {
            Ok(())
        } else {
            Err(Error::UnknownOrganisation(org.clone()))
        }
    };
    if let Command::Draft { id, kind, title, owner_body, period, parties, builds_on, drafted_on } = command {
        if state.id.is_some() {
            return Err(Error::AlreadyDrafted(id.clone()));
        }
        if !has_text(title) {
            return Err(Error::Empty("instrument title"));
        }
        if !ctx.facts.bodies.get(owner_body).is_some_and(|b| b.is_active()) {
            return Err(Error::UnknownBody(owner_body.clone()));
        }
        parties.iter().try_for_each(active_org)?;
        if let Some(base) = builds_on {
            if ctx.facts.instruments.get(base).is_none_or(|i| i.id.is_none()) {
                return Err(Error::UnknownInstrument(base.clone()));
            }
        }
        ctx.not_future("drafting", *drafted_on)?;
        let mut unique: Vec<OrgId> = Vec::new();
        for p in parties {
            if !unique.contains(p) {
                unique.push(p.clone());
            }
        }
        return Ok(vec![Event::Drafted {
            id: id.clone(),
            kind: *kind,
            title: title.clone(),
            owner_body: owner_body.clone(),
            period: period.clone(),
            parties: unique,
            builds_on: builds_on.clone(),
            drafted_on: *drafted_on,
        }]);
    }
    if state.id.is_none() {
        return Err(Error::NotDrafted(command.id().clone()));
    }
    // A closed instrument's title is still on the record of what was decided about it.
    if let Command::Translate { field, objective, language, text, .. } = command {
        translation::check("instrument", TRANSLATED, *field, text)?;
        if let Some(part) = objective.as_ref().filter(|o| state.objective(o).is_none()) {
            let (what, part, field) = ("objective", part.to_string(), *field);
            return Err(translation::Error::NoSuchPart { record: "instrument", what, part, field }.into());
        }
        let objective = objective.clone();
        return Ok(vec![Event::Translated { field: *field, objective, language: *language, text: text.clone() }]);
    }
    if state.status.is_closed() {
        return Err(Error::Closed(state.status));
    }
    let kind = state.kind.unwrap_or(Kind::Strategy);
    match command {
        Command::Draft { .. } | Command::Translate { .. } => Ok(Vec::new()),
        Command::PublishVersion { label, content_hash, document, published_on, .. } => {
            if !matches!(state.status, Status::Draft | Status::Consultation) {
                return Err(Error::WrongStage(
                    state.status,
                    "once endorsed, a new version comes from a review and refresh",
                ));
            }
            if !has_text(label) {
                return Err(Error::Empty("version label"));
            }
            ctx.not_future("publication", *published_on)?;
            Ok(vec![Event::VersionPublished {
                version: next_version(state),
                label: label.clone(),
                content_hash: content_hash.clone(),
                document: document.clone(),
                published_on: *published_on,
            }])
        }
        Command::AddObjective { objective, title, themes, .. } => {
            if state.objective(objective).is_some() {
                return Err(Error::DuplicateObjective(objective.clone()));
            }
            if !has_text(title) {
                return Err(Error::Empty("objective title"));
            }
            let themes = themes.iter().filter(|t| has_text(t)).map(|t| t.trim().to_owned()).collect();
            Ok(vec![Event::ObjectiveAdded { objective: objective.clone(), title: title.clone(), themes }])
        }
        Command::AddParty { party, .. } => {
            if state.party(party).is_some() {
                return Err(Error::AlreadyParty(party.clone()));
            }
            active_org(party)?;
            Ok(vec![Event::PartyAdded { party: party.clone() }])
        }
        Command::OpenConsultation { opens_on, closes_on, .. } => {
            if state.status != Status::Draft {
                return Err(Error::WrongStage(state.status, "consultation opens on a draft"));
            }
            if state.versions.is_empty() {
                return Err(Error::NoVersion);
            }
            if closes_on < opens_on {
                return Err(Error::OutOfOrder { what: "consultation close", date: *closes_on, before: *opens_on });
            }
            ctx.not_future("consultation opening", *opens_on)?;
            Ok(vec![Event::ConsultationOpened { opens_on: *opens_on, closes_on: *closes_on }])
        }
        Command::CloseConsultation { closed_on, summary, .. } => {
            let Some(consultation) = state.consultation.as_ref().filter(|_| state.status == Status::Consultation)
            else {
                return Err(Error::WrongStage(state.status, "only an open consultation can close"));
            };
            if *closed_on < consultation.from {
                return Err(Error::OutOfOrder {
                    what: "consultation close",
                    date: *closed_on,
                    before: consultation.from,
                });
            }
            ctx.not_future("consultation close", *closed_on)?;
            Ok(vec![Event::ConsultationClosed { closed_on: *closed_on, summary: summary.clone() }])
        }
        Command::Endorse { body, resolution, endorsed_on, recommendation, .. } => {
            if state.status == Status::Consultation {
                return Err(Error::WrongStage(state.status, "close the consultation before endorsement"));
            }
            if state.versions.is_empty() {
                return Err(Error::NoVersion);
            }
            if state.endorsements.iter().any(|e| &e.body == body) {
                return Err(Error::AlreadyEndorsed(body.clone()));
            }
            ctx.not_future("endorsement", *endorsed_on)?;
            let r = authority(ctx, resolution, Act::Endorsement, *endorsed_on)?;
            if r.body.as_ref() != Some(body) {
                return Err(Error::ResolutionOfOtherBody {
                    resolution: resolution.clone(),
                    made_by: r.body.clone().unwrap_or_else(|| body.clone()),
                    expected: body.clone(),
                });
            }
            Ok(vec![Event::Endorsed {
                body: body.clone(),
                resolution: resolution.clone(),
                endorsed_on: *endorsed_on,
                recommendation: recommendation.clone(),
            }])
        }
        Command::Adopt { party, resolution, adopted_on, .. } => {
            if kind == Kind::Mou {
                return Err(Error::MouIsSigned);
            }
            let standing = endorsed_party(state, party)?;
            if standing.has_adopted() {
                return Err(Error::AlreadyAdopted(party.clone()));
            }
            active_org(party)?;
            ctx.not_future("adoption", *adopted_on)?;
            after_endorsement(state, "adoption", *adopted_on)?;
            party_authority(ctx, party, resolution, Act::Adoption, *adopted_on)?;
            Ok(vec![Event::Adopted { party: party.clone(), resolution: resolution.clone(), adopted_on: *adopted_on }])
        }
        Command::Sign { party, resolution, signed_on, signatory, .. } => {
            if kind != Kind::Mou {
                return Err(Error::NotAnMou);
            }
            let standing = endorsed_party(state, party)?;
            if standing.has_signed() {
                return Err(Error::AlreadySigned(party.clone()));
            }
            if !has_text(signatory) {
                return Err(Error::Empty("signatory"));
            }
            active_org(party)?;
            ctx.not_future("signature", *signed_on)?;
            after_endorsement(state, "signature", *signed_on)?;
            party_authority(ctx, party, resolution, Act::Signature, *signed_on)?;
            Ok(vec![Event::Signed {
                party: party.clone(),
                resolution: resolution.clone(),
                signed_on: *signed_on,
                signatory: signatory.clone(),
            }])
        }
        Command::WithdrawParty { party, withdrawn_on, reason, resolution, .. } => {
            let standing = state.party(party).ok_or_else(|| Error::NotParty(party.clone()))?;
            if kind == Kind::Mou && !standing.has_signed() {
                return Err(Error::NotSigned(party.clone()));
            }
            if kind != Kind::Mou && !standing.has_adopted() {
                return Err(Error::NotAdopted(party.clone()));
            }
            if !has_text(reason) {
                return Err(Error::Empty("withdrawal reason"));
            }
            ctx.not_future("withdrawal", *withdrawn_on)?;
            if let Some(r) = resolution {
                party_authority(ctx, party, r, Act::Withdrawal, *withdrawn_on)?;
            }
            Ok(vec![Event::PartyWithdrew {
                party: party.clone(),
                withdrawn_on: *withdrawn_on,
                reason: reason.clone(),
                resolution: resolution.clone(),
            }])
        }
        Command::SucceedParty { predecessor, successor, effective_on, .. } => {
            let standing = state.party(predecessor).ok_or_else(|| Error::NotParty(predecessor.clone()))?;
            if !standing.is_pending() {
                return Err(Error::ObligationSettled(predecessor.clone()));
            }
            if ctx.facts.organisations.get(predecessor).and_then(|o| o.successor.as_ref()) != Some(successor) {
                return Err(Error::NotSuccessor { from: predecessor.clone(), to: successor.clone() });
            }
            Ok(vec![Event::PartySucceeded {
                predecessor: predecessor.clone(),
                successor: successor.clone(),
                effective_on: *effective_on,
            }])
        }
        Command::StartDelivery { started_on, .. } => {
            // A ward plan is the ward's own, published by the council, not endorsed by a board:
            // it is delivered once a version of it is published.
            let published_ward_plan =
                state.kind == Some(Kind::WardPlan) && state.status == Status::Draft && !state.versions.is_empty();
            if !published_ward_plan && !matches!(state.status, Status::Endorsed | Status::Adopted) {
                return Err(Error::WrongStage(
                    state.status,
                    "delivery starts once the instrument is endorsed (a ward plan, once a version of it is published)",
                ));
            }
            if let Some(version) =
                state.current_version().filter(|v| published_ward_plan && *started_on < v.published_on)
            {
                return Err(Error::OutOfOrder {
                    what: "delivery start of a ward plan",
                    date: *started_on,
                    before: version.published_on,
                });
            }
            ctx.not_future("delivery start", *started_on)?;
            Ok(vec![Event::DeliveryStarted { started_on: *started_on }])
        }
        Command::StartReview { started_on, reason, .. } => {
            if !matches!(state.status, Status::Endorsed | Status::Adopted | Status::InDelivery) {
                return Err(Error::WrongStage(state.status, "a review starts once the instrument is endorsed"));
            }
            if !has_text(reason) {
                return Err(Error::Empty("review reason"));
            }
            ctx.not_future("review start", *started_on)?;
            Ok(vec![Event::ReviewStarted { started_on: *started_on, reason: reason.clone() }])
        }
        Command::Refresh { label, content_hash, document, published_on, resolution, .. } => {
            if state.status != Status::UnderReview {
                return Err(Error::WrongStage(state.status, "start a review before refreshing"));
            }
            if !has_text(label) {
                return Err(Error::Empty("version label"));
            }
            ctx.not_future("refresh", *published_on)?;
            if let Some(r) = resolution {
                authority(ctx, r, Act::Decision, *published_on)?;
            }
            Ok(vec![Event::Refreshed {
                version: next_version(state),
                label: label.clone(),
                content_hash: content_hash.clone(),
                resolution: resolution.clone(),
                document: document.clone(),
                published_on: *published_on,
            }])
        }
        Command::Supersede { by_instrument, superseded_on, .. } => {
            if Some(by_instrument) == state.id.as_ref() {
                return Err(Error::SupersededBySelf);
            }
            if !ctx.facts.instruments.get(by_instrument).is_some_and(|i| i.id.is_some() && !i.status.is_closed()) {
                return Err(Error::UnknownInstrument(by_instrument.clone()));
            }
            ctx.not_future("supersession", *superseded_on)?;
            Ok(vec![Event::Superseded { by_instrument: by_instrument.clone(), superseded_on: *superseded_on }])
        }
        Command::Expire { expired_on, .. } => {
            let Some(period) = &state.period else {
                return Err(Error::WrongStage(
                    state.status,
                    "an instrument without a period does not expire; withdraw it",
                ));
            };
            if *expired_on <= period.to {
                return Err(Error::OutOfOrder { what: "expiry", date: *expired_on, before: period.to });
            }
            ctx.not_future("expiry", *expired_on)?;
            Ok(vec![Event::Expired { expired_on: *expired_on }])
        }
        Command::Withdraw { withdrawn_on, reason, resolution, .. } => {
            if !has_text(reason) {
                return Err(Error::Empty("withdrawal reason"));
            }
            ctx.not_future("withdrawal", *withdrawn_on)?;
            if let Some(r) = resolution {
                authority(ctx, r, Act::Withdrawal, *withdrawn_on)?;
            }
            Ok(vec![Event::Withdrawn {
                withdrawn_on: *withdrawn_on,
                reason: reason.clone(),
                resolution: resolution.clone(),
            }])
        }
    }
}

/// The commands that pass each pending party obligation of `predecessor` to `successor`: what a
/// succession causes on the instruments still open. `instruments` are the states the caller holds.
pub fn succession_changes<'a>(
    predecessor: &OrgId,
    successor: &OrgId,
    effective_on: Date,
    instruments: impl IntoIterator<Item = &'a State>,
) -> Vec<Command> {
    instruments
        .into_iter()
        .filter(|i| !i.status.is_closed() && i.party(predecessor).is_some_and(Party::is_pending))
        .filter_map(|i| i.id.clone())
        .map(|id| Command::SucceedParty {
            id,
            predecessor: predecessor.clone(),
            successor: successor.clone(),
            effective_on,
        })
        .collect()
}

fn next_version(state: &State) -> u32 {
    u32::try_from(state.versions.len()).map_or(u32::MAX, |n| n.saturating_add(1))
}

fn party_mut<'s>(state: &'s mut State, id: &OrgId) -> &'s mut Party {
    if let Some(i) = state.parties.iter().position(|p| &p.id == id) {
        &mut state.parties[i]
    } else {
        state.parties.push(Party {
            id: id.clone(),
            adopted: None,
            signed: None,
            withdrawn_on: None,
            successor_to: None,
        });
        let last = state.parties.len() - 1;
        &mut state.parties[last]
    }
}

pub fn evolve(mut state: State, event: &Event) -> State {
    match event {
        Event::Drafted { id, kind, title, owner_body, period, parties, builds_on, .. } => {
            state.id = Some(id.clone());
            state.kind = Some(*kind);
            state.title = title.clone();
            state.owner_body = Some(owner_body.clone());
            state.period = period.clone();
            state.builds_on = builds_on.clone();
            state.status = Status::Draft;
            for p in parties {
                party_mut(&mut state, p);
            }
        }
        Event::VersionPublished { version, label, content_hash, document, published_on }
        | Event::Refreshed { version, label, content_hash, document, published_on, .. } => {
            state.versions.push(Version {
                number: *version,
                label: label.clone(),
                content_hash: content_hash.clone(),
                document: document.clone(),
                published_on: *published_on,
            });
            if matches!(event, Event::Refreshed { .. }) {
                state.status = Status::InDelivery;
            }
        }
        Event::ObjectiveAdded { objective, title, themes } => {
            state.objectives.push(Objective { key: objective.clone(), title: title.clone(), themes: themes.clone() })
        }
        Event::PartyAdded { party } => {
            party_mut(&mut state, party);
        }
        Event::ConsultationOpened { opens_on, closes_on } => {
            state.consultation = Some(Period { from: *opens_on, to: *closes_on });
            state.status = Status::Consultation;
        }
        Event::ConsultationClosed { closed_on, .. } => {
            if let Some(c) = state.consultation.as_mut() {
                c.to = *closed_on;
            }
            state.status = Status::Draft;
        }
        Event::Endorsed { body, resolution, endorsed_on, recommendation } => {
            state.endorsements.push(Endorsement {
                body: body.clone(),
                resolution: resolution.clone(),
                endorsed_on: *endorsed_on,
                recommendation: recommendation.clone(),
            });
            if matches!(state.status, Status::Draft | Status::Consultation) {
                state.status = Status::Endorsed;
            }
        }
        Event::Adopted { party, resolution, adopted_on }
        | Event::Signed { party, resolution, signed_on: adopted_on, .. } => {
            let authority = Authority { resolution: resolution.clone(), on: *adopted_on };
            let standing = party_mut(&mut state, party);
            standing.withdrawn_on = None;
            if matches!(event, Event::Adopted { .. }) {
                standing.adopted = Some(authority);
            } else {
                standing.signed = Some(authority);
            }
            if state.status == Status::Endorsed {
                state.status = Status::Adopted;
            }
        }
        Event::PartyWithdrew { party, withdrawn_on, .. } => {
            party_mut(&mut state, party).withdrawn_on = Some(*withdrawn_on)
        }
        Event::PartySucceeded { predecessor, successor, .. } => {
            if let Some(at) = state.parties.iter().position(|p| &p.id == predecessor) {
                if let Some(held) = state.parties.iter_mut().find(|p| &p.id == successor) {
                    held.successor_to.get_or_insert_with(|| predecessor.clone());
                    state.parties.remove(at);
                } else {
                    let party = &mut state.parties[at];
                    party.id = successor.clone();
                    party.successor_to = Some(predecessor.clone());
                }
            }
        }
        Event::DeliveryStarted { .. } => state.status = Status::InDelivery,
        Event::ReviewStarted { .. } => state.status = Status::UnderReview,
        Event::Superseded { by_instrument, superseded_on } => {
            state.status = Status::Superseded;
            state.superseded_by = Some(by_instrument.clone());
            state.closed_on = Some(*superseded_on);
        }
        Event::Expired { expired_on } => {
            state.status = Status::Expired;
            state.closed_on = Some(*expired_on);
        }
        Event::Withdrawn { withdrawn_on, .. } => {
            state.status = Status::Withdrawn;
            state.closed_on = Some(*withdrawn_on);
        }
        Event::Translated { field, objective, language, text } => state.welsh.set(Translation {
            field: *field,
            part: objective.as_ref().map(Key::to_string),
            language: *language,
            text: text.clone(),
        }),
    }
    state
}
