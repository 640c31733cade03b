//! The server side: receive an upgrade request, then accept or reject it.

use http::header::{CONNECTION, UPGRADE};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Version};
use noio_ws_codec::Role;
use noio_ws_codec::bytes::Bytes;
use noio_ws_registry::{ExtensionOffer, ExtensionStack, format_extensions};

use crate::extended_connect::{self, ConnectProtocol};
use crate::head::HeadReader;
use crate::headers::{self, has_token};
use crate::key::{accept_key, is_valid_key};
use crate::{Accepted, HandshakeError, Limits};

/// Receives an HTTP request head in any chunks.
///
/// ```
/// use noio_ws_handshake::{Accept, ServerHandshake};
///
/// let mut handshake = ServerHandshake::default();
/// let request = handshake
///     .recv(b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
///             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///             Sec-WebSocket-Version: 13\r\n\r\n")?
///     .expect("a whole head");
/// assert_eq!(request.request().uri().path(), "/chat");
/// let (response, accepted) = request.accept(Accept::default())?;
/// assert!(response.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
/// assert!(std::str::from_utf8(&response)?.contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct ServerHandshake {
    limits: Limits,
    reader: HeadReader,
}

impl ServerHandshake {
    /// A handshake with these limits.
    pub fn new(limits: Limits) -> Self {
        ServerHandshake { limits, reader: HeadReader::default() }
    }

    /// Takes received bytes; returns the request once its head is whole.
    /// Any request is returned, upgrade or not, so a server can answer plain
    /// HTTP on the same port; [`IncomingRequest::accept`] checks the upgrade.
    ///
    /// Once it has returned a request the handshake is as new: later bytes
    /// are read as the next request head, as on a kept-alive connection.
    /// The bytes that followed the head are not read again; they are in
    /// [`IncomingRequest::rest`], for the connection after an upgrade, or to
    /// hand back to `recv` before answering the next plain request.
    pub fn recv(&mut self, bytes: &[u8]) -> Result<Option<IncomingRequest>, HandshakeError> {
        let Some(head) = self.reader.push(bytes, self.limits.max_head_bytes)? else {
            return Ok(None);
        };
        let limit = headers::field_limit(self.limits.max_headers);
        let mut parsed = headers::header_slots(limit, &head.bytes);
        let mut req = httparse::Request::new(&mut parsed);
        headers::check_parsed(req.parse(&head.bytes), limit, "request head")?;
        let target = req.path.ok_or(HandshakeError::Malformed("request target"))?;
        if target.len() > self.limits.max_target_len {
            return Err(HandshakeError::TargetTooLong { max: self.limits.max_target_len });
        }
        let mut request = Request::builder()
            .method(req.method.ok_or(HandshakeError::Malformed("method"))?)
            .uri(target)
            .version(headers::version(req.version))
            .body(())
            .map_err(|_| HandshakeError::Malformed("request line"))?;
        *request.headers_mut() = headers::to_header_map(req.headers, limit)?;
        // RFC 9112 section 3.2: "A server MUST respond with a 400 (Bad Request)
        // status code to any [...] request message that contains more than one
        // Host header field line", upgrade or not.
        headers::single(request.headers(), "host")?;
        Ok(Some(IncomingRequest { request, rest: head.rest }))
    }
}

/// A received request head and the bytes after it.
#[derive(Debug)]
pub struct IncomingRequest {
    request: Request<()>,
    rest: Bytes,
}

/// How to accept an upgrade: the subprotocol, the extensions to negotiate
/// and any extra response headers.
#[derive(Debug, Default)]
pub struct Accept {
    /// The subprotocol to select; it must be one the client offered.
    pub protocol: Option<String>,
    /// The extensions the server supports; the client's offers are
    /// negotiated against them. (Custom opcodes are not negotiated: they are
    /// registered on the connection.)
    pub extensions: ExtensionStack,
    /// Extra headers for the 101 response.
    pub headers: HeaderMap,
}

impl IncomingRequest {
    /// A request head an HTTP server has already parsed (hyper's, say), to
    /// check and accept like one [`ServerHandshake::recv`] returns. No bytes
    /// follow it here: the server hands those over with the upgraded
    /// connection, and they go into the connection after the handshake.
    ///
    /// The checks are those of [`validate`](IncomingRequest::validate);
    /// what `recv` refuses while parsing (a repeated Host, limits on the
    /// head) was the HTTP server's to refuse, and a repeated Host is refused
    /// by `validate` too.
    pub fn from_request(request: Request<()>) -> Self {
        IncomingRequest { request, rest: Bytes::new() }
    }

    /// The request, without a body.
    pub fn request(&self) -> &Request<()> {
        &self.request
    }

    /// The bytes that arrived after the head (the first frames, once
    /// accepted, which [`Accepted::rest`] carries too).
    pub fn rest(&self) -> &Bytes {
        &self.rest
    }

    /// True when the request asks for a WebSocket: `Upgrade: websocket`
    /// over HTTP/1.1, a CONNECT with `:protocol` websocket over HTTP/2 and
    /// HTTP/3 (see [`extended_connect`](crate::extended_connect)).
    pub fn is_upgrade(&self) -> bool {
        if extended_connect::is_extended_version(self.request.version()) {
            return self.request.method() == Method::CONNECT
                && self
                    .request
                    .extensions()
                    .get::<ConnectProtocol>()
                    .is_some_and(ConnectProtocol::is_websocket);
        }
        has_token(self.request.headers(), &UPGRADE, "websocket")
    }

    /// The subprotocols the client offered, in its order of preference.
    pub fn protocols(&self) -> Result<Vec<&str>, HandshakeError> {
        headers::tokens(self.request.headers(), "sec-websocket-protocol")
    }

    /// The extension offers the client made, in its order.
    pub fn extension_offers(&self) -> Result<Vec<ExtensionOffer>, HandshakeError> {
        headers::extensions(self.request.headers())
    }

    /// Checks the request: against RFC 6455 section 4.2.1 over HTTP/1.1,
    /// against RFC 8441 sections 4 and 5 (RFC 9220 for HTTP/3) over HTTP/2
    /// and HTTP/3.
    pub fn validate(&self) -> Result<(), HandshakeError> {
        self.key().map(drop)
    }

    /// [`validate`](IncomingRequest::validate), giving the key an HTTP/1.1
    /// request carries (an extended CONNECT has none).
    fn key(&self) -> Result<Option<&HeaderValue>, HandshakeError> {
        let r = &self.request;
        if extended_connect::is_extended_version(r.version()) {
            return extended_connect::validate(r).map(|()| None);
        }
        if r.method() != Method::GET {
            return Err(HandshakeError::NotGet(r.method().to_string()));
        }
        if r.version() < Version::HTTP_11 {
            return Err(HandshakeError::HttpVersion);
        }
        let h = r.headers();
        if headers::single(h, "host")?.is_none() {
            return Err(HandshakeError::BadHeader { header: "host", problem: "missing" });
        }
        if !has_token(h, &UPGRADE, "websocket") {
            return Err(HandshakeError::BadHeader { header: "upgrade", problem: "must include websocket" });
        }
        if !has_token(h, &CONNECTION, "upgrade") {
            return Err(HandshakeError::BadHeader { header: "connection", problem: "must include Upgrade" });
        }
        let version = headers::single(h, "sec-websocket-version")?.map(HeaderValue::as_bytes);
        if version != Some(b"13") {
            return Err(HandshakeError::UnsupportedVersion);
        }
        match headers::single(h, "sec-websocket-key")? {
            Some(key) if is_valid_key(key.as_bytes()) => Ok(Some(key)),
            Some(_) => Err(HandshakeError::BadHeader {
                header: "sec-websocket-key",
                problem: "not 16 bytes of base64",
            }),
            None => Err(HandshakeError::BadHeader { header: "sec-websocket-key", problem: "missing" }),
        }
    }

    /// Accepts the upgrade: checks the request, negotiates the extensions,
    /// and returns the 101 response to write with what the connection needs.
    /// HTTP/1.1 only: an HTTP/2 or HTTP/3 request is answered by its HTTP
    /// library, with [`accept_head`](IncomingRequest::accept_head)'s head.
    pub fn accept(self, accept: Accept) -> Result<(Bytes, Accepted), HandshakeError> {
        if extended_connect::is_extended_version(self.request.version()) {
            return Err(HandshakeError::InvalidRequest(
                "an HTTP/2 or HTTP/3 request is answered with accept_head, not HTTP/1.1 bytes".into(),
            ));
        }
        let (response, accepted) = self.accept_head(accept)?;
        Ok((headers::write_response(response.status(), response.headers(), &[]), accepted))
    }

    /// Like [`accept`](IncomingRequest::accept), with the response as an
    /// `http::Response` head for an HTTP server (hyper's, h2's) to write,
    /// rather than as bytes: a 101 over HTTP/1.1, a 200 over HTTP/2 and
    /// HTTP/3 (RFC 8441 section 5). The subprotocol and the extensions are
    /// negotiated the same way over every version.
    pub fn accept_head(self, mut accept: Accept) -> Result<(Response<()>, Accepted), HandshakeError> {
        let key = self.key()?;
        // Parsed whether or not a subprotocol is chosen: a malformed header
        // is a handshake that does not match section 4.2.1, refused with 400.
        let offered = self.protocols()?;
        if let Some(protocol) = &accept.protocol
            && !offered.contains(&protocol.as_str())
        {
            return Err(HandshakeError::ProtocolNotOffered(protocol.clone()));
        }
        let responses = accept.extensions.server_negotiate(&self.extension_offers()?)?;
        let mut response = Response::new(());
        *response.version_mut() = self.request.version();
        // The 2xx of a CONNECT opens the tunnel; HTTP/1.1 switches protocols.
        *response.status_mut() = if key.is_some() { StatusCode::SWITCHING_PROTOCOLS } else { StatusCode::OK };
        let headers = response.headers_mut();
        if let Some(key) = key {
            headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
            headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
            let accept_value =
                HeaderValue::from_str(&accept_key(key.as_bytes())).expect("base64 is a valid header value");
            headers.insert("sec-websocket-accept", accept_value);
        }
        if let Some(protocol) = &accept.protocol {
            let value = HeaderValue::from_str(protocol).expect("an offered token is a valid header value");
            headers.insert("sec-websocket-protocol", value);
        }
        if !responses.is_empty() {
            let value = HeaderValue::from_str(&format_extensions(&responses)).map_err(|_| {
                HandshakeError::InvalidRequest("extension response is not a header value".into())
            })?;
            headers.insert("sec-websocket-extensions", value);
        }
        for (name, value) in &accept.headers {
            headers.append(name, value.clone());
        }
        let accepted = Accepted {
            role: Role::Server,
            protocol: accept.protocol,
            extensions: accept.extensions,
            rest: self.rest,
        };
        Ok((response, accepted))
    }

    /// A response refusing the request (or answering a plain HTTP one):
    /// `status`, `headers` and `body`, with a Content-Length.
    pub fn respond(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Bytes {
        headers::write_response(status, headers, body)
    }
}

/// The response answering a failed handshake: the error's status, and for
/// an unsupported version the `Sec-WebSocket-Version: 13` RFC 6455 section
/// 4.4 asks for, with the `Upgrade: websocket` RFC 9110 asks of a 426.
pub fn error_response(error: &HandshakeError) -> Bytes {
    let response = error_head(error);
    headers::write_response(response.status(), response.headers(), error.to_string().as_bytes())
}

/// [`error_response`]'s head as an `http::Response`, for an HTTP server to
/// write with a body of its choice (`error_response`'s is the error's
/// message): the status, `Upgrade: websocket` and `Sec-WebSocket-Version: 13`
/// for an unsupported version (426), and `Connection: close`.
pub fn error_head(error: &HandshakeError) -> Response<()> {
    error_head_for(Version::HTTP_11, error)
}

/// The head refusing a request of `version` for `error`:
/// [`error_head`]'s over HTTP/1.1; over HTTP/2 and HTTP/3 the error's
/// status without the connection-specific fields those versions forbid,
/// and 400 with `Sec-WebSocket-Version: 13` for another WebSocket version
/// (a 426 asks for an HTTP/1.1 `Upgrade`).
pub fn error_head_for(version: Version, error: &HandshakeError) -> Response<()> {
    if extended_connect::is_extended_version(version) {
        return extended_connect::error_head(error, version);
    }
    let mut response = Response::new(());
    *response.status_mut() = error.status();
    let headers = response.headers_mut();
    if *error == HandshakeError::UnsupportedVersion {
        // RFC 9110 section 15.5.22: a 426 names the protocol to upgrade to.
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert("sec-websocket-version", HeaderValue::from_static("13"));
    }
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    response
}
