//! Server-sent events read from a byte stream: each event's `id` and `data`, comments and
//! other fields skipped (the WHATWG event-stream format, as far as the feed uses it).

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

use crate::ClientError;

type Bytes = Pin<Box<dyn Stream<Item = Result<bytes::Bytes, reqwest::Error>> + Send>>;

/// The events of an event stream: `(id, data)`, the data lines joined with newlines.
pub(crate) struct SseEvents {
    bytes: Bytes,
    buffer: String,
    /// Bytes of a character cut by the end of a chunk.
    pending: Vec<u8>,
    id: Option<String>,
    data: Vec<String>,
    done: bool,
}

impl SseEvents {
    pub(crate) fn new(bytes: impl Stream<Item = Result<bytes::Bytes, reqwest::Error>> + Send + 'static) -> Self {
        SseEvents {
            bytes: Box::pin(bytes),
            buffer: String::new(),
            pending: Vec::new(),
            id: None,
            data: Vec::new(),
            done: false,
        }
    }

    /// The next whole event in the buffer, if one has arrived.
    fn next_event(&mut self) -> Option<(Option<String>, String)> {
        while let Some(end) = self.buffer.find('\n') {
            let line: String = self.buffer.drain(..=end).collect();
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if !self.data.is_empty() {
                    let data = std::mem::take(&mut self.data).join("\n");
                    return Some((self.id.take(), data));
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => self.id = Some(value.to_owned()),
                "data" => self.data.push(value.to_owned()),
                _ => {}
            }
        }
        None
    }
}

impl Stream for SseEvents {
    type Item = Result<(Option<String>, String), ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(event) = self.next_event() {
                return Poll::Ready(Some(Ok(event)));
            }
            if self.done {
                return Poll::Ready(None);
            }
            match self.bytes.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    // A chunk may end inside a character: its first bytes wait for the next.
                    self.pending.extend_from_slice(&chunk);
                    let (valid, broken) = match std::str::from_utf8(&self.pending) {
                        Ok(_) => (self.pending.len(), false),
                        Err(e) => (e.valid_up_to(), e.error_len().is_some()),
                    };
                    if broken {
                        self.done = true;
                        return Poll::Ready(Some(Err(ClientError::Unreadable(
                            "the live feed sent text that is not UTF-8".to_owned(),
                        ))));
                    }
                    let text: Vec<u8> = self.pending.drain(..valid).collect();
                    self.buffer.push_str(&String::from_utf8_lossy(&text));
                }
                Poll::Ready(Some(Err(error))) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(error.into())));
                }
                Poll::Ready(None) => self.done = true,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
