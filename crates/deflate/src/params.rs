//! The four permessage-deflate parameters (RFC 7692 section 7.1), parsed and
//! checked, and written back.

use noio_ws_registry::ExtensionOffer;

/// The extension's token in `Sec-WebSocket-Extensions`.
pub const NAME: &str = "permessage-deflate";

const SERVER_NO_CONTEXT_TAKEOVER: &str = "server_no_context_takeover";
const CLIENT_NO_CONTEXT_TAKEOVER: &str = "client_no_context_takeover";
const SERVER_MAX_WINDOW_BITS: &str = "server_max_window_bits";
const CLIENT_MAX_WINDOW_BITS: &str = "client_max_window_bits";

/// The parameters of one offer or response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Params {
    /// The server resets its compression context after every message.
    pub server_no_context_takeover: bool,
    /// The client resets its compression context after every message.
    pub client_no_context_takeover: bool,
    /// The largest LZ77 window, as a power of two (8-15), the server may
    /// compress with.
    pub server_max_window_bits: Option<u8>,
    /// The client's window: in an offer, that the client accepts a limit
    /// (with its own limit, if any); in a response, the limit.
    pub client_max_window_bits: Option<WindowBits>,
}

/// A `client_max_window_bits` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WindowBits {
    /// Present without a value: allowed only in an offer.
    Unspecified,
    /// Present with a value, 8-15.
    Bits(u8),
}

/// Why parameters are unacceptable. RFC 7692 section 7: a server declines an
/// offer with these; a client fails the handshake on a response with them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamError {
    /// A parameter the extension does not define.
    #[error("unknown parameter {0:?}")]
    Unknown(String),
    /// A parameter given twice.
    #[error("{0} given twice")]
    Duplicate(&'static str),
    /// A value where none is allowed, none where one is required, or a
    /// window outside 8-15.
    #[error("invalid value for {0}")]
    BadValue(&'static str),
}

impl Params {
    /// Parses the parameters of an element whose name is already known to
    /// be permessage-deflate.
    pub fn parse(offer: &ExtensionOffer) -> Result<Params, ParamError> {
        let mut params = Params::default();
        let mut seen = [false; 4];
        for param in &offer.params {
            let name = param.name.to_ascii_lowercase();
            let (index, name): (usize, &'static str) = match name.as_str() {
                SERVER_NO_CONTEXT_TAKEOVER => (0, SERVER_NO_CONTEXT_TAKEOVER),
                CLIENT_NO_CONTEXT_TAKEOVER => (1, CLIENT_NO_CONTEXT_TAKEOVER),
                SERVER_MAX_WINDOW_BITS => (2, SERVER_MAX_WINDOW_BITS),
                CLIENT_MAX_WINDOW_BITS => (3, CLIENT_MAX_WINDOW_BITS),
                _ => return Err(ParamError::Unknown(param.name.clone())),
            };
            if std::mem::replace(&mut seen[index], true) {
                return Err(ParamError::Duplicate(name));
            }
            let value = param.value.as_deref();
            match index {
                0 | 1 if value.is_some() => return Err(ParamError::BadValue(name)),
                0 => params.server_no_context_takeover = true,
                1 => params.client_no_context_takeover = true,
                2 => params.server_max_window_bits = Some(window_bits(value, name)?),
                _ => {
                    params.client_max_window_bits = Some(match value {
                        None => WindowBits::Unspecified,
                        Some(_) => WindowBits::Bits(window_bits(value, name)?),
                    })
                }
            }
        }
        Ok(params)
    }

    /// The element carrying these parameters.
    pub fn to_offer(self) -> ExtensionOffer {
        let mut offer = ExtensionOffer::new(NAME);
        if self.server_no_context_takeover {
            offer = offer.with_param(SERVER_NO_CONTEXT_TAKEOVER, None);
        }
        if self.client_no_context_takeover {
            offer = offer.with_param(CLIENT_NO_CONTEXT_TAKEOVER, None);
        }
        if let Some(bits) = self.server_max_window_bits {
            offer = offer.with_param(SERVER_MAX_WINDOW_BITS, Some(&bits.to_string()));
        }
        match self.client_max_window_bits {
            Some(WindowBits::Unspecified) => offer = offer.with_param(CLIENT_MAX_WINDOW_BITS, None),
            Some(WindowBits::Bits(bits)) => {
                offer = offer.with_param(CLIENT_MAX_WINDOW_BITS, Some(&bits.to_string()))
            }
            None => {}
        }
        offer
    }
}

/// A window size parameter's value: a decimal 8-15 with no leading zero
/// (RFC 7692 section 7.1.2.1: `1*DIGIT` in `%x38-39 / %x31 %x30-35`).
fn window_bits(value: Option<&str>, name: &'static str) -> Result<u8, ParamError> {
    match value {
        Some(v @ ("8" | "9" | "10" | "11" | "12" | "13" | "14" | "15")) => {
            Ok(v.parse().expect("matched digits"))
        }
        _ => Err(ParamError::BadValue(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(params: &[(&str, Option<&str>)]) -> Result<Params, ParamError> {
        let offer = params.iter().fold(ExtensionOffer::new(NAME), |o, (n, v)| o.with_param(*n, *v));
        Params::parse(&offer)
    }

    #[test]
    fn all_four_parameters() {
        let params = parse(&[
            ("server_no_context_takeover", None),
            ("client_no_context_takeover", None),
            ("server_max_window_bits", Some("10")),
            ("client_max_window_bits", None),
        ])
        .unwrap();
        assert!(params.server_no_context_takeover && params.client_no_context_takeover);
        assert_eq!(params.server_max_window_bits, Some(10));
        assert_eq!(params.client_max_window_bits, Some(WindowBits::Unspecified));
        assert_eq!(Params::parse(&params.to_offer()), Ok(params));
    }

    #[test]
    fn refuses_what_section_7_forbids() {
        assert_eq!(parse(&[("x", None)]), Err(ParamError::Unknown("x".into())));
        let twice = [("server_no_context_takeover", None), ("server_no_context_takeover", None)];
        assert_eq!(parse(&twice), Err(ParamError::Duplicate(SERVER_NO_CONTEXT_TAKEOVER)));
        for bad in ["7", "16", "08", "1a", ""] {
            assert!(parse(&[("server_max_window_bits", Some(bad))]).is_err(), "{bad}");
            assert!(parse(&[("client_max_window_bits", Some(bad))]).is_err(), "{bad}");
        }
        assert!(parse(&[("server_max_window_bits", None)]).is_err());
        assert!(parse(&[("client_no_context_takeover", Some("1"))]).is_err());
    }
}
