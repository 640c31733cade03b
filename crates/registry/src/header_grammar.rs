//! The grammar of the `Sec-WebSocket-Extensions` and `Sec-WebSocket-Protocol`
//! header values (RFC 6455 sections 9.1 and 11.3.4, list rules of RFC 7230
//! section 7): parsing into offers and writing them back.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::HeaderError;

/// One `extension-param`: a name and an optional value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExtensionParam {
    /// The parameter name, a token.
    pub name: String,
    /// The value, a token (written back unquoted), or `None` for a bare name.
    pub value: Option<String>,
}

/// One element of a `Sec-WebSocket-Extensions` header: an extension name and
/// its parameters, in order.
///
/// A client sends one per offer (several for the same extension are
/// fallbacks, most preferred first); a server answers with one per accepted
/// extension, in the order it will apply them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExtensionOffer {
    /// The extension token, for example `permessage-deflate`.
    pub name: String,
    /// The parameters as they appeared.
    pub params: Vec<ExtensionParam>,
}

/// The server's answer for one extension has the same shape as an offer.
pub type ExtensionResponse = ExtensionOffer;

impl ExtensionOffer {
    /// An offer with no parameters.
    pub fn new(name: impl Into<String>) -> Self {
        ExtensionOffer { name: name.into(), params: Vec::new() }
    }

    /// The same offer with one more parameter.
    pub fn with_param(mut self, name: impl Into<String>, value: Option<&str>) -> Self {
        self.params.push(ExtensionParam { name: name.into(), value: value.map(ToString::to_string) });
        self
    }

    /// The parameters called `name`, in order (a valid offer has at most one).
    pub fn params_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a ExtensionParam> + 'a {
        self.params.iter().filter(move |p| p.name.eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for ExtensionOffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        for param in &self.params {
            write!(f, "; {}", param.name)?;
            if let Some(value) = &param.value {
                write!(f, "={value}")?;
            }
        }
        Ok(())
    }
}

/// Writes offers as one header value: `a; x=1, b`.
pub fn format_extensions(offers: &[ExtensionOffer]) -> String {
    let mut out = String::new();
    for (i, offer) in offers.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&offer.to_string());
    }
    out
}

/// Parses a `Sec-WebSocket-Extensions` value into its offers, in order.
///
/// Several header lines are parsed one by one and their offers concatenated
/// (RFC 7230 section 3.2.2). Empty list elements are skipped, as RFC 7230
/// section 7 asks of recipients. A quoted value must be a token once unquoted
/// (RFC 6455 section 9.1) and is returned unquoted.
pub fn parse_extensions(value: &str) -> Result<Vec<ExtensionOffer>, HeaderError> {
    let mut p = Parser { s: value.as_bytes(), at: 0 };
    let mut offers = Vec::new();
    loop {
        p.skip_ows();
        if p.eat(b',') {
            continue;
        }
        if p.done() {
            return Ok(offers);
        }
        let mut offer = ExtensionOffer::new(p.token()?);
        loop {
            p.skip_ows();
            if !p.eat(b';') {
                break;
            }
            p.skip_ows();
            let name = p.token()?;
            p.skip_ows();
            let value = if p.eat(b'=') {
                p.skip_ows();
                Some(if p.peek() == Some(b'"') { p.quoted_token()? } else { p.token()? })
            } else {
                None
            };
            offer.params.push(ExtensionParam { name, value });
        }
        offers.push(offer);
        p.skip_ows();
        if !p.done() && !p.eat(b',') {
            return Err(HeaderError::UnexpectedByte { at: p.at, byte: p.s[p.at] });
        }
    }
}

/// Parses a comma-separated list of tokens, such as a
/// `Sec-WebSocket-Protocol` value, skipping empty elements.
pub fn parse_tokens(value: &str) -> Result<Vec<&str>, HeaderError> {
    let mut p = Parser { s: value.as_bytes(), at: 0 };
    let mut tokens = Vec::new();
    loop {
        p.skip_ows();
        if p.eat(b',') {
            continue;
        }
        if p.done() {
            return Ok(tokens);
        }
        let start = p.at;
        p.token()?;
        tokens.push(&value[start..p.at]);
        p.skip_ows();
        if !p.done() && !p.eat(b',') {
            return Err(HeaderError::UnexpectedByte { at: p.at, byte: p.s[p.at] });
        }
    }
}

/// RFC 7230 `tchar`: the characters of a token.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// True when `s` is a non-empty token.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn done(&self) -> bool {
        self.at >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.at += usize::from(hit);
        hit
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn token(&mut self) -> Result<String, HeaderError> {
        let start = self.at;
        while self.peek().is_some_and(is_tchar) {
            self.at += 1;
        }
        if self.at == start {
            return Err(match self.peek() {
                Some(byte) => HeaderError::UnexpectedByte { at: self.at, byte },
                None => HeaderError::UnexpectedEnd,
            });
        }
        // Every tchar is ASCII, so this slice is valid UTF-8.
        Ok(String::from_utf8_lossy(&self.s[start..self.at]).into_owned())
    }

    /// A quoted-string whose content, unescaped, is a token.
    fn quoted_token(&mut self) -> Result<String, HeaderError> {
        let open = self.at;
        self.at += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(HeaderError::UnterminatedQuote { at: open }),
                Some(b'"') => {
                    self.at += 1;
                    break;
                }
                Some(b'\\') => {
                    self.at += 1;
                    let Some(b) = self.peek() else {
                        return Err(HeaderError::UnterminatedQuote { at: open });
                    };
                    out.push(char::from(b));
                    self.at += 1;
                }
                Some(b) => {
                    out.push(char::from(b));
                    self.at += 1;
                }
            }
        }
        if !is_token(&out) {
            return Err(HeaderError::QuotedValueNotToken { at: open });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offers_with_params_and_fallbacks() {
        let offers = parse_extensions(
            "permessage-deflate; client_max_window_bits; server_max_window_bits=\"10\", permessage-deflate ,, x",
        )
        .unwrap();
        assert_eq!(
            offers,
            [
                ExtensionOffer::new("permessage-deflate")
                    .with_param("client_max_window_bits", None)
                    .with_param("server_max_window_bits", Some("10")),
                ExtensionOffer::new("permessage-deflate"),
                ExtensionOffer::new("x"),
            ]
        );
        assert_eq!(
            format_extensions(&offers),
            "permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate, x"
        );
    }

    #[test]
    fn rejects_malformed_values() {
        assert_eq!(parse_extensions("a;"), Err(HeaderError::UnexpectedEnd));
        assert_eq!(parse_extensions("a b"), Err(HeaderError::UnexpectedByte { at: 2, byte: b'b' }));
        assert_eq!(parse_extensions("a; x=\"1 0\""), Err(HeaderError::QuotedValueNotToken { at: 5 }));
        assert_eq!(parse_extensions("a; x=\"10"), Err(HeaderError::UnterminatedQuote { at: 5 }));
        assert_eq!(parse_extensions("a; =1"), Err(HeaderError::UnexpectedByte { at: 3, byte: b'=' }));
        assert_eq!(parse_extensions(""), Ok(Vec::new()));
    }

    #[test]
    fn token_lists() {
        assert_eq!(parse_tokens(" chat, superchat ,,echo").unwrap(), ["chat", "superchat", "echo"]);
        assert!(parse_tokens("chat; v=1").is_err());
        assert!(parse_tokens("a b").is_err());
    }
}
