//! HTML to plain text, for the minute and decision text ModernGov sends as HTML: tags dropped
//! (a block tag or line break becomes a space), character and HTML entities decoded, and runs of
//! white space made one space.

/// The text of `html`, on one line.
pub fn to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            // A lone '<' is text, not a tag.
            text.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close].trim_start_matches('/').to_ascii_lowercase();
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or_default();
        if matches!(name, "p" | "br" | "div" | "li" | "tr" | "td" | "h1" | "h2" | "h3" | "h4" | "ul" | "ol" | "table") {
            text.push(' ');
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    let decoded = quick_xml::escape::unescape_with(&text, quick_xml::escape::resolve_html5_entity)
        .map_or_else(|_| text.clone(), std::borrow::Cow::into_owned);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn tags_are_dropped_and_entities_decoded() {
        let html = "<p>Members gave consideration to the Committee&rsquo;s workplan.</p><p><strong>RESOLVED</strong> that the\n workplan&nbsp;be noted &amp; published.</p>";
        assert_eq!(
            to_text(html),
            "Members gave consideration to the Committee\u{2019}s workplan. RESOLVED that the workplan be noted & published."
        );
    }

    #[test]
    fn text_that_is_not_html_is_kept() {
        assert_eq!(to_text("Costs < £5,000 & rising"), "Costs < £5,000 & rising");
        assert_eq!(to_text("a<br/>b"), "a b");
    }
}
