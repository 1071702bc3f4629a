//! The public record as Atom feeds (RFC 4287): published decisions, and progress reported on
//! public commitments, for a feed reader to follow. Entry ids are `urn:uuid:` ids derived from
//! the record's keys (a decision's key; a commitment's key and the day reported on), so they
//! stay the same from one fetch to the next; links are relative to the service (`/public/…`).
//! The feed's own words come from its caller ([`Words`]), in the language asked for, which the
//! feed names in `xml:lang`; the record's text is in Welsh where the feed is and a translation is
//! recorded ([`Texts`]), else in English, and each entry's content says which in `xml:lang`.

use domain::Date;
use projections::{LastReport, Own, PublicAction, ResolutionEntry};
use quick_xml::escape::escape;
use sha2::{Digest, Sha256};

use super::Texts;

/// The words of a feed, in the language its reader asked for.
pub trait Words: Texts {
    /// Who the feed is by.
    fn author(&self) -> String;
    /// A decision's title: where and when it was made.
    fn decision(&self, decision: &ResolutionEntry) -> String;
    /// The title of the latest progress report on a commitment.
    fn progress(&self, action: &PublicAction, report: &LastReport) -> String;
}

/// A feed's id, title, self link and words, as the caller names them.
#[derive(Clone, Copy)]
pub struct Feed<'a> {
    /// Where the feed is served, such as `/public/feeds/decisions.atom?body=…`: its id derives
    /// from it.
    pub path: &'a str,
    pub title: &'a str,
    /// The day the feed is made for: its `updated` when it has no entries.
    pub today: Date,
    /// The language of the feed's own words (`en`, `cy`).
    pub lang: &'a str,
    pub words: &'a dyn Words,
}

impl std::fmt::Debug for Feed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed").field("path", &self.path).field("title", &self.title).field("lang", &self.lang).finish()
    }
}

/// The feed of `decisions`, latest first.
pub fn decisions(feed: &Feed<'_>, decisions: &[&ResolutionEntry]) -> String {
    let entries = decisions
        .iter()
        .map(|r| {
            let decided = r.decided_on.unwrap_or(feed.today);
            let link = match &r.meeting {
                Some(m) => format!("/public/meetings/{m}#{}", r.resolution),
                None => "/public".to_owned(),
            };
            Entry {
                id: derived(&format!("resolution/{}", r.resolution)),
                title: feed.words.decision(r),
                updated: r.published_on.unwrap_or(decided).max(decided),
                published: Some(decided),
                link,
                content: feed.words.said(Own::ResolutionText(r.resolution.clone()), &r.text).into(),
            }
        })
        .collect();
    write(feed, entries)
}

/// The feed of the latest progress report on each of `actions`, latest first.
pub fn progress(feed: &Feed<'_>, actions: &[&PublicAction]) -> String {
    let mut entries: Vec<Entry> = actions
        .iter()
        .filter_map(|a| {
            let report = a.last_report.as_ref()?;
            let link = match &a.instrument {
                Some(i) => format!("/public/instruments/{i}"),
                None => "/public".to_owned(),
            };
            Some(Entry {
                id: derived(&format!("progress/{}/{}", a.commitment, report.reported_on)),
                title: feed.words.progress(a, report),
                updated: report.reported_on,
                published: Some(report.reported_on),
                link,
                content: Content { text: report.narrative.clone(), lang: "en" },
            })
        })
        .collect();
    entries.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| a.id.cmp(&b.id)));
    write(feed, entries)
}

struct Entry {
    id: String,
    title: String,
    updated: Date,
    published: Option<Date>,
    link: String,
    content: Content,
}

/// An entry's text and the language it is in.
struct Content {
    text: String,
    lang: &'static str,
}

impl From<projections::Said<'_>> for Content {
    fn from(said: projections::Said<'_>) -> Self {
        Content { text: said.text.to_owned(), lang: said.translated.map_or("en", |l| l.code()) }
    }
}

/// A `urn:uuid:` id derived from `name` (a UUIDv8 over SHA-256), the same every time.
fn derived(name: &str) -> String {
    let digest = Sha256::digest(format!("covenant public record/{name}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    format!("urn:uuid:{}", uuid::Builder::from_custom_bytes(bytes).into_uuid().as_hyphenated())
}

/// A day as an RFC 3339 date-time: its start, in UTC.
fn moment(day: Date) -> String {
    format!("{day}T00:00:00Z")
}

fn write(feed: &Feed<'_>, entries: Vec<Entry>) -> String {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(feed.today);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n", escape(feed.lang)));
    out.push_str(&format!("  <id>{}</id>\n", derived(&format!("feed{}", feed.path))));
    out.push_str(&format!("  <title>{}</title>\n", escape(feed.title)));
    out.push_str(&format!("  <updated>{}</updated>\n", moment(updated)));
    out.push_str(&format!("  <author><name>{}</name></author>\n", escape(feed.words.author())));
    out.push_str(&format!("  <link rel=\"self\" href=\"{}\"/>\n", escape(feed.path)));
    out.push_str("  <link rel=\"alternate\" type=\"text/html\" href=\"/public\"/>\n");
    out.push_str("  <generator>Covenant</generator>\n");
    for e in entries {
        out.push_str("  <entry>\n");
        out.push_str(&format!("    <id>{}</id>\n", e.id));
        out.push_str(&format!("    <title>{}</title>\n", escape(&e.title)));
        out.push_str(&format!("    <updated>{}</updated>\n", moment(e.updated)));
        if let Some(published) = e.published {
            out.push_str(&format!("    <published>{}</published>\n", moment(published)));
        }
        out.push_str(&format!("    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&e.link)));
        out.push_str(&format!(
            "    <content type=\"text\" xml:lang=\"{}\">{}</content>\n",
            e.content.lang,
            escape(&e.content.text)
        ));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn ids_are_urn_uuids_that_depend_only_on_their_name() {
        let id = derived("resolution/west-lindsey-pcc-2021-03-09-45");
        assert_eq!(id, derived("resolution/west-lindsey-pcc-2021-03-09-45"));
        assert_ne!(id, derived("resolution/west-lindsey-pcc-2018-01-29-mou"));
        assert!(id.starts_with("urn:uuid:") && Uuid::parse_str(&id["urn:uuid:".len()..]).is_ok(), "{id}");
    }
}
