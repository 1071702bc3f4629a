//! A short summary in words of every event the domain knows, for the audit trail: what happened,
//! to what, when, and on whose authority, in a line of at most [`LIMIT`] characters. Keys and
//! organisation ids are kept as the events give them, so that an auditor can follow each one.

use domain::{Event, body, commitment, indicator, instrument, meeting, organisation, resolution};

use crate::words::{clip, word};

/// The longest summary, in characters.
pub(crate) const LIMIT: usize = 160;

/// The event in words.
pub(crate) fn summary(event: &Event) -> String {
    let text = match event {
        Event::Organisation(e) => organisation_summary(e),
        Event::Body(e) => body_summary(e),
        Event::Meeting(e) => meeting_summary(e),
        Event::Resolution(e) => resolution_summary(e),
        Event::Instrument(e) => instrument_summary(e),
        Event::Commitment(e) => commitment_summary(e),
        Event::Indicator(e) => indicator_summary(e),
    };
    clip(&text, LIMIT)
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn organisation_summary(e: &organisation::Event) -> String {
    use organisation::Event as E;
    match e {
        E::Registered { id, name, kind, .. } => format!("registered {name} ({id}) as {}", word(kind)),
        E::Renamed { name, previous_name, effective_on } => {
            format!("renamed from {previous_name} to {name} from {effective_on}")
        }
        E::Succeeded { successor, effective_on } => format!("succeeded by {successor} from {effective_on}"),
        E::Dissolved { effective_on } => format!("dissolved on {effective_on}"),
    }
}

fn body_summary(e: &body::Event) -> String {
    use body::Event as E;
    match e {
        E::Established { name, kind, parents, established_on, .. } => {
            format!("established {name} ({}) of {} on {established_on}", word(kind), list(parents))
        }
        E::MemberJoined { organisation, joined_on } => format!("{organisation} joined on {joined_on}"),
        E::MemberLeft { organisation, left_on } => format!("{organisation} left on {left_on}"),
        E::Abolished { abolished_on } => format!("abolished on {abolished_on}"),
    }
}

fn meeting_summary(e: &meeting::Event) -> String {
    use meeting::Event as E;
    match e {
        E::Scheduled { body, date, title, .. } => format!("{title} of {body} scheduled for {date}"),
        E::AgendaItemAdded { item, title, minute_number } => match minute_number {
            Some(m) => format!("agenda item {item} (minute {m}): {title}"),
            None => format!("agenda item {item}: {title}"),
        },
        E::Held { held_on } => format!("held on {held_on}"),
        E::Cancelled { reason } => format!("cancelled: {reason}"),
        E::MinutesPublished { published_on } => format!("minutes published on {published_on}"),
        E::MinutesConfirmed { at_meeting, confirmed_on, .. } => {
            format!("minutes confirmed as a correct record at {at_meeting} on {confirmed_on}")
        }
    }
}

fn resolution_summary(e: &resolution::Event) -> String {
    use resolution::Event as E;
    match e {
        E::Recorded { body, meeting, agenda_item, minute_number, outcome, decided_on, .. } => {
            let minute =
                minute_number.as_ref().map_or_else(|| format!("item {agenda_item}"), |m| format!("minute {m}"));
            format!("{} by {body} at {meeting}, {minute}, on {decided_on}", word(outcome))
        }
        E::Published { published_on } => format!("published on {published_on}"),
        E::CalledIn { called_in_on, by, reason } => format!("called in by {by} on {called_in_on}: {reason}"),
        E::CallInRejected { decided_on, reason } => format!("call-in rejected on {decided_on}: {reason}"),
        E::ReferredBack { decided_on, reason } => format!("referred back on {decided_on}: {reason}"),
        E::Corrected { reason, .. } => format!("wording corrected: {reason}"),
        E::Rescinded { by_resolution, on } => format!("rescinded by {by_resolution} on {on}"),
        E::Superseded { by_resolution, on } => format!("superseded by {by_resolution} on {on}"),
    }
}

fn instrument_summary(e: &instrument::Event) -> String {
    use instrument::Event as E;
    match e {
        E::Drafted { kind, title, owner_body, drafted_on, .. } => {
            format!("{} \"{title}\" drafted for {owner_body} on {drafted_on}", word(kind))
        }
        E::VersionPublished { version, label, published_on, .. } => {
            format!("version {version} ({label}) published on {published_on}")
        }
        E::ObjectiveAdded { objective, title, .. } => format!("objective {objective} added: {title}"),
        E::PartyAdded { party } => format!("{party} added as a party"),
        E::PartySucceeded { predecessor, successor, effective_on } => {
            format!(
                "{predecessor}'s pending obligation as a party passed to its successor {successor} on {effective_on}"
            )
        }
        E::ConsultationOpened { opens_on, closes_on } => format!("consultation open from {opens_on} to {closes_on}"),
        E::ConsultationClosed { closed_on, .. } => format!("consultation closed on {closed_on}"),
        E::Endorsed { body, resolution, endorsed_on, .. } => {
            format!("endorsed by {body} on {endorsed_on} under resolution {resolution}")
        }
        E::Adopted { party, resolution, adopted_on } => {
            format!("adopted by {party} on {adopted_on} under resolution {resolution}")
        }
        E::Signed { party, resolution, signed_on, .. } => {
            format!("signed by {party} on {signed_on} under resolution {resolution}")
        }
        E::PartyWithdrew { party, withdrawn_on, reason, .. } => format!("{party} withdrew on {withdrawn_on}: {reason}"),
        E::DeliveryStarted { started_on } => format!("delivery started on {started_on}"),
        E::ReviewStarted { started_on, reason } => format!("review started on {started_on}: {reason}"),
        E::Refreshed { version, label, published_on, .. } => {
            format!("refreshed as version {version} ({label}) on {published_on}")
        }
        E::Superseded { by_instrument, superseded_on } => format!("superseded by {by_instrument} on {superseded_on}"),
        E::Expired { expired_on } => format!("expired on {expired_on}"),
        E::Withdrawn { withdrawn_on, reason, .. } => format!("withdrawn on {withdrawn_on}: {reason}"),
    }
}

fn commitment_summary(e: &commitment::Event) -> String {
    use commitment::Event as E;
    match e {
        E::Made { title, organisation, due_on, .. } => format!("\"{title}\" committed by {organisation}, due {due_on}"),
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
        E::Transferred { from, to, effective_on } => format!("transferred from {from} to {to} on {effective_on}"),
    }
}

fn indicator_summary(e: &indicator::Event) -> String {
    use indicator::Event as E;
    match e {
        E::Defined { title, unit, polarity, owner, .. } => {
            format!("\"{title}\" defined for {owner}, in {unit}, {}", word(polarity))
        }
        E::BaselineSet { value, as_of, .. } => format!("baseline {value} as of {as_of}"),
        E::TargetSet { value, due_on } => format!("target {value} by {due_on}"),
        E::Measured { value, as_of, .. } => format!("measured {value} as of {as_of}"),
        E::MeasurementRevised { as_of, previous_value, value, reason } => {
            format!("reading as of {as_of} revised from {previous_value} to {value}: {reason}")
        }
    }
}
