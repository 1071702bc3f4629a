//! A short summary in words of every event the domain knows, for the audit trail: what happened,
//! to what, when, and on whose authority, in a line of at most [`LIMIT`] characters. Named by
//! [`Naming`]: with the read models, organisations and bodies by name, instruments by title,
//! resolutions as board papers cite them ("body, minute 45") and meetings by title; without, by
//! the keys and organisation ids the events give. The entry's stream keeps the key either way,
//! so that an auditor can follow each one.

use domain::translation::{Field, Language};
use domain::{Event, Key, OrgId, body, commitment, indicator, instrument, meeting, organisation, resolution};

use crate::ReadModels;
use crate::words::{clip, word};

/// The longest summary, in characters.
pub(crate) const LIMIT: usize = 160;

/// How a summary names what an event refers to: by the names the read models hold, or, without
/// them, by key.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Naming<'a>(pub Option<&'a ReadModels>);

impl Naming<'_> {
    fn organisation(self, id: &OrgId) -> String {
        self.0.map_or_else(|| id.to_string(), |m| m.names.organisation(id))
    }

    fn body(self, key: &Key) -> String {
        self.0.map_or_else(|| key.to_string(), |m| m.names.body(key))
    }

    fn instrument(self, key: &Key) -> String {
        self.0.map_or_else(|| key.to_string(), |m| m.portfolio.instrument_title(key))
    }

    fn resolution(self, key: &Key) -> String {
        self.0.map_or_else(|| key.to_string(), |m| m.register.cite(&m.names, key))
    }

    fn meeting(self, key: &Key) -> String {
        self.0.and_then(|m| m.meeting(key)).map_or_else(|| key.to_string(), |meeting| meeting.title.clone())
    }
}

/// The event in words, named by `n`.
pub(crate) fn summary(event: &Event, n: Naming<'_>) -> String {
    let text = match event {
        Event::Organisation(e) => organisation_summary(e, n),
        Event::Body(e) => body_summary(e, n),
        Event::Meeting(e) => meeting_summary(e, n),
        Event::Resolution(e) => resolution_summary(e, n),
        Event::Instrument(e) => instrument_summary(e, n),
        Event::Commitment(e) => commitment_summary(e, n),
        Event::Indicator(e) => indicator_summary(e, n),
    };
    clip(&text, LIMIT)
}

fn organisation_summary(e: &organisation::Event, n: Naming<'_>) -> String {
    use organisation::Event as E;
    match e {
        E::Registered { id, name, kind, .. } => format!("registered {name} ({id}) as {}", word(kind)),
        E::Renamed { name, previous_name, effective_on } => {
            format!("renamed from {previous_name} to {name} from {effective_on}")
        }
        E::Succeeded { successor, effective_on } => {
            format!("succeeded by {} from {effective_on}", n.organisation(successor))
        }
        E::Dissolved { effective_on } => format!("dissolved on {effective_on}"),
        E::ContactNamed { name, email } => format!("named {name} <{email}> as the contact for reminders"),
        E::RemindersOptedOut {} => "opted out of reminders".to_owned(),
        E::RemindersOptedIn {} => "opted in to reminders again".to_owned(),
        E::Translated { field, language, text } => translated(*field, None, *language, text),
        E::Reminded { period, to, actions } => {
            format!(
                "reminded {to} of {} action{} for {period}",
                actions.len(),
                if actions.len() == 1 { "" } else { "s" }
            )
        }
    }
}

fn body_summary(e: &body::Event, n: Naming<'_>) -> String {
    use body::Event as E;
    match e {
        E::Established { name, kind, parents, established_on, .. } => {
            let parents: Vec<String> = parents.iter().map(|o| n.organisation(o)).collect();
            format!("established {name} ({}) of {} on {established_on}", word(kind), parents.join(", "))
        }
        E::MemberJoined { organisation, joined_on } => {
            format!("{} joined on {joined_on}", n.organisation(organisation))
        }
        E::MemberLeft { organisation, left_on } => format!("{} left on {left_on}", n.organisation(organisation)),
        E::Abolished { abolished_on } => format!("abolished on {abolished_on}"),
        E::Translated { field, language, text } => translated(*field, None, *language, text),
    }
}

fn meeting_summary(e: &meeting::Event, n: Naming<'_>) -> String {
    use meeting::Event as E;
    match e {
        E::Scheduled { body, date, title, .. } => format!("{title} of {} scheduled for {date}", n.body(body)),
        E::AgendaItemAdded { item, title, minute_number } => match minute_number {
            Some(m) => format!("agenda item {item} (minute {m}): {title}"),
            None => format!("agenda item {item}: {title}"),
        },
        E::Held { held_on } => format!("held on {held_on}"),
        E::Cancelled { reason } => format!("cancelled: {reason}"),
        E::MinutesPublished { published_on } => format!("minutes published on {published_on}"),
        E::Translated { field, item, language, text } => {
            translated(*field, item.as_deref().map(|i| ("agenda item", i)), *language, text)
        }
        E::MinutesConfirmed { at_meeting, confirmed_on, .. } => {
            format!("minutes confirmed as a correct record at {} on {confirmed_on}", n.meeting(at_meeting))
        }
    }
}

fn resolution_summary(e: &resolution::Event, n: Naming<'_>) -> String {
    use resolution::Event as E;
    match e {
        E::Recorded { body, meeting, agenda_item, minute_number, outcome, decided_on, .. } => {
            let minute =
                minute_number.as_ref().map_or_else(|| format!("item {agenda_item}"), |m| format!("minute {m}"));
            format!("{} by {} at {}, {minute}, on {decided_on}", word(outcome), n.body(body), n.meeting(meeting))
        }
        E::Published { published_on } => format!("published on {published_on}"),
        E::CalledIn { called_in_on, by, reason } => format!("called in by {by} on {called_in_on}: {reason}"),
        E::CallInRejected { decided_on, reason } => format!("call-in rejected on {decided_on}: {reason}"),
        E::ReferredBack { decided_on, reason } => format!("referred back on {decided_on}: {reason}"),
        E::Corrected { reason, .. } => format!("wording corrected: {reason}"),
        E::Translated { field, language, text } => translated(*field, None, *language, text),
        E::Rescinded { by_resolution, on } => format!("rescinded by {} on {on}", n.resolution(by_resolution)),
        E::Superseded { by_resolution, on } => format!("superseded by {} on {on}", n.resolution(by_resolution)),
    }
}

fn instrument_summary(e: &instrument::Event, n: Naming<'_>) -> String {
    use instrument::Event as E;
    match e {
        E::Drafted { kind, title, owner_body, drafted_on, .. } => {
            format!("{} \"{title}\" drafted for {} on {drafted_on}", word(kind), n.body(owner_body))
        }
        E::VersionPublished { version, label, published_on, .. } => {
            format!("version {version} ({label}) published on {published_on}")
        }
        E::ObjectiveAdded { objective, title, .. } => format!("objective {objective} added: {title}"),
        E::PartyAdded { party } => format!("{} added as a party", n.organisation(party)),
        E::PartySucceeded { predecessor, successor, effective_on } => format!(
            "{}'s pending obligation as a party passed to its successor {} on {effective_on}",
            n.organisation(predecessor),
            n.organisation(successor)
        ),
        E::ConsultationOpened { opens_on, closes_on } => format!("consultation open from {opens_on} to {closes_on}"),
        E::ConsultationClosed { closed_on, .. } => format!("consultation closed on {closed_on}"),
        E::Endorsed { body, resolution, endorsed_on, .. } => {
            format!("endorsed by {} on {endorsed_on} under resolution {}", n.body(body), n.resolution(resolution))
        }
        E::Adopted { party, resolution, adopted_on } => format!(
            "adopted by {} on {adopted_on} under resolution {}",
            n.organisation(party),
            n.resolution(resolution)
        ),
        E::Signed { party, resolution, signed_on, .. } => {
            format!("signed by {} on {signed_on} under resolution {}", n.organisation(party), n.resolution(resolution))
        }
        E::PartyWithdrew { party, withdrawn_on, reason, .. } => {
            format!("{} withdrew on {withdrawn_on}: {reason}", n.organisation(party))
        }
        E::DeliveryStarted { started_on } => format!("delivery started on {started_on}"),
        E::ReviewStarted { started_on, reason } => format!("review started on {started_on}: {reason}"),
        E::Refreshed { version, label, published_on, .. } => {
            format!("refreshed as version {version} ({label}) on {published_on}")
        }
        E::Superseded { by_instrument, superseded_on } => {
            format!("superseded by {} on {superseded_on}", n.instrument(by_instrument))
        }
        E::Expired { expired_on } => format!("expired on {expired_on}"),
        E::Translated { field, objective, language, text } => {
            translated(*field, objective.as_ref().map(|o| ("objective", o.as_str())), *language, text)
        }
        E::Withdrawn { withdrawn_on, reason, .. } => format!("withdrawn on {withdrawn_on}: {reason}"),
    }
}

fn commitment_summary(e: &commitment::Event, n: Naming<'_>) -> String {
    use commitment::Event as E;
    match e {
        E::Made { title, organisation, due_on, .. } => {
            format!("\"{title}\" committed by {}, due {due_on}", n.organisation(organisation))
        }
        E::MilestoneAdded { milestone, due_on, .. } => format!("milestone {milestone} due {due_on}"),
        E::MilestoneReached { milestone, reached_on } => format!("milestone {milestone} reached on {reached_on}"),
        E::Rescheduled { previous_due_on, due_on, reason } => {
            format!("due date moved from {previous_due_on} to {due_on}: {reason}")
        }
        E::ProgressReported { status, percent_complete, period, reported_on, .. } => format!(
            "progress for {}: {} and {percent_complete}% complete, reported on {reported_on}",
            period.label,
            crate::words::rag(Some(*status))
        ),
        E::Completed { completed_on, .. } => format!("completed on {completed_on}"),
        E::Deferred { deferred_on, until, reason } => match until {
            Some(until) => format!("deferred on {deferred_on} until {until}: {reason}"),
            None => format!("deferred on {deferred_on}: {reason}"),
        },
        E::Resumed { resumed_on, due_on } => format!("resumed on {resumed_on}, now due {due_on}"),
        E::Cancelled { cancelled_on, reason } => format!("cancelled on {cancelled_on}: {reason}"),
        E::Translated { field, language, text } => translated(*field, None, *language, text),
        E::Transferred { from, to, effective_on } => {
            format!("transferred from {} to {} on {effective_on}", n.organisation(from), n.organisation(to))
        }
    }
}

fn indicator_summary(e: &indicator::Event, n: Naming<'_>) -> String {
    use indicator::Event as E;
    match e {
        E::Defined { title, unit, polarity, owner, .. } => {
            format!("\"{title}\" defined for {}, in {unit}, {}", n.organisation(owner), word(polarity))
        }
        E::BaselineSet { value, as_of, .. } => format!("baseline {value} as of {as_of}"),
        E::TargetSet { value, due_on } => format!("target {value} by {due_on}"),
        E::Measured { value, as_of, .. } => format!("measured {value} as of {as_of}"),
        E::MeasurementRevised { as_of, previous_value, value, reason } => {
            format!("reading as of {as_of} revised from {previous_value} to {value}: {reason}")
        }
    }
}

/// "title of agenda item 4 in Welsh: …": a translation recorded.
fn translated(field: Field, part: Option<(&str, &str)>, language: Language, text: &str) -> String {
    let field = field.as_str();
    let language = language.name();
    match part {
        Some((what, part)) => format!("{field} of {what} {part} in {language}: {text}"),
        None => format!("{field} in {language}: {text}"),
    }
}
