//! WebSockets over HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220): the extended
//! CONNECT handshake, on `http` types like the HTTP/1.1 one.
//!
//! Over HTTP/2 and HTTP/3 a WebSocket is one stream, opened by a `CONNECT`
//! request that carries the `:protocol` pseudo-header `websocket` and the
//! target as `:scheme`, `:authority` and `:path`. There is no key and no
//! `Upgrade`/`Connection` (connection-specific fields are malformed in both
//! versions); `Sec-WebSocket-Version`, `-Protocol` and `-Extensions` mean
//! what they mean over HTTP/1.1, and a 2xx answer (not 101) opens the
//! tunnel. From there on the stream carries plain RFC 6455 frames: the same
//! [`Connection`](https://docs.rs/noio-ws-connection), masking and
//! permessage-deflate included. The end of the stream is the transport's
//! end; a stream reset is an abnormal closure.
//!
//! `SETTINGS_ENABLE_CONNECT_PROTOCOL` (RFC 8441 section 3; the same setting,
//! 0x08, in HTTP/3 by RFC 9220 section 3) is the HTTP layer's, not this
//! crate's:
//! - a server that accepts these requests sends it with the value 1 in its
//!   SETTINGS, and may never take it back;
//! - a client must not send an extended CONNECT before the server's
//!   SETTINGS said 1. Neither ALPN `h2` nor a server that speaks HTTP/2
//!   implies it: without the setting, use HTTP/1.1.
//!
//! HTTP/3 libraries: the released `h3` (0.0.8) cannot express this
//! handshake. Its `ext::Protocol` holds only `webtransport` and
//! `connect-udp`, so a client cannot send `:protocol` websocket, and a
//! server resets a stream that carries it. `websocket` was added on h3's
//! main branch (hyperium/h3#236) but is in no release yet. So noio-ws ships
//! the HTTP/3 handshake here, tested at the header level, and no HTTP/3
//! adapter until a released h3 can carry it.
//!
//! `http::Request` has no place for a pseudo-header of its own, so the
//! `:protocol` value travels as a [`ConnectProtocol`] in the request's
//! extensions: [`ClientRequest::extended_connect`](crate::ClientRequest::extended_connect)
//! puts it there, and a server adapter puts it there from its HTTP library's
//! own type (`h2::ext::Protocol`, `hyper::ext::Protocol`, `h3::ext::Protocol`)
//! before [`IncomingRequest::from_request`](crate::IncomingRequest::from_request).

use std::borrow::Cow;

use http::{HeaderMap, Method, Request, Response, Version};
use noio_ws_codec::Role;
use noio_ws_codec::bytes::Bytes;
use noio_ws_registry::ExtensionStack;

use crate::headers;
use crate::{Accepted, HandshakeError};

/// The value of an extended CONNECT's `:protocol` pseudo-header (RFC 8441
/// section 4), kept in an `http::Request`'s extensions.
///
/// ```
/// use noio_ws_handshake::ConnectProtocol;
///
/// assert!(ConnectProtocol::WEBSOCKET.is_websocket());
/// assert_eq!(ConnectProtocol::WEBSOCKET.as_str(), "websocket");
/// assert!(!ConnectProtocol::new("webtransport").is_websocket());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConnectProtocol(Cow<'static, str>);

impl ConnectProtocol {
    /// `websocket`, the value that opens a WebSocket.
    pub const WEBSOCKET: ConnectProtocol = ConnectProtocol(Cow::Borrowed("websocket"));

    /// The value an HTTP library received (an upgrade token, RFC 8441
    /// section 4).
    pub fn new(value: impl Into<Cow<'static, str>>) -> Self {
        ConnectProtocol(value.into())
    }

    /// The value, to hand to an HTTP library's own type.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for `websocket`, in any case (upgrade tokens are
    /// case-insensitive, RFC 9110 section 7.8).
    pub fn is_websocket(&self) -> bool {
        self.0.eq_ignore_ascii_case("websocket")
    }
}

/// True when `version` opens WebSockets with an extended CONNECT.
pub(crate) fn is_extended_version(version: Version) -> bool {
    version == Version::HTTP_2 || version == Version::HTTP_3
}

/// The fields RFC 9113 section 8.2.2 (and RFC 9114 section 4.2) make a
/// request or response malformed with.
const CONNECTION_SPECIFIC: [&str; 5] =
    ["connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade"];

/// The first connection-specific field in `headers`, if any; `te` is one
/// unless its value is `trailers`.
fn connection_specific(headers: &HeaderMap) -> Option<&'static str> {
    if let Some(name) = CONNECTION_SPECIFIC.into_iter().find(|name| headers.contains_key(*name)) {
        return Some(name);
    }
    let te = headers.get_all("te").iter();
    te.into_iter().any(|v| !v.as_bytes().eq_ignore_ascii_case(b"trailers")).then_some("te")
}

/// Checks an HTTP/2 or HTTP/3 request against RFC 8441 sections 4 and 5
/// (RFC 9220 section 3 for HTTP/3): a CONNECT with `:protocol` websocket, a
/// full target, version 13, and no connection-specific fields.
pub(crate) fn validate(request: &Request<()>) -> Result<(), HandshakeError> {
    if request.method() != Method::CONNECT {
        return Err(HandshakeError::NotConnect(request.method().to_string()));
    }
    match request.extensions().get::<ConnectProtocol>() {
        Some(protocol) if protocol.is_websocket() => {}
        Some(protocol) => return Err(HandshakeError::ConnectProtocol(Some(protocol.as_str().to_owned()))),
        None => return Err(HandshakeError::ConnectProtocol(None)),
    }
    // Section 4: with `:protocol`, `:scheme` and `:path` must be there too
    // (an `http::Uri` with a scheme always has a path), and `:authority`
    // names the target as for any request.
    let uri = request.uri();
    if uri.scheme().is_none() {
        return Err(HandshakeError::BadHeader { header: ":scheme", problem: "missing" });
    }
    if uri.authority().is_none() {
        return Err(HandshakeError::BadHeader { header: ":authority", problem: "missing" });
    }
    let h = request.headers();
    if let Some(name) = connection_specific(h) {
        return Err(HandshakeError::BadHeader { header: name, problem: "not allowed in HTTP/2 or HTTP/3" });
    }
    let version = headers::single(h, "sec-websocket-version")?.map(http::HeaderValue::as_bytes);
    if version != Some(b"13") {
        return Err(HandshakeError::UnsupportedVersion);
    }
    Ok(())
}

/// The head answering a refused extended CONNECT: the error's status, but
/// 400 for a version other than 13 (426 is an HTTP/1.1 upgrade's, and its
/// `Upgrade` field cannot be sent), with `Sec-WebSocket-Version: 13`.
pub(crate) fn error_head(error: &HandshakeError, version: Version) -> Response<()> {
    let mut response = Response::new(());
    *response.version_mut() = version;
    *response.status_mut() = match error {
        HandshakeError::UnsupportedVersion => {
            let headers = response.headers_mut();
            headers.insert("sec-websocket-version", http::HeaderValue::from_static("13"));
            http::StatusCode::BAD_REQUEST
        }
        other => other.status(),
    };
    response
}

/// The request a client sends over HTTP/2 or HTTP/3: `CONNECT` to
/// `request`'s target, with `:protocol` websocket in its extensions,
/// `request`'s headers and `offers` (the version, subprotocols and
/// extensions).
pub(crate) fn client_request(
    request: Request<()>,
    version: Version,
    offers: HeaderMap,
) -> Result<Request<()>, HandshakeError> {
    if !is_extended_version(version) {
        return Err(HandshakeError::InvalidRequest(format!(
            "an extended CONNECT is sent over HTTP/2 or HTTP/3, not {version:?}"
        )));
    }
    let (parts, ()) = request.into_parts();
    let scheme = match parts.uri.scheme_str() {
        Some("wss" | "https") => "https",
        Some("ws" | "http") => "http",
        _ => {
            return Err(HandshakeError::InvalidRequest(
                "the URI's scheme must be ws, wss, http or https".into(),
            ));
        }
    };
    let authority =
        parts.uri.authority().ok_or_else(|| HandshakeError::InvalidRequest("the URI has no host".into()))?;
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let uri = http::Uri::builder()
        .scheme(scheme)
        .authority(authority.as_str())
        .path_and_query(path)
        .build()
        .map_err(|e| HandshakeError::InvalidRequest(e.to_string()))?;
    if let Some(name) = connection_specific(&parts.headers) {
        return Err(HandshakeError::InvalidRequest(format!("{name} may not be sent over HTTP/2 or HTTP/3")));
    }
    let mut headers = offers;
    for (name, value) in &parts.headers {
        // `:authority` stands for Host (RFC 9113 section 8.3.1).
        if name != http::header::HOST {
            headers.append(name, value.clone());
        }
    }
    let mut request = Request::new(());
    *request.method_mut() = Method::CONNECT;
    *request.uri_mut() = uri;
    *request.version_mut() = version;
    *request.headers_mut() = headers;
    *request.extensions_mut() = parts.extensions;
    request.extensions_mut().insert(ConnectProtocol::WEBSOCKET);
    Ok(request)
}

/// A client's extended CONNECT on its way: what checking the server's
/// response needs. Made by
/// [`ClientRequest::extended_connect`](crate::ClientRequest::extended_connect).
#[derive(Debug)]
pub struct ExtendedConnect {
    pub(crate) protocols: Vec<String>,
    pub(crate) extensions: ExtensionStack,
}

impl ExtendedConnect {
    /// Checks the server's response head (RFC 8441 section 5): a 2xx opens
    /// the WebSocket, with the subprotocol and extensions it names, which
    /// must be among those offered; any other status is
    /// [`HandshakeError::ConnectRefused`] (its body, if any, is the
    /// stream's, for the caller to read).
    pub fn check_response(self, response: &Response<()>) -> Result<Accepted, HandshakeError> {
        if !response.status().is_success() {
            return Err(HandshakeError::ConnectRefused(response.status()));
        }
        if let Some(name) = connection_specific(response.headers()) {
            return Err(HandshakeError::BadHeader {
                header: name,
                problem: "not allowed in HTTP/2 or HTTP/3",
            });
        }
        let (protocol, extensions) =
            crate::client::negotiated(&self.protocols, self.extensions, response.headers())?;
        Ok(Accepted { role: Role::Client, protocol, extensions, rest: Bytes::new() })
    }
}

#[cfg(test)]
mod tests {
    use http::header::UPGRADE;

    use super::*;

    #[test]
    fn te_is_connection_specific_unless_it_is_trailers() {
        let mut headers = HeaderMap::new();
        headers.insert("te", "trailers".parse().unwrap());
        assert_eq!(connection_specific(&headers), None);
        headers.insert("te", "gzip".parse().unwrap());
        assert_eq!(connection_specific(&headers), Some("te"));
        let mut headers = HeaderMap::new();
        headers.insert(UPGRADE, "websocket".parse().unwrap());
        assert_eq!(connection_specific(&headers), Some("upgrade"));
    }
}
