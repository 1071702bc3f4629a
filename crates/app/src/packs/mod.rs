//! A board pack laid out as a document: one printable HTML page (`html`) or a workbook with a
//! sheet per section (`xlsx`). The pack itself is [`crate::reports::Pack`], made by
//! [`crate::Reports::pack`]; the command line, the HTTP API and the dashboard ask for it and
//! hand back what [`render`] writes.

mod html;
mod xlsx;

use crate::reports::Pack;

/// The formats a pack is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackFormat {
    Html,
    Xlsx,
}

impl PackFormat {
    /// The format named `name`, as `--format` and `?format=` give it.
    pub fn parse(name: &str) -> Result<Self, UnknownPackFormat> {
        match name {
            "html" => Ok(PackFormat::Html),
            "xlsx" => Ok(PackFormat::Xlsx),
            other => Err(UnknownPackFormat(other.to_owned())),
        }
    }

    /// The media type of a pack in this format.
    pub fn media_type(self) -> &'static str {
        match self {
            PackFormat::Html => "text/html; charset=utf-8",
            PackFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The extension of a file holding a pack in this format.
    pub fn extension(self) -> &'static str {
        match self {
            PackFormat::Html => "html",
            PackFormat::Xlsx => "xlsx",
        }
    }
}

/// A format name no pack is written in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a pack is written as html or xlsx, not {0:?}: give one of those")]
pub struct UnknownPackFormat(pub String);

/// Why a pack could not be written.
#[derive(Debug, thiserror::Error)]
#[error("failed to write the workbook: {0}")]
pub struct PackUnwritable(#[from] rust_xlsxwriter::XlsxError);

/// The pack written in `format`.
pub fn render(pack: &Pack, format: PackFormat) -> Result<Vec<u8>, PackUnwritable> {
    match format {
        PackFormat::Html => Ok(html::render(pack)),
        PackFormat::Xlsx => Ok(xlsx::render(pack)?),
    }
}
