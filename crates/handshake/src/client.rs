//! The client side: build the upgrade request, then read the response.

use http::header::{CONNECTION, HOST, UPGRADE};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode, Uri, Version};
use noio_ws_codec::Role;
use noio_ws_codec::bytes::{BufMut, Bytes, BytesMut};
use noio_ws_registry::{ExtensionStack, format_extensions};

use crate::extended_connect::{self, ExtendedConnect};
use crate::head::HeadReader;
use crate::headers::{self, has_token};
use crate::key::{accept_key, key_from_bytes};
use crate::rejected::PendingBody;
use crate::{Accepted, HandshakeError, Limits, Rejected};

/// The upgrade request a client will send, being put together.
///
/// ```
/// use noio_ws_handshake::{ClientOutcome, ClientRequest};
///
/// let mut handshake = ClientRequest::new("ws://example.com/chat")?
///     .protocol("chat")
///     .nonce(*b"the sample nonce")
///     .start()?;
/// let request = std::str::from_utf8(handshake.request_bytes())?;
/// assert!(request.starts_with("GET /chat HTTP/1.1\r\nhost: example.com\r\n"));
/// assert!(request.contains("sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
///
/// let outcome = handshake.recv(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
///     Sec-WebSocket-Protocol: chat\r\n\r\n")?;
/// match outcome {
///     Some(ClientOutcome::Accepted { accepted, .. }) => assert_eq!(accepted.protocol.as_deref(), Some("chat")),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ClientRequest {
    request: Request<()>,
    protocols: Vec<String>,
    extensions: ExtensionStack,
    nonce: Option<[u8; 16]>,
    limits: Limits,
}

impl ClientRequest {
    /// A request for `uri` (`ws://host[:port]/path?query`; `wss`, `http`
    /// and `https` are taken too).
    pub fn new(uri: &str) -> Result<Self, HandshakeError> {
        let uri: Uri =
            uri.parse().map_err(|e: http::uri::InvalidUri| HandshakeError::InvalidRequest(e.to_string()))?;
        let request =
            Request::get(uri).body(()).map_err(|e| HandshakeError::InvalidRequest(e.to_string()))?;
        Ok(ClientRequest::from_request(request))
    }

    /// A request built from `request`: its URI, and its headers sent as they
    /// are, before the ones the handshake adds.
    pub fn from_request(request: Request<()>) -> Self {
        ClientRequest {
            request,
            protocols: Vec::new(),
            extensions: ExtensionStack::new(),
            nonce: None,
            limits: Limits::DEFAULT,
        }
    }

    /// Offers a subprotocol (call again for more, most preferred first).
    pub fn protocol(mut self, protocol: &str) -> Self {
        self.protocols.push(protocol.to_string());
        self
    }

    /// Sends an `Origin` header.
    pub fn origin(self, origin: &str) -> Result<Self, HandshakeError> {
        self.header(http::header::ORIGIN, origin)
    }

    /// Sends an extra header.
    pub fn header(mut self, name: impl TryInto<HeaderName>, value: &str) -> Result<Self, HandshakeError> {
        let name = name.try_into().map_err(|_| HandshakeError::InvalidRequest("header name".into()))?;
        let value =
            HeaderValue::from_str(value).map_err(|e| HandshakeError::InvalidRequest(e.to_string()))?;
        self.request.headers_mut().append(name, value);
        Ok(self)
    }

    /// The extensions to offer (custom opcodes are not negotiated: they
    /// are registered on the connection).
    pub fn extensions(mut self, extensions: ExtensionStack) -> Self {
        self.extensions = extensions;
        self
    }

    /// The 16 bytes behind Sec-WebSocket-Key; by default drawn from the
    /// operating system (`std` feature). RFC 6455 section 4.1 wants them random.
    pub fn nonce(mut self, nonce: [u8; 16]) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// Limits on the response.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The request to send over HTTP/2 or HTTP/3 (`version`), where a
    /// WebSocket is a stream opened by an extended CONNECT (RFC 8441, RFC
    /// 9220; see [`extended_connect`](crate::extended_connect)): `CONNECT`
    /// to this request's target (`ws` becomes `:scheme` http, `wss` https),
    /// `:protocol` websocket as a [`ConnectProtocol`](crate::ConnectProtocol) in its extensions for
    /// the HTTP library to send, `Sec-WebSocket-Version: 13`, the offers and
    /// the headers given; no key, no `Host` (`:authority` names it), no
    /// `Upgrade`. Send it only once the server's SETTINGS enabled the
    /// connect protocol. [`ExtendedConnect::check_response`] then checks
    /// the answer.
    ///
    /// ```
    /// use noio_ws_handshake::{ClientRequest, ConnectProtocol};
    /// use noio_ws_handshake::http::{Method, Response, StatusCode, Version};
    ///
    /// let (request, pending) = ClientRequest::new("wss://server.example.com/chat")?
    ///     .protocol("chat")
    ///     .extended_connect(Version::HTTP_2)?;
    /// assert_eq!(request.method(), Method::CONNECT);
    /// assert_eq!(request.uri(), "https://server.example.com/chat");
    /// assert_eq!(request.extensions().get(), Some(&ConnectProtocol::WEBSOCKET));
    ///
    /// let mut response = Response::new(());
    /// *response.status_mut() = StatusCode::OK;
    /// response.headers_mut().insert("sec-websocket-protocol", "chat".parse()?);
    /// let accepted = pending.check_response(&response)?;
    /// assert_eq!(accepted.protocol.as_deref(), Some("chat"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn extended_connect(
        self,
        version: Version,
    ) -> Result<(Request<()>, ExtendedConnect), HandshakeError> {
        let offers = self.offer_headers()?;
        let request = extended_connect::client_request(self.request, version, offers)?;
        Ok((request, ExtendedConnect { protocols: self.protocols, extensions: self.extensions }))
    }

    /// The headers every version's request carries: the WebSocket version,
    /// the subprotocols and the extension offers.
    fn offer_headers(&self) -> Result<HeaderMap, HandshakeError> {
        let mut add = HeaderMap::new();
        add.insert("sec-websocket-version", HeaderValue::from_static("13"));
        if !self.protocols.is_empty() {
            let value = HeaderValue::from_str(&self.protocols.join(", "))
                .map_err(|_| HandshakeError::InvalidRequest("subprotocol is not a token".into()))?;
            add.insert("sec-websocket-protocol", value);
        }
        let offers = self.extensions.client_offers();
        if !offers.is_empty() {
            let value = HeaderValue::from_str(&format_extensions(&offers)).map_err(|_| {
                HandshakeError::InvalidRequest("extension offer is not a header value".into())
            })?;
            add.insert("sec-websocket-extensions", value);
        }
        Ok(add)
    }

    /// Writes the request and starts waiting for the response.
    pub fn start(self) -> Result<ClientHandshake, HandshakeError> {
        let nonce = match self.nonce {
            Some(nonce) => nonce,
            #[cfg(feature = "std")]
            None => crate::key::random_nonce(),
            #[cfg(not(feature = "std"))]
            None => {
                return Err(HandshakeError::InvalidRequest("no nonce given and no entropy source".into()));
            }
        };
        let key = key_from_bytes(nonce);
        let uri = self.request.uri();
        let target = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut out = BytesMut::with_capacity(256);
        out.put_slice(b"GET ");
        out.put_slice(target.as_bytes());
        out.put_slice(b" HTTP/1.1\r\n");
        let mut add = HeaderMap::new();
        if !self.request.headers().contains_key(HOST) {
            add.insert(HOST, host_header(uri)?);
        }
        add.insert(UPGRADE, HeaderValue::from_static("websocket"));
        add.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        add.insert("sec-websocket-key", HeaderValue::from_str(&key).expect("base64 is a valid header value"));
        add.extend(self.offer_headers()?);
        headers::write_headers(&mut out, &add);
        headers::write_headers(&mut out, self.request.headers());
        out.put_slice(b"\r\n");
        Ok(ClientHandshake {
            request: out.freeze(),
            expected_accept: accept_key(key.as_bytes()),
            protocols: self.protocols,
            extensions: Some(self.extensions),
            limits: self.limits,
            reader: HeadReader::default(),
            rejection: None,
        })
    }
}

/// The Host header for `uri`: its host, with the port unless it is the
/// scheme's default.
/// The port `uri` names: `None` for none (or an empty one, `host:`), which
/// stands for the scheme's default, and an error for one that is not a
/// port number (`host:99999`), which `Uri` parses but reports no port for:
/// the default port must not stand in for it.
pub fn uri_port(uri: &Uri) -> Result<Option<u16>, HandshakeError> {
    let Some(authority) = uri.authority() else { return Ok(None) };
    if let Some(port) = authority.port_u16() {
        return Ok(Some(port));
    }
    let host_port = authority.as_str().rsplit_once('@').map_or(authority.as_str(), |(_, rest)| rest);
    match host_port.strip_prefix(authority.host()) {
        Some("" | ":") => Ok(None),
        _ => Err(HandshakeError::InvalidRequest(format!(
            "{host_port}: the port is not a number from 0 to 65535"
        ))),
    }
}

fn host_header(uri: &Uri) -> Result<HeaderValue, HandshakeError> {
    let host = uri.host().ok_or_else(|| HandshakeError::InvalidRequest("the URI has no host".into()))?;
    let default_port = match uri.scheme_str() {
        Some("wss" | "https") => 443,
        _ => 80,
    };
    let port = uri_port(uri)?;
    let value = match port {
        Some(port) if port != default_port => format!("{host}:{port}"),
        _ => host.to_string(),
    };
    HeaderValue::from_str(&value).map_err(|e| HandshakeError::InvalidRequest(e.to_string()))
}

/// A client waiting for the server's response.
#[derive(Debug)]
pub struct ClientHandshake {
    request: Bytes,
    expected_accept: String,
    protocols: Vec<String>,
    extensions: Option<ExtensionStack>,
    limits: Limits,
    reader: HeadReader,
    /// A non-101 response whose body is still arriving.
    rejection: Option<PendingBody>,
}

/// How the server answered.
#[derive(Debug)]
pub enum ClientOutcome {
    /// The upgrade succeeded.
    Accepted {
        /// The 101 response.
        response: Response<()>,
        /// What the connection needs.
        accepted: Accepted,
    },
    /// The server answered with a redirect (3xx with a Location).
    Redirect {
        /// The response.
        response: Response<()>,
        /// Where to go.
        location: String,
    },
    /// The server refused.
    Rejected(Rejected),
}

impl ClientHandshake {
    /// The request to write.
    pub fn request_bytes(&self) -> &Bytes {
        &self.request
    }

    /// Takes bytes of the response; returns the outcome once it is known.
    pub fn recv(&mut self, bytes: &[u8]) -> Result<Option<ClientOutcome>, HandshakeError> {
        if let Some(mut pending) = self.rejection.take() {
            if pending.push(bytes) {
                return Ok(Some(ClientOutcome::Rejected(pending.finish())));
            }
            self.rejection = Some(pending);
            return Ok(None);
        }
        let Some(head) = self.reader.push(bytes, self.limits.max_head_bytes)? else {
            return Ok(None);
        };
        let limit = headers::field_limit(self.limits.max_headers);
        let mut parsed = headers::header_slots(limit, &head.bytes);
        let mut res = httparse::Response::new(&mut parsed);
        headers::check_parsed(res.parse(&head.bytes), limit, "response head")?;
        let status = StatusCode::from_u16(res.code.ok_or(HandshakeError::Malformed("status"))?)
            .map_err(|_| HandshakeError::Malformed("status"))?;
        let mut response = Response::new(());
        *response.status_mut() = status;
        *response.version_mut() = headers::version(res.version);
        *response.headers_mut() = headers::to_header_map(res.headers, limit)?;

        if status == StatusCode::SWITCHING_PROTOCOLS {
            let accepted = self.check_upgrade(&response, head.rest)?;
            return Ok(Some(ClientOutcome::Accepted { response, accepted }));
        }
        if status.is_redirection() {
            let location = headers::single(response.headers(), "location")?;
            if let Some(location) = location.and_then(|l| l.to_str().ok()) {
                let location = location.to_string();
                return Ok(Some(ClientOutcome::Redirect { response, location }));
            }
        }
        let announced = match headers::single(response.headers(), "content-length")? {
            Some(value) => content_length(value.as_bytes())?,
            None => 0,
        };
        let mut pending = PendingBody::new(response, announced.min(self.limits.max_body_bytes));
        if pending.push(&head.rest) {
            return Ok(Some(ClientOutcome::Rejected(pending.finish())));
        }
        self.rejection = Some(pending);
        Ok(None)
    }

    /// RFC 6455 section 4.1: the checks a client makes of a 101 response.
    fn check_upgrade(&mut self, response: &Response<()>, rest: Bytes) -> Result<Accepted, HandshakeError> {
        let h = response.headers();
        if !has_token(h, &UPGRADE, "websocket") {
            return Err(HandshakeError::BadHeader { header: "upgrade", problem: "must be websocket" });
        }
        if !has_token(h, &CONNECTION, "upgrade") {
            return Err(HandshakeError::BadHeader { header: "connection", problem: "must include Upgrade" });
        }
        let accept = headers::single(h, "sec-websocket-accept")?.map(HeaderValue::as_bytes);
        if accept != Some(self.expected_accept.as_bytes()) {
            return Err(HandshakeError::AcceptMismatch);
        }
        let extensions = self.extensions.take().unwrap_or_default();
        let (protocol, extensions) = negotiated(&self.protocols, extensions, h)?;
        Ok(Accepted { role: Role::Client, protocol, extensions, rest })
    }
}

/// What a server's accepting response agreed to, over any HTTP version: the
/// subprotocol (one of `offered`, or none) and `extensions` as negotiated.
pub(crate) fn negotiated(
    offered: &[String],
    mut extensions: ExtensionStack,
    h: &HeaderMap,
) -> Result<(Option<String>, ExtensionStack), HandshakeError> {
    // One line at most in a response (RFC 6455 section 11.3.4), however many tokens.
    headers::single(h, "sec-websocket-protocol")?;
    let chosen = headers::tokens(h, "sec-websocket-protocol")?;
    let protocol = match chosen[..] {
        [] => None,
        [one] if offered.iter().any(|p| p == one) => Some(one.to_string()),
        _ => return Err(HandshakeError::ProtocolNotOffered(chosen.join(", "))),
    };
    extensions.client_negotiate(&headers::extensions(h)?)?;
    Ok((protocol, extensions))
}

/// A Content-Length value: one or more digits (RFC 9110 section 8.6), any
/// size (a length past `usize` is only ever read up to the body limit).
/// Anything else makes the framing unknowable: RFC 9112 section 6.3 says a
/// client must then treat the response as an unrecoverable error.
fn content_length(value: &[u8]) -> Result<usize, HandshakeError> {
    let value = value.trim_ascii();
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(HandshakeError::BadHeader { header: "content-length", problem: "not a number" });
    }
    Ok(value.iter().fold(0usize, |n, &d| n.saturating_mul(10).saturating_add(usize::from(d - b'0'))))
}
