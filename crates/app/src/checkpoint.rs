//! Signed checkpoints: the C2SP `tlog-checkpoint` body (origin, tree size, base64 root hash) in a
//! C2SP `signed-note`, signed with Ed25519 by the log's key and cosigned by witnesses' keys (C2SP
//! `tlog-cosignature`, `cosignature/v1`); the keys' text forms, and the parsers that refuse every
//! malformed note in words (`docs/audit.md`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use kernel::Hash;
use sha2::{Digest, Sha256};

/// The accessors both key types share, over their `name` and `kind` fields: the name, the kind,
/// and the key itself refused in words unless it is of a kind.
macro_rules! name_and_kind {
    () => {
        pub fn name(&self) -> &str {
            &self.name
        }

        pub fn kind(&self) -> KeyKind {
            self.kind
        }

        /// This key, refused in words unless it is of `kind`.
        pub fn of_kind(self, kind: KeyKind) -> Result<Self, NoteError> {
            if self.kind == kind { Ok(self) } else { Err(wrong_kind(&self.name, self.kind, kind)) }
        }
    };
}

/// What a key signs: a log's checkpoints, or as a witness, other logs' checkpoints it found
/// consistent. Each has its own signature type byte, which enters the key id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// Ed25519 signatures of a log's own notes (type byte 0x01).
    Log,
    /// Timestamped Ed25519 cosignatures, `cosignature/v1` (type byte 0x04).
    Witness,
}

impl KeyKind {
    fn byte(self) -> u8 {
        match self {
            KeyKind::Log => 0x01,
            KeyKind::Witness => 0x04,
        }
    }

    fn of(byte: u8) -> Option<Self> {
        [KeyKind::Log, KeyKind::Witness].into_iter().find(|kind| kind.byte() == byte)
    }
}

/// The first line of the message a cosignature signs.
const COSIGNATURE_HEADER: &str = "cosignature/v1\n";
/// The most signature lines a note may carry; C2SP asks verifiers to accept at least 16.
const MAX_SIGNATURES: usize = 100;
/// The prefix of a signature line: an em dash and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";
/// The prefix of a private key's text form (as the Go `note` package writes it).
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// Why a key, a checkpoint or a note was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error(
        "the key name '{0}' is not usable: give a non-empty name with no spaces and no '+', such as example.org/covenant"
    )]
    KeyName(String),
    #[error("the key is not in the expected form: {0}")]
    Key(String),
    #[error("the checkpoint is not in the tlog-checkpoint form: {0}")]
    Checkpoint(String),
    #[error("the note is not a signed note: {0}")]
    Note(String),
    #[error("the note carries no signature by {name} (key id {id}): it was signed with another key, or not at all")]
    NotSigned { name: String, id: String },
    #[error("the signature by {name} does not verify: the note was altered after it was signed")]
    BadSignature { name: String },
    #[error("the key {name} is a {found} key, where a {wanted} key is needed: {hint}")]
    WrongKind { name: String, found: &'static str, wanted: &'static str, hint: &'static str },
}

impl KeyKind {
    fn word(self) -> &'static str {
        match self {
            KeyKind::Log => "log's signing",
            KeyKind::Witness => "witness's cosigning",
        }
    }
}

fn wrong_kind(name: &str, found: KeyKind, wanted: KeyKind) -> NoteError {
    NoteError::WrongKind {
        name: name.to_owned(),
        found: found.word(),
        wanted: wanted.word(),
        hint: match wanted {
            KeyKind::Log => "make one with `covenant keys init --name NAME`",
            KeyKind::Witness => "make one with `covenant keys init --witness --name NAME`",
        },
    }
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(NoteError::KeyName(name.to_owned()));
    }
    Ok(())
}

/// `SHA-256(name || 0x0A || type byte || public key)[:4]`.
fn key_id(name: &str, kind: KeyKind, public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0a, kind.byte()]);
    h.update(public.as_bytes());
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A key that signs: a log's key, named by the log's origin, that signs its checkpoints, or a
/// witness's key, named by the witness, that cosigns other logs' checkpoints.
#[derive(Clone, Debug)]
pub struct NoteSigner {
    name: String,
    kind: KeyKind,
    key: SigningKey,
}

impl NoteSigner {
    /// A new log key from 32 random bytes.
    pub fn generate(name: &str) -> Result<Self, NoteError> {
        Self::generate_kind(name, KeyKind::Log)
    }

    /// A new key of `kind` from 32 random bytes.
    pub fn generate_kind(name: &str, kind: KeyKind) -> Result<Self, NoteError> {
        check_name(name)?;
        let seed: [u8; 32] = rand::random();
        Ok(Self { name: name.to_owned(), kind, key: SigningKey::from_bytes(&seed) })
    }

    name_and_kind!();

    /// `PRIVATE+KEY+<name>+<key id, 8 hex digits>+<base64(type byte || 32-byte seed)>`.
    pub fn to_text(&self) -> String {
        let id = hex::encode(key_id(&self.name, self.kind, &self.key.verifying_key()));
        let mut bytes = vec![self.kind.byte()];
        bytes.extend_from_slice(self.key.as_bytes());
        format!("{PRIVATE_PREFIX}{}+{id}+{}", self.name, BASE64.encode(bytes))
    }

    /// Reads the text form [`NoteSigner::to_text`] writes.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let rest = text
            .trim_end()
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or_else(|| NoteError::Key(format!("a private key starts with {PRIVATE_PREFIX}")))?;
        let (name, kind, id, bytes) = key_parts(rest)?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| NoteError::Key("an Ed25519 private key is 32 bytes after its type byte".into()))?;
        let key = SigningKey::from_bytes(&seed);
        if key_id(&name, kind, &key.verifying_key()) != id {
            return Err(NoteError::Key("the key id does not match the name and key".into()));
        }
        Ok(Self { name, kind, key })
    }

    /// The key that verifies this key's signatures.
    pub fn verifier(&self) -> NoteVerifier {
        let key = self.key.verifying_key();
        NoteVerifier { id: key_id(&self.name, self.kind, &key), name: self.name.clone(), kind: self.kind, key }
    }

    /// Signs `text` (ending in a newline) as a signed note with one signature line: a log key's
    /// signature, or a witness key's cosignature made now.
    pub fn sign(&self, text: &str) -> String {
        let line = match self.kind {
            KeyKind::Log => self.signature_line(&self.key.sign(text.as_bytes()).to_bytes(), None),
            KeyKind::Witness => self.cosignature_line(text, seconds_now()),
        };
        format!("{text}\n{line}")
    }

    /// A witness key's `cosignature/v1` line for the checkpoint `text`, made at `time` (seconds
    /// since the epoch): the key id, the time as eight big-endian bytes, and the Ed25519
    /// signature of `cosignature/v1`, `time <time>` and the checkpoint, each line ending in a
    /// newline.
    fn cosignature_line(&self, text: &str, time: u64) -> String {
        let message = format!("{COSIGNATURE_HEADER}time {time}\n{text}");
        self.signature_line(&self.key.sign(message.as_bytes()).to_bytes(), Some(time))
    }

    fn signature_line(&self, signature: &[u8; 64], time: Option<u64>) -> String {
        let mut bytes = self.verifier().id.to_vec();
        bytes.extend(time.map(u64::to_be_bytes).into_iter().flatten());
        bytes.extend_from_slice(signature);
        format!("{SIGNATURE_PREFIX}{} {}\n", self.name, BASE64.encode(bytes))
    }
}

/// Seconds since the epoch, now.
fn seconds_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Splits `<name>+<hex key id>+<base64(type byte || key)>` into its parts.
fn key_parts(text: &str) -> Result<(String, KeyKind, [u8; 4], Vec<u8>), NoteError> {
    // The key's base64 may itself hold '+': only the first two separate fields.
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::Key("a key is written as name+keyid+key".into()));
    };
    check_name(name)?;
    let mut key_id = [0u8; 4];
    hex::decode_to_slice(id, &mut key_id)
        .map_err(|_| NoteError::Key(format!("the key id '{id}' is not 8 hexadecimal digits")))?;
    let bytes = BASE64.decode(key).map_err(|e| NoteError::Key(format!("the key is not base64 ({e})")))?;
    match bytes.split_first().and_then(|(&byte, key)| Some((KeyKind::of(byte)?, key))) {
        Some((kind, key)) => Ok((name.to_owned(), kind, key_id, key.to_vec())),
        None => Err(NoteError::Key(
            "only Ed25519 keys (type byte 0x01) and Ed25519 cosigning keys (0x04) are supported".into(),
        )),
    }
}

/// A key that verifies signatures: what a partner or an auditor holds of a log's key or of a
/// witness's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    kind: KeyKind,
    id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    name_and_kind!();

    /// `<name>+<key id, 8 hex digits>+<base64(type byte || 32-byte public key)>`.
    pub fn to_text(&self) -> String {
        let mut bytes = vec![self.kind.byte()];
        bytes.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex::encode(self.id), BASE64.encode(bytes))
    }

    /// Reads the text form [`NoteVerifier::to_text`] writes.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let (name, kind, id, bytes) = key_parts(text.trim_end())?;
        let public: [u8; 32] = bytes
            .try_into()
            .map_err(|_| NoteError::Key("an Ed25519 public key is 32 bytes after its type byte".into()))?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| NoteError::Key("not an Ed25519 public key".into()))?;
        if key_id(&name, kind, &key) != id {
            return Err(NoteError::Key("the key id does not match the name and key".into()));
        }
        Ok(Self { name, kind, id, key })
    }

    /// Checks the note's signature by this key (a log's) and returns the note's text (with its
    /// final newline). Signatures by other keys are ignored, as the format says.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let (text, bytes) = self.signature(note)?;
        let bad = || NoteError::BadSignature { name: self.name.clone() };
        let signature = match self.kind {
            KeyKind::Log => Signature::from_slice(&bytes).map_err(|_| bad())?,
            KeyKind::Witness => return Err(wrong_kind(&self.name, self.kind, KeyKind::Log)),
        };
        self.key.verify(text.as_bytes(), &signature).map_err(|_| bad())?;
        Ok(text)
    }

    /// Checks the note's cosignature by this key (a witness's) and returns the note's text and
    /// the time the witness cosigned it, in seconds since the epoch.
    pub fn open_cosigned<'a>(&self, note: &'a str) -> Result<(&'a str, u64), NoteError> {
        if self.kind != KeyKind::Witness {
            return Err(wrong_kind(&self.name, self.kind, KeyKind::Witness));
        }
        let (text, bytes) = self.signature(note)?;
        let bad = || NoteError::BadSignature { name: self.name.clone() };
        let (time, signature) = bytes.split_at_checked(8).ok_or_else(bad)?;
        let time = u64::from_be_bytes(time.try_into().map_err(|_| bad())?);
        let signature = Signature::from_slice(signature).map_err(|_| bad())?;
        let message = format!("{COSIGNATURE_HEADER}time {time}\n{text}");
        self.key.verify(message.as_bytes(), &signature).map_err(|_| bad())?;
        Ok((text, time))
    }

    /// The note's text and the bytes after the key id of this key's signature line.
    fn signature<'a>(&self, note: &'a str) -> Result<(&'a str, Vec<u8>), NoteError> {
        if note.chars().any(|c| c < ' ' && c != '\n') {
            return Err(NoteError::Note("it holds a control character other than newline".into()));
        }
        let split = note.rfind("\n\n").ok_or_else(|| NoteError::Note("no blank line before the signatures".into()))?;
        let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
        let lines = signatures
            .strip_suffix('\n')
            .ok_or_else(|| NoteError::Note("the last signature line does not end in a newline".into()))?
            .split('\n')
            .collect::<Vec<_>>();
        if lines.len() > MAX_SIGNATURES {
            return Err(NoteError::Note(format!("more than {MAX_SIGNATURES} signature lines")));
        }
        let mut mine = None;
        for line in lines {
            let rest = line
                .strip_prefix(SIGNATURE_PREFIX)
                .ok_or_else(|| NoteError::Note(format!("'{line}' is not a signature line (— name signature)")))?;
            let (name, signature) = rest
                .split_once(' ')
                .ok_or_else(|| NoteError::Note(format!("'{line}' has no space between key name and signature")))?;
            check_name(name)?;
            let bytes = BASE64
                .decode(signature)
                .map_err(|e| NoteError::Note(format!("the signature by {name} is not base64 ({e})")))?;
            if bytes.len() < 4 {
                return Err(NoteError::Note(format!("the signature by {name} is shorter than its key id")));
            }
            if name == self.name && bytes[..4] == self.id {
                mine = Some(bytes);
            }
        }
        let Some(bytes) = mine else {
            return Err(NoteError::NotSigned { name: self.name.clone(), id: hex::encode(self.id) });
        };
        Ok((text, bytes[4..].to_vec()))
    }

    /// `note` with `cosigned`'s signature line by this key added, in place of any earlier line by
    /// the same key. `cosigned` must be the same text, cosigned by this key (checked).
    pub fn add_cosignature(&self, note: &str, cosigned: &str) -> Result<String, NoteError> {
        let (text, _) = self.open_cosigned(cosigned)?;
        if !note.starts_with(text) || note.as_bytes().get(text.len()) != Some(&b'\n') {
            return Err(NoteError::Checkpoint("the cosigned checkpoint is not this one".into()));
        }
        let line = |note: &str| {
            note[text.len() + 1..]
                .lines()
                .find(|line| self.is_mine(line))
                .map(|line| format!("{line}\n"))
                .ok_or_else(|| NoteError::NotSigned { name: self.name.clone(), id: hex::encode(self.id) })
        };
        let new = line(cosigned)?;
        let kept: String =
            note[text.len() + 1..].lines().filter(|l| !self.is_mine(l)).map(|l| format!("{l}\n")).collect();
        Ok(format!("{text}\n{kept}{new}"))
    }

    /// Whether `line` is a signature line by this key.
    fn is_mine(&self, line: &str) -> bool {
        let Some((name, signature)) = line.strip_prefix(SIGNATURE_PREFIX).and_then(|r| r.split_once(' ')) else {
            return false;
        };
        name == self.name && BASE64.decode(signature).is_ok_and(|b| b.len() >= 4 && b[..4] == self.id)
    }
}

/// A witness's cosignature found on a checkpoint: the witness's key name, and when it cosigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosignature {
    pub witness: String,
    /// Seconds since the epoch, as the cosignature says.
    pub seconds: u64,
}

impl std::fmt::Display for Cosignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let time =
            i64::try_from(self.seconds).ok().and_then(|s| kernel::Timestamp::from_micros(s.checked_mul(1_000_000)?));
        match time {
            Some(time) => write!(f, "the witness {} (at {time})", self.witness),
            None => write!(f, "the witness {} (at {} s after 1970)", self.witness, self.seconds),
        }
    }
}

/// The cosignature of each of `witnesses` on `note`, in their order; refused, naming the first
/// witness whose cosignature is missing or does not verify, unless every one of them cosigned.
pub fn cosignatures(note: &str, witnesses: &[NoteVerifier]) -> Result<Vec<Cosignature>, NoteError> {
    witnesses
        .iter()
        .map(|witness| {
            let (_, seconds) = witness.open_cosigned(note)?;
            Ok(Cosignature { witness: witness.name().to_owned(), seconds })
        })
        .collect()
}

/// A C2SP `tlog-checkpoint`: the log's origin, its size and the Merkle tree's root at that size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: origin, decimal size and base64 root, each on its own line.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root.0))
    }

    /// Reads a checkpoint body; extension lines after the root are allowed and ignored.
    pub fn parse_body(text: &str) -> Result<Self, NoteError> {
        let bad = |what: &str| NoteError::Checkpoint(what.to_owned());
        let mut lines = text.strip_suffix('\n').ok_or_else(|| bad("it does not end in a newline"))?.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(bad("it needs an origin line, a tree size line and a root hash line"));
        };
        if origin.is_empty() {
            return Err(bad("the origin line is empty"));
        }
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) || (size.len() > 1 && size.starts_with('0')) {
            return Err(bad("the tree size is not a decimal number without leading zeros"));
        }
        let size = size.parse().map_err(|_| bad("the tree size is too large"))?;
        let root = BASE64.decode(root).ok().and_then(|b| Hash::from_slice(&b));
        let root = root.ok_or_else(|| bad("the root hash is not 32 bytes in base64"))?;
        Ok(Self { origin: origin.to_owned(), size, root })
    }

    /// Signs the checkpoint as a signed note.
    pub fn sign(&self, signer: &NoteSigner) -> String {
        signer.sign(&self.body())
    }

    /// Verifies a signed checkpoint with `verifier` and reads it; its origin must be the key's
    /// name.
    pub fn open(note: &str, verifier: &NoteVerifier) -> Result<Self, NoteError> {
        let checkpoint = Self::parse_body(verifier.open(note)?)?;
        if checkpoint.origin != verifier.name {
            return Err(NoteError::Checkpoint(format!(
                "its origin '{}' is not the key's name '{}'",
                checkpoint.origin, verifier.name
            )));
        }
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint { origin: "example.org/covenant".into(), size: 202, root: Hash([7; 32]) }
    }

    #[test]
    fn a_signed_checkpoint_round_trips_in_the_c2sp_form() {
        let signer = NoteSigner::generate("example.org/covenant").expect("a good name");
        let note = checkpoint().sign(&signer);
        let lines: Vec<&str> = note.lines().collect();
        assert_eq!(lines[..3], ["example.org/covenant", "202", &BASE64.encode([7; 32])]);
        assert_eq!(lines[3], "");
        assert!(lines[4].starts_with("\u{2014} example.org/covenant "), "{note}");
        let sig = BASE64.decode(lines[4].rsplit(' ').next().expect("signature")).expect("base64");
        assert_eq!(sig.len(), 4 + 64, "key id and Ed25519 signature");
        assert_eq!(sig[..4], signer.verifier().id);
        assert_eq!(Checkpoint::open(&note, &signer.verifier()), Ok(checkpoint()));

        let verifier = NoteVerifier::parse(&signer.verifier().to_text()).expect("verifier key");
        assert_eq!(verifier, signer.verifier());
        let again = NoteSigner::parse(&signer.to_text()).expect("private key");
        assert_eq!(again.verifier(), signer.verifier());
    }

    #[test]
    fn the_key_id_is_as_c2sp_defines_it() {
        let signer = NoteSigner::generate("example.org/covenant").expect("name");
        let verifier = signer.verifier();
        let mut h = Sha256::new();
        h.update(b"example.org/covenant\n\x01");
        h.update(verifier.key.as_bytes());
        assert_eq!(verifier.id[..], h.finalize()[..4]);
        let text = verifier.to_text();
        let prefix = format!("example.org/covenant+{}+", hex::encode(verifier.id));
        let key = BASE64.decode(text.strip_prefix(&prefix).expect("name+keyid+")).expect("base64");
        assert_eq!(key[0], 0x01, "the Ed25519 type byte");
        assert_eq!(key[1..], verifier.key.as_bytes()[..]);
    }

    #[test]
    fn a_checkpoint_signed_with_another_key_is_refused() {
        let ours = NoteSigner::generate("example.org/covenant").expect("name");
        let theirs = NoteSigner::generate("example.org/covenant").expect("name");
        let note = checkpoint().sign(&theirs);
        let refused = Checkpoint::open(&note, &ours.verifier()).expect_err("another key");
        assert!(matches!(refused, NoteError::NotSigned { .. }), "{refused:?}");
        assert!(refused.to_string().contains("signed with another key"), "{refused}");
    }

    #[test]
    fn an_altered_checkpoint_is_refused() {
        let signer = NoteSigner::generate("example.org/covenant").expect("name");
        let note = checkpoint().sign(&signer).replacen("202", "203", 1);
        let refused = Checkpoint::open(&note, &signer.verifier()).expect_err("altered");
        assert_eq!(refused, NoteError::BadSignature { name: "example.org/covenant".into() });
    }

    #[test]
    fn bad_names_and_bodies_are_refused_in_words() {
        assert!(matches!(NoteSigner::generate("two words"), Err(NoteError::KeyName(_))));
        assert!(matches!(NoteSigner::generate("a+b"), Err(NoteError::KeyName(_))));
        let leading = Checkpoint::parse_body("o\n012\nAAAA\n").expect_err("leading zero");
        assert!(leading.to_string().contains("without leading zeros"), "{leading}");
        let short = Checkpoint::parse_body("o\n12\n").expect_err("no root");
        assert!(short.to_string().contains("root hash line"), "{short}");
    }

    #[test]
    fn a_witness_cosigns_as_c2sp_tlog_cosignature_says() {
        let log = NoteSigner::generate("example.org/covenant").expect("name");
        let witness = NoteSigner::generate_kind("witness.example.org/w1", KeyKind::Witness).expect("name");
        let body = checkpoint().body();
        let line = witness.cosignature_line(&body, 1_679_315_147);
        let bytes = BASE64.decode(line.trim_end().rsplit(' ').next().expect("signature")).expect("base64");
        assert_eq!(bytes.len(), 4 + 8 + 64, "key id, timestamp and Ed25519 signature");
        assert_eq!(bytes[..4], witness.verifier().id);
        let mut h = Sha256::new();
        h.update(b"witness.example.org/w1\n\x04");
        h.update(witness.verifier().key.as_bytes());
        assert_eq!(bytes[..4], h.finalize()[..4], "the key id takes the cosignature type byte 0x04");
        assert_eq!(bytes[4..12], 1_679_315_147u64.to_be_bytes());
        let message = format!("cosignature/v1\ntime 1679315147\n{body}");
        let signature = Signature::from_slice(&bytes[12..]).expect("64 bytes");
        witness.verifier().key.verify(message.as_bytes(), &signature).expect("the signed message is as specified");

        let note = checkpoint().sign(&log);
        let cosigned = format!("{body}\n{line}");
        let both = witness.verifier().add_cosignature(&note, &cosigned).expect("added");
        assert_eq!(both.lines().count(), 6, "{both}");
        assert_eq!(Checkpoint::open(&both, &log.verifier()), Ok(checkpoint()), "the log's signature still verifies");
        assert_eq!(witness.verifier().open_cosigned(&both).expect("cosigned").1, 1_679_315_147);
        let again = format!("{body}\n{}", witness.cosignature_line(&body, 1_679_315_200));
        let replaced = witness.verifier().add_cosignature(&both, &again).expect("added again");
        assert_eq!(replaced.lines().count(), 6, "a witness's later cosignature replaces its earlier one");
        assert_eq!(witness.verifier().open_cosigned(&replaced).expect("cosigned").1, 1_679_315_200);
    }

    #[test]
    fn cosignatures_of_another_checkpoint_or_by_the_wrong_kind_of_key_are_refused() {
        let log = NoteSigner::generate("example.org/covenant").expect("name");
        let witness = NoteSigner::generate_kind("witness.example.org/w1", KeyKind::Witness).expect("name");
        let note = checkpoint().sign(&log);
        let other = Checkpoint { size: 203, ..checkpoint() };
        let cosigned = witness.sign(&other.body());
        let refused = witness.verifier().add_cosignature(&note, &cosigned).expect_err("another checkpoint");
        assert!(refused.to_string().contains("not this one"), "{refused}");
        let altered = witness.sign(&checkpoint().body()).replacen("202", "203", 1);
        assert!(matches!(witness.verifier().open_cosigned(&altered), Err(NoteError::BadSignature { .. })));
        let wrong = Checkpoint::open(&witness.sign(&checkpoint().body()), &witness.verifier()).expect_err("kind");
        assert!(wrong.to_string().contains("witness's cosigning key, where a log's signing key is needed"), "{wrong}");
        let as_log = log.clone().of_kind(KeyKind::Witness).expect_err("a log key is no witness key");
        assert!(as_log.to_string().contains("covenant keys init --witness"), "{as_log}");
        let text = witness.to_text();
        assert_eq!(NoteSigner::parse(&text).expect("parses").kind(), KeyKind::Witness);
        assert_eq!(NoteVerifier::parse(&witness.verifier().to_text()).expect("parses"), witness.verifier());
    }

    proptest! {
        #[test]
        fn the_parsers_never_panic_and_refuse_in_words(text in "\\PC*", bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let signer = NoteSigner::parse("PRIVATE+KEY+example.org/covenant+00000000+AQ==");
            prop_assert!(signer.is_err());
            let verifier = NoteSigner::generate("example.org/covenant").expect("name").verifier();
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            for input in [text.as_str(), lossy.as_str()] {
                for error in [
                    Checkpoint::open(input, &verifier).err(),
                    Checkpoint::parse_body(input).err(),
                    NoteVerifier::parse(input).err(),
                    NoteSigner::parse(input).err(),
                ].into_iter().flatten() {
                    prop_assert!(!error.to_string().is_empty());
                }
            }
        }

        #[test]
        fn a_mutated_signed_checkpoint_is_refused(at in any::<prop::sample::Index>(), to in any::<u8>()) {
            let signer = NoteSigner::generate("example.org/covenant").expect("name");
            let note = checkpoint().sign(&signer).into_bytes();
            let mut changed = note.clone();
            let i = at.index(changed.len());
            prop_assume!(changed[i] != to);
            changed[i] = to;
            if let Ok(text) = String::from_utf8(changed) {
                prop_assert!(Checkpoint::open(&text, &signer.verifier()).is_err(), "{text}");
            }
        }
    }
}
