//! The public record as OParl 1.1 objects (`docs/public.md` has the mapping): each organisation
//! a public body answers to is an OParl Body, each public body an Organization, each meeting a
//! Meeting with its public agenda items as AgendaItems, each public instrument a Paper, and each
//! act a public resolution authorised on one a Consultation. Ids are the objects' URLs under the
//! API's root, made from Covenant's keys, so they are the same on every request; `created` and
//! `modified` are when Covenant first and last learnt something of the object's streams. A Paper
//! whose instrument was withdrawn (and its Consultations) and a Consultation whose resolution was
//! rescinded are deleted
//! objects (`deleted: true`), as the specification treats depublished ones. Pure functions of a
//! [`PublicRecord`], so nothing the publication rule refuses can reach an answer.

use std::collections::BTreeSet;

use domain::values::in_words;
use domain::{ids, instrument, meeting, resolution};
use kernel::{StreamId, Timestamp};
use projections::{Caused, InstrumentStatus, PublicMeeting, PublicRecord, ResolutionEntry, Stamp};
use serde_json::{Map, Value, json};

const SCHEMA: &str = "https://schema.oparl.org/1.1/";

/// The lists an object must give even when empty.
const REQUIRED_LISTS: [&str; 1] = ["legislativeTerm"];

/// The objects of one public record, with ids under `root` (`https://example.org/oparl/v1`) and
/// links to the public pages under `site` (`https://example.org`).
#[derive(Clone, Copy, Debug)]
pub struct Oparl<'a> {
    pub record: &'a PublicRecord,
    pub root: &'a str,
    pub site: &'a str,
}

/// An OParl object, and whether it is a deleted one (listed only when a client asks what was
/// modified since a time).
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub value: Value,
    pub deleted: bool,
    pub stamp: Option<Stamp>,
}

/// The external lists of a Body, by the last segment of their URL.
pub const LISTS: [&str; 8] = [
    "organizations",
    "people",
    "meetings",
    "papers",
    "agenda-items",
    "consultations",
    "memberships",
    "legislative-terms",
];

/// A path segment with every byte but unreserved ones percent-encoded.
pub fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An OParl date-time: `yyyy-mm-ddThh:mm:ss±hh:mm`.
pub fn date_time(at: Timestamp) -> String {
    at.as_datetime().format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// The stamp covering every stream in `streams`: the earliest creation and the latest change.
fn covering(record: &PublicRecord, streams: impl IntoIterator<Item = StreamId>) -> Option<Stamp> {
    streams
        .into_iter()
        .filter_map(|s| record.stamps.get(&s).copied())
        .reduce(|a, b| Stamp { created: a.created.min(b.created), modified: a.modified.max(b.modified) })
}

/// `value` as an object of `kind` with its id, times and, when deleted, only what a deleted
/// object keeps (its id, type, created and modified).
fn object(kind: &str, id: String, stamp: Option<Stamp>, deleted: bool, fields: Value) -> Object {
    let mut map = Map::new();
    map.insert("id".into(), Value::String(id));
    map.insert("type".into(), Value::String(format!("{SCHEMA}{kind}")));
    if !deleted && let Value::Object(fields) = fields {
        // No null and, as the specification recommends, no empty list unless it is required.
        let given = |k: &str, v: &Value| {
            !v.is_null() && (REQUIRED_LISTS.contains(&k) || v.as_array().is_none_or(|a| !a.is_empty()))
        };
        map.extend(fields.into_iter().filter(|(k, v)| given(k, v)));
    }
    if let Some(stamp) = stamp {
        map.insert("created".into(), Value::String(date_time(stamp.created)));
        map.insert("modified".into(), Value::String(date_time(stamp.modified)));
    }
    if deleted {
        map.insert("deleted".into(), Value::Bool(true));
    }
    Object { value: Value::Object(map), deleted, stamp }
}

impl Oparl<'_> {
    /// The System object at the API's root.
    pub fn system(&self) -> Value {
        json!({
            "id": self.root,
            "type": format!("{SCHEMA}System"),
            "oparlVersion": SCHEMA,
            "body": format!("{}/bodies", self.root),
            "name": "Covenant public record",
            "website": format!("{}/public", self.site),
            "web": format!("{}/public", self.site),
        })
    }

    /// The organisations public bodies answer to (their parents), by identifier.
    fn councils(&self) -> Vec<(&domain::OrgId, &str)> {
        let all: BTreeSet<(&domain::OrgId, &str)> = self
            .record
            .bodies
            .iter()
            .flat_map(|b| b.organisations.iter().map(|(id, name)| (id, name.as_str())))
            .collect();
        all.into_iter().collect()
    }

    pub fn bodies(&self) -> Vec<Object> {
        self.councils().into_iter().map(|(id, name)| self.body_object(id, name)).collect()
    }

    pub fn body(&self, id: &str) -> Option<Object> {
        self.councils().into_iter().find(|(o, _)| o.as_str() == id).map(|(o, name)| self.body_object(o, name))
    }

    fn body_object(&self, id: &domain::OrgId, name: &str) -> Object {
        let url = format!("{}/bodies/{}", self.root, segment(id.as_str()));
        let list = |kind: &str| format!("{url}/{kind}");
        object(
            "Body",
            url.clone(),
            covering(self.record, [ids::organisation_stream(id)]),
            false,
            json!({
                "system": self.root,
                "name": name,
                "shortName": id.as_str(),
                "organization": list("organizations"),
                "person": list("people"),
                "meeting": list("meetings"),
                "paper": list("papers"),
                "agendaItem": list("agenda-items"),
                "consultation": list("consultations"),
                "membership": list("memberships"),
                "legislativeTermList": list("legislative-terms"),
                "legislativeTerm": [],
            }),
        )
    }

    /// The objects of a Body's external list `kind` (one of [`LISTS`]), or none when there is no
    /// such Body or list.
    pub fn list(&self, body: &str, kind: &str) -> Option<Vec<Object>> {
        let (council, _) = self.councils().into_iter().find(|(o, _)| o.as_str() == body)?;
        let bodies: BTreeSet<&domain::Key> = self
            .record
            .bodies
            .iter()
            .filter(|b| b.organisations.iter().any(|(o, _)| o == council))
            .map(|b| &b.body)
            .collect();
        let meetings = || self.record.meetings.iter().filter(|m| bodies.contains(&m.body));
        let papers = || {
            self.record.instruments.iter().filter(|i| {
                i.owner_body.as_ref().is_some_and(|b| bodies.contains(b))
                    || i.parties.iter().any(|p| &p.organisation == council)
            })
        };
        Some(match kind {
            "organizations" => self
                .record
                .bodies
                .iter()
                .filter(|b| bodies.contains(&b.body))
                .filter_map(|b| self.organization(b.body.as_str()))
                .collect(),
            "meetings" => meetings().map(|m| self.meeting_object(m)).collect(),
            "agenda-items" => meetings().flat_map(|m| self.agenda_items(m)).collect(),
            "papers" => papers().map(|i| self.paper_object(i)).collect(),
            "consultations" => papers().flat_map(|i| self.consultations(i)).collect(),
            "people" | "memberships" | "legislative-terms" => Vec::new(),
            _ => return None,
        })
    }

    /// The Body a public body answers to first, by URL.
    fn body_url_of(&self, body: &domain::Key) -> Option<String> {
        let b = self.record.bodies.iter().find(|b| &b.body == body)?;
        let (first, _) = b.organisations.first()?;
        Some(format!("{}/bodies/{}", self.root, segment(first.as_str())))
    }

    pub fn organization(&self, key: &str) -> Option<Object> {
        let b = self.record.bodies.iter().find(|b| b.body.as_str() == key)?;
        Some(object(
            "Organization",
            format!("{}/organizations/{}", self.root, segment(key)),
            covering(self.record, [ids::body_stream(&b.body)]),
            false,
            json!({
                "body": self.body_url_of(&b.body),
                "name": b.name,
                "shortName": b.body.as_str(),
                "web": format!("{}/public/bodies/{}", self.site, segment(key)),
            }),
        ))
    }

    pub fn meeting(&self, key: &str) -> Option<Object> {
        self.record.meetings.iter().find(|m| m.meeting.as_str() == key).map(|m| self.meeting_object(m))
    }

    /// The public resolutions made on one agenda item.
    fn decided_on_item<'r>(&'r self, m: &PublicMeeting, item: &meeting::AgendaItem) -> Vec<&'r ResolutionEntry> {
        self.record
            .resolutions
            .iter()
            .filter(|r| r.meeting.as_ref() == Some(&m.meeting) && r.agenda_item == item.item)
            .collect()
    }

    fn meeting_stamp(&self, m: &PublicMeeting) -> Option<Stamp> {
        covering(
            self.record,
            std::iter::once(ids::meeting_stream(&m.meeting)).chain(m.resolutions.iter().map(ids::resolution_stream)),
        )
    }

    fn meeting_url(&self, key: &domain::Key) -> String {
        format!("{}/meetings/{}", self.root, segment(key.as_str()))
    }

    fn meeting_object(&self, m: &PublicMeeting) -> Object {
        let items: Vec<Value> = self.agenda_items(m).into_iter().map(|o| o.value).collect();
        object(
            "Meeting",
            self.meeting_url(&m.meeting),
            self.meeting_stamp(m),
            false,
            json!({
                "name": m.title,
                "meetingState": in_words(&m.status),
                "cancelled": m.status == meeting::Status::Cancelled,
                "start": format!("{}T00:00:00+00:00", m.date),
                "organization": self.organization_url(&m.body).into_iter().collect::<Vec<_>>(),
                "agendaItem": items,
                "web": format!("{}/public/meetings/{}", self.site, segment(m.meeting.as_str())),
            }),
        )
    }

    fn organization_url(&self, body: &domain::Key) -> Option<String> {
        self.record
            .bodies
            .iter()
            .any(|b| &b.body == body)
            .then(|| format!("{}/organizations/{}", self.root, segment(body.as_str())))
    }

    fn agenda_items(&self, m: &PublicMeeting) -> Vec<Object> {
        m.agenda.iter().enumerate().map(|(order, item)| self.agenda_item_object(m, order, item)).collect()
    }

    pub fn agenda_item(&self, meeting: &str, item: &str) -> Option<Object> {
        let m = self.record.meetings.iter().find(|m| m.meeting.as_str() == meeting)?;
        let (order, found) = m.agenda.iter().enumerate().find(|(_, i)| i.item == item)?;
        Some(self.agenda_item_object(m, order, found))
    }

    fn agenda_item_object(&self, m: &PublicMeeting, order: usize, item: &meeting::AgendaItem) -> Object {
        let decided = self.decided_on_item(m, item);
        let join = |parts: Vec<String>| (!parts.is_empty()).then(|| parts.join("\n\n"));
        let result = join(decided.iter().filter_map(|r| r.outcome.as_ref()).map(in_words).collect());
        let text = join(decided.iter().map(|r| r.text.clone()).collect());
        let consultation = decided.iter().find_map(|r| {
            r.caused.iter().find_map(|c| c.act.instrument()).map(|i| self.consultation_url(i, &r.resolution))
        });
        object(
            "AgendaItem",
            format!("{}/items/{}", self.meeting_url(&m.meeting), segment(&item.item)),
            self.meeting_stamp(m),
            false,
            json!({
                "meeting": self.meeting_url(&m.meeting),
                "number": item.item,
                "order": order,
                "name": item.title,
                "public": true,
                "result": result,
                "resolutionText": text,
                "consultation": consultation,
                "web": format!("{}/public/meetings/{}", self.site, segment(m.meeting.as_str())),
            }),
        )
    }

    pub fn paper(&self, key: &str) -> Option<Object> {
        self.record.instruments.iter().find(|i| i.instrument.as_str() == key).map(|i| self.paper_object(i))
    }

    fn paper_url(&self, instrument: &domain::Key) -> String {
        format!("{}/papers/{}", self.root, segment(instrument.as_str()))
    }

    fn paper_object(&self, i: &InstrumentStatus) -> Object {
        let consultations: Vec<Value> =
            self.consultations(i).into_iter().filter(|c| !c.deleted).map(|c| c.value).collect();
        object(
            "Paper",
            self.paper_url(&i.instrument),
            covering(self.record, [ids::instrument_stream(&i.instrument)]),
            i.state == instrument::Status::Withdrawn,
            json!({
                "body": i.owner_body.as_ref().and_then(|b| self.body_url_of(b)),
                "name": i.title,
                "reference": i.instrument.as_str(),
                "date": i.version.as_ref().map(|v| v.published_on.to_string()),
                "paperType": projections::kind_in_words(i.kind),
                "keyword": i.themes,
                "consultation": consultations,
                "web": format!("{}/public/instruments/{}", self.site, segment(i.instrument.as_str())),
            }),
        )
    }

    fn consultation_url(&self, instrument: &domain::Key, resolution: &domain::Key) -> String {
        format!("{}/consultations/{}", self.paper_url(instrument), segment(resolution.as_str()))
    }

    /// Each public resolution that authorised an act on `i`, once, as a Consultation.
    fn consultations(&self, i: &InstrumentStatus) -> Vec<Object> {
        self.record
            .resolutions
            .iter()
            .filter_map(|r| r.caused.iter().find(|c| c.act.instrument() == Some(&i.instrument)).map(|c| (r, &c.act)))
            .map(|(r, act)| self.consultation_object(i, r, act))
            .collect()
    }

    pub fn consultation(&self, instrument: &str, resolution: &str) -> Option<Object> {
        let i = self.record.instruments.iter().find(|i| i.instrument.as_str() == instrument)?;
        let r = self.record.resolutions.iter().find(|r| r.resolution.as_str() == resolution)?;
        let act = r.caused.iter().find(|c| c.act.instrument() == Some(&i.instrument))?;
        Some(self.consultation_object(i, r, &act.act))
    }

    fn consultation_object(&self, i: &InstrumentStatus, r: &ResolutionEntry, act: &Caused) -> Object {
        let item = r.meeting.as_ref().map(|m| format!("{}/items/{}", self.meeting_url(m), segment(&r.agenda_item)));
        object(
            "Consultation",
            self.consultation_url(&i.instrument, &r.resolution),
            covering(self.record, [ids::resolution_stream(&r.resolution), ids::instrument_stream(&i.instrument)]),
            // A consultation goes with its paper.
            r.standing == resolution::Status::Rescinded || i.state == instrument::Status::Withdrawn,
            json!({
                "paper": self.paper_url(&i.instrument),
                "agendaItem": item,
                "meeting": r.meeting.as_ref().map(|m| self.meeting_url(m)),
                "organization": r.body.as_ref().and_then(|b| self.organization_url(b)).into_iter().collect::<Vec<_>>(),
                "authoritative": matches!(act, Caused::Adoption { .. } | Caused::Signature { .. }),
                "role": role(act),
            }),
        )
    }
}

/// What a resolution's act on a paper was, in words.
fn role(act: &Caused) -> &'static str {
    match act {
        Caused::Endorsement { .. } => "endorsement",
        Caused::Adoption { .. } => "adoption",
        Caused::Signature { .. } => "signature",
        Caused::PartyWithdrawal { .. } => "withdrawal of a party",
        Caused::Refresh { .. } => "refresh",
        Caused::InstrumentWithdrawal { .. } => "withdrawal",
        Caused::Rescission { .. } => "rescission",
        Caused::Supersession { .. } => "supersession",
    }
}
