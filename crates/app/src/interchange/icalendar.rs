//! The public record as iCalendar (RFC 5545), for people to subscribe to in their calendar: a
//! body's meetings, and the due dates of an organisation's commitments. Both are all-day events
//! (the record keeps days, not times). Each event's UID is made from the record's key, so it
//! stays the same from one fetch to the next and a calendar updates the event in place when the
//! record changes (a cancelled meeting is `STATUS:CANCELLED`). `DTSTAMP` is the start of the day
//! the calendar was made for, so the same log on the same day gives the same file. Text is
//! escaped and lines are folded at 75 octets, as RFC 5545 sets out; lines end in CRLF. The
//! calendar's own words come from its caller ([`Words`]), in the language asked for, and so do
//! the record's texts, in Welsh where asked for and recorded ([`Texts`]).

use domain::Date;
use domain::meeting::Status;
use projections::{ActionState, Own, PublicAction, PublicMeeting};

use super::Texts;

/// The words of a calendar's events, in the language its reader asked for.
pub trait Words: Texts {
    /// What heads a meeting's agenda.
    fn agenda(&self) -> String;
    /// That a meeting's minutes were published `on`, with `decisions` decisions.
    fn minutes_published(&self, on: Date, decisions: usize) -> String;
    /// A commitment's state and how complete it is.
    fn state(&self, state: ActionState, percent: f64) -> String;
    /// What a commitment works towards.
    fn towards(&self, title: &str) -> String;
    /// The summary of a commitment's due date.
    fn due(&self, title: &str) -> String;
}

/// The calendar of `meetings`, named `name`, in `words`.
pub fn meetings(name: &str, meetings: &[&PublicMeeting], today: Date, words: &dyn Words) -> String {
    let mut calendar = Calendar::new(name);
    for m in meetings {
        let mut description = Vec::new();
        if !m.agenda.is_empty() {
            description.push(words.agenda());
            for item in &m.agenda {
                let title = words.said(Own::AgendaItemTitle(m.meeting.clone(), item.item.clone()), &item.title);
                description.push(format!("{}. {}", item.item, title.text));
            }
        }
        if let Some(on) = m.minutes_published_on {
            description.push(words.minutes_published(on, m.resolutions.len()));
        }
        calendar.event(Event {
            uid: format!("meeting-{}@covenant", m.meeting),
            day: m.date,
            summary: format!(
                "{}: {}",
                words.said(Own::BodyName(m.body.clone()), &m.body_name).text,
                words.said(Own::MeetingTitle(m.meeting.clone()), &m.title).text
            ),
            description: description.join("\n"),
            cancelled: m.status == Status::Cancelled,
            today,
        });
    }
    calendar.finish()
}

/// The calendar of the due dates of `actions`, named `name`, in `words`.
pub fn due_dates(name: &str, actions: &[&PublicAction], today: Date, words: &dyn Words) -> String {
    let mut calendar = Calendar::new(name);
    for a in actions {
        let Some(due) = a.due_on else { continue };
        let mut description = vec![words.state(a.state, a.progress)];
        description.extend(a.towards_title.as_deref().map(|t| words.towards(t)));
        calendar.event(Event {
            uid: format!("action-{}@covenant", a.commitment),
            day: due,
            summary: words.due(words.said(Own::CommitmentTitle(a.commitment.clone()), &a.title).text),
            description: description.join("\n"),
            cancelled: false,
            today,
        });
    }
    calendar.finish()
}

struct Event {
    uid: String,
    day: Date,
    summary: String,
    description: String,
    cancelled: bool,
    today: Date,
}

struct Calendar {
    out: String,
}

impl Calendar {
    fn new(name: &str) -> Self {
        let mut calendar = Self { out: String::new() };
        calendar.line("BEGIN:VCALENDAR");
        calendar.line("VERSION:2.0");
        calendar.line("PRODID:-//Covenant//Public record//EN");
        calendar.line("CALSCALE:GREGORIAN");
        calendar.line(&format!("X-WR-CALNAME:{}", text(name)));
        calendar
    }

    fn event(&mut self, e: Event) {
        self.line("BEGIN:VEVENT");
        self.line(&format!("UID:{}", text(&e.uid)));
        self.line(&format!("DTSTAMP:{}T000000Z", e.today.format("%Y%m%d")));
        self.line(&format!("DTSTART;VALUE=DATE:{}", e.day.format("%Y%m%d")));
        if let Some(next) = e.day.succ_opt() {
            self.line(&format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
        }
        self.line(&format!("SUMMARY:{}", text(&e.summary)));
        if !e.description.is_empty() {
            self.line(&format!("DESCRIPTION:{}", text(&e.description)));
        }
        self.line(if e.cancelled { "STATUS:CANCELLED" } else { "STATUS:CONFIRMED" });
        self.line("TRANSP:TRANSPARENT");
        self.line("END:VEVENT");
    }

    fn finish(mut self) -> String {
        self.line("END:VCALENDAR");
        self.out
    }

    /// One content line, folded so that no line is longer than 75 octets (RFC 5545, 3.1): a
    /// break before any character that would pass the limit, never inside a character, and the
    /// continuation begun with a space.
    fn line(&mut self, line: &str) {
        let mut used = 0;
        for c in line.chars() {
            let width = c.len_utf8();
            if used + width > 75 {
                self.out.push_str("\r\n ");
                used = 1;
            }
            self.out.push(c);
            used += width;
        }
        self.out.push_str("\r\n");
    }
}

/// A TEXT value escaped (RFC 5545, 3.3.11): backslash, semicolon and comma escaped, line breaks
/// written as `\n`, other control characters dropped.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_are_folded_at_75_octets_between_characters() {
        assert_eq!(text("a\\b;c,d\ne\r"), "a\\\\b\\;c\\,d\\ne");
        let mut calendar = Calendar { out: String::new() };
        let long = format!("SUMMARY:{}", "Health and Wellbeing Board – Homes for Independence ".repeat(4));
        calendar.line(&long);
        let lines: Vec<&str> = calendar.out.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')));
        let unfolded: String =
            lines.iter().enumerate().map(|(i, l)| if i == 0 { *l } else { &l[1..] }).collect::<Vec<_>>().concat();
        assert_eq!(unfolded, long);
    }
}
