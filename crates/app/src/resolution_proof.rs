//! The portable proof of one resolution: its events as CloudEvents, each with a C2SP `tlog-proof`
//! (its inclusion proof and the signed checkpoint it is proved against), in one JSON file that
//! anyone can check with the log's verifier key alone, with no database and no network
//! (`docs/audit.md`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use domain::ids::{body_stream, organisation_stream, resolution_stream};
use domain::values::{Date, Key};
use domain::{body, codec, organisation, resolution};
use kernel::{
    Hash, InclusionProof, Position, RecordedEvent, SignedCheckpoint, StoreError, StreamBound, Timestamp, TreeError,
    event_hash, event_leaf,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::interchange::cloudevents::{self, ExportError, LOG_URI_PREFIX};
use crate::{Checkpoint, Cosignature, NoteVerifier, Stores, Unserved, Witnessing, cosignatures};

/// The `format` of a resolution's proof file: the second carries the events that name the body.
pub const FORMAT: &str = "covenant.resolution-proof@v2";
/// The `format` of the first proof files, which named the body by its key only; still verified.
const FORMAT_V1: &str = "covenant.resolution-proof@v1";
/// The first line of a C2SP `tlog-proof`.
const TLOG_PROOF: &str = "c2sp.org/tlog-proof@v1";

/// A resolution's proof file as written: pretty-printed JSON with a final newline.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofFile {
    format: String,
    resolution: String,
    /// The resolution's events, in stream order.
    events: Vec<Proved>,
    /// The events that name the body: its establishment, then its first parent organisation's
    /// registration (absent from the first format).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    names: Vec<Proved>,
    /// The last event the checkpoint covers: its recorded time dates the checkpoint.
    checkpoint_head: Proved,
}

/// One event and its proof.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Proved {
    /// The event as a CloudEvent, exactly as `covenant export cloudevents` writes it.
    cloudevent: Box<RawValue>,
    /// A C2SP `tlog-proof`: the leaf index, the inclusion proof, and the signed checkpoint.
    proof: String,
}

/// Why a proof could not be made, or was refused.
#[derive(Debug, thiserror::Error)]
pub enum ResolutionProofError {
    #[error("{0}")]
    Key(String),
    #[error("no resolution '{0}' is recorded: give the id the resolution register shows")]
    NotRecorded(String),
    #[error("no checkpoint has been signed yet: sign one with `covenant checkpoint`, then export the proof")]
    NoCheckpoint,
    #[error("{0}")]
    NotWitnessed(crate::Unserved),
    #[error(
        "the resolution's event at position {position} is not covered by the latest checkpoint served ({size} events): sign a new one with `covenant checkpoint` (and, when [transparency] quorum is set, have it cosigned), then export the proof"
    )]
    NotCovered { position: u64, size: u64 },
    #[error("the proof is refused: {0}")]
    Refused(String),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("failed to read the Merkle tree: {0}")]
    Tree(#[from] TreeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn refused(detail: impl Into<String>) -> ResolutionProofError {
    ResolutionProofError::Refused(detail.into())
}

/// Writes the proof file of resolution `id` against the checkpoint the log serves: the latest
/// signed, or the latest the quorum of `witnessing` cosigned.
pub async fn export(stores: &Stores, id: &str, witnessing: &Witnessing) -> Result<String, ResolutionProofError> {
    let key = Key::parse(id).map_err(ResolutionProofError::Key)?;
    let checkpoint = match witnessing.served(stores).await {
        Ok(served) => served.checkpoint,
        Err(Unserved::NoneSigned) => return Err(ResolutionProofError::NoCheckpoint),
        Err(Unserved::Store(error)) => return Err(error.into()),
        Err(unwitnessed) => return Err(ResolutionProofError::NotWitnessed(unwitnessed)),
    };
    let events = stores.events.read_stream(&resolution_stream(&key), StreamBound::All).await?;
    if events.is_empty() {
        return Err(ResolutionProofError::NotRecorded(id.to_owned()));
    }
    if let Some(late) = events.iter().find(|e| e.position.0 > checkpoint.size) {
        return Err(ResolutionProofError::NotCovered { position: late.position.0, size: checkpoint.size });
    }
    let first = stores.events.read_all(Position::ZERO, 1).await?;
    let head = stores.events.read_all(Position(checkpoint.size.saturating_sub(1)), 1).await?;
    let (Some(first), Some(head)) = (first.first(), head.first()) else {
        return Err(ResolutionProofError::NotCovered { position: events[0].position.0, size: checkpoint.size });
    };
    let log = cloudevents::log_uri(&first.hash);
    let names = naming_events(stores, &events[0]).await?;
    if let Some(late) = names.iter().find(|e| e.position.0 > checkpoint.size) {
        return Err(ResolutionProofError::NotCovered { position: late.position.0, size: checkpoint.size });
    }
    let mut proved = Vec::with_capacity(events.len());
    for event in &events {
        proved.push(prove(stores, event, &log, &checkpoint).await?);
    }
    let mut proved_names = Vec::with_capacity(names.len());
    for event in &names {
        proved_names.push(prove(stores, event, &log, &checkpoint).await?);
    }
    let file = ProofFile {
        format: FORMAT.to_owned(),
        resolution: id.to_owned(),
        events: proved,
        names: proved_names,
        checkpoint_head: prove(stores, head, &log, &checkpoint).await?,
    };
    Ok(write(&file))
}

/// The events that name the body of the resolution recorded by `recording`: the body's
/// establishment (version 1 of its stream) and its first parent organisation's registration.
async fn naming_events(stores: &Stores, recording: &RecordedEvent) -> Result<Vec<RecordedEvent>, ResolutionProofError> {
    let Ok(domain::Event::Resolution(resolution::Event::Recorded { body, .. })) = codec::decode_recorded(recording)
    else {
        return Err(ResolutionProofError::NotRecorded(recording.stream_id.to_string()));
    };
    let mut names = stores.events.read_stream(&body_stream(&body), StreamBound::UpToVersion(1)).await?;
    let parent = match names.first().map(codec::decode_recorded) {
        Some(Ok(domain::Event::Body(body::Event::Established { parents, .. }))) => parents.into_iter().next(),
        _ => None,
    };
    if let Some(parent) = parent {
        names.extend(stores.events.read_stream(&organisation_stream(&parent), StreamBound::UpToVersion(1)).await?);
    }
    Ok(names)
}

async fn prove(
    stores: &Stores,
    event: &RecordedEvent,
    log: &str,
    checkpoint: &SignedCheckpoint,
) -> Result<Proved, ResolutionProofError> {
    let proof = stores.events.inclusion_proof(event.position, checkpoint.size).await?;
    Ok(Proved { cloudevent: raw(cloudevents::encode(event, log)?)?, proof: tlog_proof(&proof, &checkpoint.note) })
}

fn raw(json: String) -> Result<Box<RawValue>, ResolutionProofError> {
    RawValue::from_string(json).map_err(|e| ResolutionProofError::Refused(format!("an event is not JSON: {e}")))
}

fn write(file: &ProofFile) -> String {
    let mut text = serde_json::to_string_pretty(file).unwrap_or_default();
    text.push('\n');
    text
}

/// `c2sp.org/tlog-proof@v1`, the index, the proof's hashes in base64, a blank line, the note.
fn tlog_proof(proof: &InclusionProof, note: &str) -> String {
    let mut text = format!("{TLOG_PROOF}\nindex {}\n", proof.index);
    for hash in &proof.path {
        text.push_str(&BASE64.encode(hash.0));
        text.push('\n');
    }
    text.push('\n');
    text.push_str(note);
    text
}

/// Reads a `tlog-proof` as [`tlog_proof`] writes it: the index, the hashes and the note.
fn parse_tlog_proof(text: &str) -> Result<(u64, Vec<Hash>, &str), String> {
    let (head, note) = text.split_once("\n\n").ok_or("it has no blank line before its checkpoint")?;
    let mut lines = head.split('\n');
    if lines.next() != Some(TLOG_PROOF) {
        return Err(format!("it does not start with {TLOG_PROOF}"));
    }
    let index = lines
        .next()
        .and_then(|l| l.strip_prefix("index "))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
        .ok_or("its second line is not 'index' and a decimal number (Covenant's proofs carry no extra data)")?;
    let hashes = lines
        .map(|line| BASE64.decode(line).ok().and_then(|b| Hash::from_slice(&b)))
        .collect::<Option<Vec<_>>>()
        .ok_or("a line of its inclusion proof is not a 32-byte hash in base64")?;
    Ok((index, hashes, note))
}

/// What a verified proof file proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proven {
    pub resolution: String,
    pub minute_number: Option<String>,
    pub agenda_item: String,
    /// The body's key.
    pub body: String,
    /// The names the body and its organisation were first recorded with, each proved; `None`
    /// for a file of the first format, which names the body by its key only.
    pub named: Option<Named>,
    pub decided_on: Date,
    /// The positions of the resolution's events, the first being its recording.
    pub positions: Vec<u64>,
    /// The size of the checkpoint and when the last event it covers was recorded.
    pub checkpoint_size: u64,
    pub checkpoint_head_recorded: Timestamp,
    /// The name of the key that signed the checkpoint.
    pub signed_by: String,
    /// The cosignatures of the witnesses the verifier asked for, each checked.
    pub cosigned_by: Vec<Cosignature>,
}

impl fmt::Display for Proven {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let item = match &self.minute_number {
            Some(minute) => format!("minute {minute}"),
            None => format!("agenda item {}", self.agenda_item),
        };
        let body = match &self.named {
            Some(named) => named.title(),
            None => format!("the body {} (this file names it by its key only)", self.body),
        };
        writeln!(
            f,
            "Resolution {}: {item} of {body}, decided {}, is event {} of the log whose checkpoint of {} events (the last recorded on {}) was signed by {}.",
            self.resolution,
            self.decided_on.format("%-d %B %Y"),
            self.positions[0],
            self.checkpoint_size,
            self.checkpoint_head_recorded.as_datetime().format("%-d %B %Y"),
            self.signed_by,
        )?;
        if let Some(named) = &self.named {
            match &named.organisation {
                Some((organisation, at)) => writeln!(
                    f,
                    "The body is named as it was established, at position {}, and {organisation} as it was registered, at position {at}, both in that log.",
                    named.body_position
                )?,
                None => writeln!(
                    f,
                    "The body is named as it was established, at position {}, in that log.",
                    named.body_position
                )?,
            }
        }
        for cosignature in &self.cosigned_by {
            writeln!(f, "The checkpoint is cosigned by {cosignature}.")?;
        }
        let positions: Vec<String> = self.positions.iter().map(u64::to_string).collect();
        match positions.as_slice() {
            [one] => writeln!(f, "Its one event, at position {one}, is in that log exactly as this file gives it.")?,
            many => writeln!(
                f,
                "Its {} events, at positions {}, are each in that log exactly as this file gives them.",
                many.len(),
                many.join(", ")
            )?,
        }
        write!(
            f,
            "This proves the events were recorded so and not altered since; it does not prove that the resolution has no later events, nor that the minute is true."
        )
    }
}

/// The body named by the events of a proof file, each proved in the log like the resolution's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// The body's name, from its establishment.
    pub body: String,
    pub body_position: u64,
    /// Its first parent organisation's name and position, from its registration.
    pub organisation: Option<(String, u64)>,
}

impl Named {
    /// "West Lindsey District Council's Prosperous Communities Committee".
    fn title(&self) -> String {
        match &self.organisation {
            Some((organisation, _)) => format!("{organisation}'s {}", self.body),
            None => self.body.clone(),
        }
    }
}

/// Reads the proved events that name `body`: its establishment, then its first parent
/// organisation's registration, each the first event of its stream.
fn read_names(body: &Key, names: &[(RecordedEvent, String, InclusionProof)]) -> Result<Named, ResolutionProofError> {
    let decode = |event: &RecordedEvent| {
        codec::decode_recorded(event)
            .map_err(|e| refused(format!("the event at position {} cannot be read: {e}", event.position)))
    };
    let first = |event: &RecordedEvent, stream: kernel::StreamId, what: &str| {
        if event.stream_id != stream || event.stream_version != 1 {
            return Err(refused(format!(
                "the event at position {} is not {what}, the first event of {stream}",
                event.position
            )));
        }
        Ok(())
    };
    let [(established, _, _), rest @ ..] = names else { return Err(refused("it holds no event naming the body")) };
    first(established, body_stream(body), "the body's establishment")?;
    let domain::Event::Body(body::Event::Established { name, parents, .. }) = decode(established)? else {
        return Err(refused(format!("the event at position {} is not the body's establishment", established.position)));
    };
    let organisation = match (parents.first(), rest) {
        (None, []) => None,
        (Some(parent), [(registered, _, _)]) => {
            first(registered, organisation_stream(parent), "the registration of the body's first parent organisation")?;
            let domain::Event::Organisation(organisation::Event::Registered { name, .. }) = decode(registered)? else {
                return Err(refused(format!("the event at position {} is not a registration", registered.position)));
            };
            Some((name, registered.position.0))
        }
        _ => {
            return Err(refused(
                "its events naming the body are not the body's establishment and its first parent's registration",
            ));
        }
    };
    Ok(Named { body: name, body_position: established.position.0, organisation })
}

/// Checks a proof file with the log's verifier key alone, and the cosignature of each of
/// `witnesses` on its checkpoint, and says what it proves. One byte changed anywhere in the file
/// is refused, and so is a checkpoint one of `witnesses` did not cosign.
pub fn verify(text: &str, verifier: &NoteVerifier, witnesses: &[NoteVerifier]) -> Result<Proven, ResolutionProofError> {
    let file: ProofFile =
        serde_json::from_str(text).map_err(|e| refused(format!("the file is not a resolution proof ({e})")))?;
    if file.format != FORMAT && file.format != FORMAT_V1 {
        return Err(refused(format!("its format is '{}', not {FORMAT}", file.format)));
    }
    if (file.format == FORMAT) == file.names.is_empty() {
        return Err(refused(format!(
            "{} carries the events that name the body, {FORMAT_V1} does not: this file's format is {}",
            FORMAT, file.format
        )));
    }
    let all: Vec<&Proved> = file.events.iter().chain(&file.names).chain([&file.checkpoint_head]).collect();
    let parsed = all
        .iter()
        .map(|proved| parse_tlog_proof(&proved.proof))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| refused(format!("a tlog-proof is not readable: {e}")))?;
    let note = parsed.first().map(|(_, _, note)| *note).unwrap_or_default();
    if parsed.iter().any(|(_, _, other)| *other != note) {
        return Err(refused("its events are proved against different checkpoints"));
    }
    let checkpoint = Checkpoint::open(note, verifier).map_err(|e| refused(e.to_string()))?;
    let cosigned_by = cosignatures(note, witnesses).map_err(|e| refused(format!("its checkpoint: {e}")))?;
    let mut checked = Vec::with_capacity(all.len());
    for (proved, (index, path, _)) in all.iter().zip(parsed) {
        checked.push(check(proved, index, path, &checkpoint)?);
    }
    let (head, head_log, head_proof) = checked.pop().ok_or_else(|| refused("it holds no events"))?;
    let names = checked.split_off(file.events.len());
    let events = checked;
    if head.position.0 != checkpoint.size {
        return Err(refused("its checkpoint_head is not the last event the checkpoint covers"));
    }
    let key = Key::parse(file.resolution.as_str()).map_err(|e| refused(format!("its resolution: {e}")))?;
    let stream = resolution_stream(&key);
    for (n, (event, _, _)) in events.iter().enumerate() {
        if event.stream_id != stream || event.stream_version != n as u64 + 1 {
            return Err(refused(format!(
                "its events are not the first events of {stream}, in order: the event at position {} is version {} of {}",
                event.position, event.stream_version, event.stream_id
            )));
        }
    }
    let Some((first, _, _)) = events.first() else { return Err(refused("it holds none of the resolution's events")) };
    let recorded =
        codec::decode_recorded(first).map_err(|e| refused(format!("its first event cannot be read: {e}")))?;
    let domain::Event::Resolution(resolution::Event::Recorded { body, agenda_item, minute_number, decided_on, .. }) =
        recorded
    else {
        return Err(refused(format!("its first event is {}, not the resolution's recording", first.event_type)));
    };
    let named = if names.is_empty() { None } else { Some(read_names(&body, &names)?) };
    // Every byte must be as `export` writes it: rebuild the file from what was checked.
    let rebuilt = ProofFile {
        format: file.format.clone(),
        resolution: file.resolution.clone(),
        events: events.iter().map(|(event, log, proof)| rebuild(event, log, proof, note)).collect::<Result<_, _>>()?,
        names: names.iter().map(|(event, log, proof)| rebuild(event, log, proof, note)).collect::<Result<_, _>>()?,
        checkpoint_head: rebuild(&head, &head_log, &head_proof, note)?,
    };
    if write(&rebuilt) != text {
        return Err(refused(
            "the file is not byte for byte as `covenant proof export` writes it: something in it was changed",
        ));
    }
    Ok(Proven {
        resolution: file.resolution,
        minute_number,
        agenda_item,
        body: body.as_str().to_owned(),
        named,
        decided_on,
        positions: events.iter().map(|(e, _, _)| e.position.0).collect(),
        checkpoint_size: checkpoint.size,
        checkpoint_head_recorded: head.recorded_at,
        signed_by: verifier.name().to_owned(),
        cosigned_by,
    })
}

/// Checks one event of the file against the checkpoint: its hash, its leaf index and its
/// inclusion proof. Gives the event, the log URI its CloudEvent names as source when it has
/// none of its own, and the proof.
fn check(
    proved: &Proved,
    index: u64,
    path: Vec<Hash>,
    checkpoint: &Checkpoint,
) -> Result<(RecordedEvent, String, InclusionProof), ResolutionProofError> {
    let event = cloudevents::decode(proved.cloudevent.get()).map_err(|e| refused(format!("an event: {e}")))?;
    let position = event.position.0;
    if event_hash(&event) != event.hash {
        return Err(refused(format!(
            "the event at position {position} does not match its own hash: its content was altered"
        )));
    }
    if index != position - 1 {
        return Err(refused(format!("the proof of the event at position {position} is for another leaf ({index})")));
    }
    let proof = InclusionProof { index, size: checkpoint.size, path };
    proof.verify(&event_leaf(&event), &checkpoint.root).map_err(|e| {
        refused(format!("the event at position {position} is not in the log the checkpoint covers: {e}"))
    })?;
    let source = serde_json::from_str::<serde_json::Value>(proved.cloudevent.get())
        .ok()
        .and_then(|v| v["source"].as_str().map(str::to_owned));
    let log = source.filter(|s| s.starts_with(LOG_URI_PREFIX)).unwrap_or_default();
    Ok((event, log, proof))
}

/// The entry [`export`] writes for `event` with `proof` against the checkpoint `note`.
fn rebuild(
    event: &RecordedEvent,
    log: &str,
    proof: &InclusionProof,
    note: &str,
) -> Result<Proved, ResolutionProofError> {
    Ok(Proved { cloudevent: raw(cloudevents::encode(event, log)?)?, proof: tlog_proof(proof, note) })
}
