//! Organisations, bodies and memberships as Popolo organizations and memberships, and resolutions
//! as Popolo motions (<https://www.popoloproject.com/specs/>): one JSON document made from the read
//! models, so that it describes the record at the position they were folded to.

use domain::resolution::{self, Outcome};
use domain::{Date, Key, OrgId, body, organisation};
use projections::ReadModels;
use serde::Serialize;

/// A Popolo document: every organisation and body, every membership of a body, and every
/// resolution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Document {
    pub organizations: Vec<Organization>,
    pub memberships: Vec<Membership>,
    pub motions: Vec<Motion>,
}

/// An organisation (`id` its org-id, such as `GB-LAE-WLI`) or a body (`id` its key, with
/// `parent_id` the organisation it belongs to).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<OrgId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_names: Vec<OtherName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub founding_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dissolution_date: Option<Date>,
}

/// The kind of organisation or body, as Covenant names it (`local_authority`, `board`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Classification {
    Organisation(organisation::Kind),
    Body(body::Kind),
}

/// An identifier in a scheme: org-ids are in the `org-id.guide` scheme.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Identifier {
    pub identifier: OrgId,
    pub scheme: &'static str,
}

/// A name an organisation was known by before it was renamed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OtherName {
    pub name: String,
}

/// An organisation's membership of a body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Membership {
    /// `<body>/<organisation>/<start date>`, unique in the document.
    pub id: String,
    /// The body.
    pub organization_id: Key,
    /// The member organisation.
    pub member: Member,
    pub start_date: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<Date>,
}

/// The party to a membership that is a member: always an organisation here.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Member {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    pub id: OrgId,
}

/// A resolution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Motion {
    /// The resolution's key.
    pub id: Key,
    /// The body that decided it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Key>,
    /// The meeting it was decided at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legislative_session_id: Option<Key>,
    /// The minute number, when the minutes give one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// The wording as resolved, with any correction applied.
    pub text: String,
    /// The day it was decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// The outcome: `noted`, `endorsed`, `adopted`, `approved`, `agreed`, `recommended`,
    /// `deferred` or `rejected`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Outcome>,
    /// The meeting and agenda item it was decided at, as a URN and in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

/// Where a motion is recorded: a Popolo link, whose `url` Popolo requires.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Source {
    pub url: String,
    pub note: String,
}

/// The Popolo document of the record `models` hold.
pub fn document(models: &ReadModels) -> Document {
    let organisations = models.organisations().filter_map(|o| Some(organization(o.id.clone()?, o)));
    let bodies = models.bodies().filter_map(|b| Some(body_organization(b.id.clone()?, b)));
    Document {
        organizations: organisations.chain(bodies).collect(),
        memberships: models.bodies().flat_map(memberships).collect(),
        motions: models.resolutions_on_record().filter_map(|r| Some(motion(r.id.clone()?, r, models))).collect(),
    }
}

fn organization(id: OrgId, state: &organisation::State) -> Organization {
    Organization {
        id: id.to_string(),
        name: state.name.clone(),
        classification: state.kind.map(Classification::Organisation),
        parent_id: None,
        identifiers: std::iter::once(&id).chain(&state.identifiers).map(org_id).collect(),
        other_names: state.former_names.iter().map(|name| OtherName { name: name.clone() }).collect(),
        founding_date: None,
        dissolution_date: state.dissolved_on.or(state.succeeded_on),
    }
}

fn org_id(id: &OrgId) -> Identifier {
    Identifier { identifier: id.clone(), scheme: "org-id.guide" }
}

/// A body, with the first of its parent organisations as its parent: Popolo gives an
/// organization one parent.
fn body_organization(key: Key, state: &body::State) -> Organization {
    Organization {
        id: key.to_string(),
        name: state.name.clone(),
        classification: state.kind.map(Classification::Body),
        parent_id: state.parents.first().cloned(),
        identifiers: Vec::new(),
        other_names: Vec::new(),
        founding_date: state.established_on,
        dissolution_date: state.abolished_on,
    }
}

fn memberships(state: &body::State) -> Vec<Membership> {
    let Some(key) = &state.id else { return Vec::new() };
    state
        .memberships
        .iter()
        .map(|m| Membership {
            id: format!("{key}/{}/{}", m.organisation, m.joined_on),
            organization_id: key.clone(),
            member: Member { kind: "Organization", id: m.organisation.clone() },
            start_date: m.joined_on,
            end_date: m.left_on,
        })
        .collect()
}

fn motion(key: Key, state: &resolution::State, models: &ReadModels) -> Motion {
    Motion {
        id: key,
        organization_id: state.body.clone(),
        legislative_session_id: state.meeting.clone(),
        identifier: state.minute_number.clone(),
        text: state.text.clone(),
        date: state.decided_on,
        result: state.outcome,
        sources: state.meeting.as_ref().map(|m| source(m, state, models)).into_iter().collect(),
    }
}

/// The meeting and agenda item a resolution was decided at: as a URN, such as
/// `urn:covenant:meeting:west-lindsey-pcc-2021-03-09:item:45`, and in words.
fn source(meeting_key: &Key, state: &resolution::State, models: &ReadModels) -> Source {
    let meeting = models.meeting(meeting_key);
    let mut url = format!("{MEETING_URN_PREFIX}{meeting_key}");
    let mut words = Vec::new();
    match meeting {
        Some(meeting) => {
            words.push(meeting.title.clone());
            words.extend(meeting.date.map(|date| date.format("%-d %B %Y").to_string()));
        }
        None => words.push(format!("meeting {meeting_key}")),
    }
    if !state.agenda_item.is_empty() {
        url.push_str(":item:");
        url.push_str(&percent_encoded(&state.agenda_item));
        let title = meeting.and_then(|m| m.item(&state.agenda_item)).map(|i| i.title.as_str());
        words.push(match title {
            Some(title) if !title.is_empty() => format!("agenda item {} ({title})", state.agenda_item),
            _ => format!("agenda item {}", state.agenda_item),
        });
    }
    if let Some(minute) = &state.minute_number {
        words.push(format!("minute {minute}"));
    }
    Source { url, note: words.join(", ") }
}

/// Where a meeting's URN starts: a meeting's key follows.
const MEETING_URN_PREFIX: &str = "urn:covenant:meeting:";

/// `text` with every byte but letters, digits and `-._~` percent-encoded, for a URN.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use domain::ids::{body_stream, meeting_stream, organisation_stream, resolution_stream};
    use domain::{Event, codec, meeting};
    use kernel::{EventId, Hash, Metadata, Position, RecordedEvent, StreamId, Timestamp};
    use projections::Projection;
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    fn key(text: &str) -> Key {
        Key::parse(text).expect("valid key")
    }

    fn org(text: &str) -> OrgId {
        OrgId::parse(text).expect("valid org-id")
    }

    fn day(text: &str) -> Date {
        Date::parse_from_str(text, "%Y-%m-%d").expect("valid date")
    }

    /// The read models after `events`, each the next event of its stream.
    fn models(events: Vec<(StreamId, Event)>) -> ReadModels {
        let mut models = ReadModels::default();
        for (n, (stream_id, event)) in events.into_iter().enumerate() {
            let (event_type, schema_version, payload) = codec::encode(&event).expect("encodes");
            models.apply(&RecordedEvent {
                position: Position(n as u64 + 1),
                stream_id,
                stream_version: 1,
                event_id: EventId::new(),
                event_type,
                schema_version,
                payload,
                metadata: Metadata {
                    actor: "test".into(),
                    correlation_id: Uuid::now_v7(),
                    causation_id: None,
                    source: None,
                    occurred_at: Timestamp::parse("2021-03-09T00:00:00Z").expect("valid"),
                },
                recorded_at: Timestamp::parse("2021-03-10T00:00:00Z").expect("valid"),
                prev_hash: Hash::GENESIS,
                hash: Hash::GENESIS,
            });
        }
        models
    }

    #[test]
    fn an_agenda_item_is_percent_encoded_in_its_urn() {
        assert_eq!(percent_encoded("8(a) i"), "8%28a%29%20i");
        assert_eq!(percent_encoded("mou-2.1_~"), "mou-2.1_~");
    }

    #[test]
    fn organisations_bodies_memberships_and_resolutions_map_to_popolo() {
        let (wli, lcc, hwb, pcc) = (org("GB-LAE-WLI"), org("GB-LAE-LIN"), key("lincolnshire-hwb"), key("wl-pcc"));
        let meeting_key = key("wl-pcc-2021-03-09");
        let resolution_key = key("wl-pcc-2021-03-09-45");
        let models = models(vec![
            (
                organisation_stream(&wli),
                Event::Organisation(organisation::Event::Registered {
                    id: wli.clone(),
                    name: "West Lindsey District Council".into(),
                    kind: organisation::Kind::LocalAuthority,
                    identifiers: vec![],
                }),
            ),
            (
                body_stream(&hwb),
                Event::Body(body::Event::Established {
                    id: hwb.clone(),
                    name: "Lincolnshire Health and Wellbeing Board".into(),
                    kind: body::Kind::Board,
                    parents: vec![lcc.clone()],
                    members: vec![lcc.clone()],
                    established_on: day("2013-04-01"),
                }),
            ),
            (
                body_stream(&hwb),
                Event::Body(body::Event::MemberJoined { organisation: wli.clone(), joined_on: day("2014-05-01") }),
            ),
            (
                body_stream(&hwb),
                Event::Body(body::Event::MemberLeft { organisation: lcc.clone(), left_on: day("2020-01-31") }),
            ),
            (
                meeting_stream(&meeting_key),
                Event::Meeting(meeting::Event::Scheduled {
                    id: meeting_key.clone(),
                    body: pcc.clone(),
                    date: day("2021-03-09"),
                    title: "Prosperous Communities Committee".into(),
                }),
            ),
            (
                resolution_stream(&resolution_key),
                Event::Resolution(resolution::Event::Recorded {
                    id: resolution_key.clone(),
                    body: pcc.clone(),
                    organisations: vec![wli.clone()],
                    meeting: meeting_key.clone(),
                    agenda_item: "8".into(),
                    minute_number: Some("45".into()),
                    text: "RESOLVED that the Blueprint be adopted.".into(),
                    outcome: Outcome::Adopted,
                    decided_on: day("2021-03-09"),
                    published_on: None,
                    effective_on: None,
                    subject_to_call_in: false,
                    exempt_under: None,
                }),
            ),
        ]);
        let popolo = serde_json::to_value(document(&models)).expect("serialises");
        assert_eq!(
            popolo,
            json!({
                "organizations": [
                    {"id": "GB-LAE-WLI", "name": "West Lindsey District Council", "classification": "local_authority",
                     "identifiers": [{"identifier": "GB-LAE-WLI", "scheme": "org-id.guide"}]},
                    {"id": "lincolnshire-hwb", "name": "Lincolnshire Health and Wellbeing Board", "classification": "board",
                     "parent_id": "GB-LAE-LIN", "founding_date": "2013-04-01"},
                ],
                "memberships": [
                    {"id": "lincolnshire-hwb/GB-LAE-LIN/2013-04-01", "organization_id": "lincolnshire-hwb",
                     "member": {"@type": "Organization", "id": "GB-LAE-LIN"}, "start_date": "2013-04-01", "end_date": "2020-01-31"},
                    {"id": "lincolnshire-hwb/GB-LAE-WLI/2014-05-01", "organization_id": "lincolnshire-hwb",
                     "member": {"@type": "Organization", "id": "GB-LAE-WLI"}, "start_date": "2014-05-01"},
                ],
                "motions": [
                    {"id": "wl-pcc-2021-03-09-45", "organization_id": "wl-pcc", "legislative_session_id": "wl-pcc-2021-03-09",
                     "identifier": "45", "text": "RESOLVED that the Blueprint be adopted.", "date": "2021-03-09", "result": "adopted",
                     "sources": [{"url": "urn:covenant:meeting:wl-pcc-2021-03-09:item:8",
                                  "note": "Prosperous Communities Committee, 9 March 2021, agenda item 8, minute 45"}]},
                ],
            })
        );
    }
}
