//! WebSockets over HTTP/2 and HTTP/3 (RFC 8441, RFC 9220): the extended
//! CONNECT handshake on both sides, RFC 8441's example exchange as known
//! answers, every rule a server refuses a request by, and a proptest that
//! any request a client builds is accepted with the same negotiation over
//! every HTTP version.

use noio_ws_codec::Rsv;
use noio_ws_handshake::http::{HeaderMap, Method, Request, Response, StatusCode, Version};
use noio_ws_handshake::{
    Accept, ClientOutcome, ClientRequest, ConnectProtocol, HandshakeError, IncomingRequest, ServerHandshake,
    error_head_for,
};
use noio_ws_registry::ExtensionStack;
use noio_ws_test_support::Xor;
use proptest::prelude::*;

/// RFC 8441 section 5's request, as an HTTP/2 library hands it over: the
/// pseudo-headers in the URI and method, `:protocol` in the extensions.
fn rfc8441_request() -> Request<()> {
    let mut request = Request::builder()
        .method(Method::CONNECT)
        .uri("https://server.example.com/chat")
        .version(Version::HTTP_2)
        .header("sec-websocket-protocol", "chat, superchat")
        .header("sec-websocket-extensions", "permessage-deflate")
        .header("sec-websocket-version", "13")
        .header("origin", "http://www.example.com")
        .body(())
        .unwrap();
    request.extensions_mut().insert(ConnectProtocol::WEBSOCKET);
    request
}

fn accept_chat() -> Accept {
    Accept { protocol: Some("chat".into()), ..Accept::default() }
}

#[test]
fn rfc8441_section_5_the_client_builds_the_example_request() {
    let (request, _pending) = ClientRequest::new("wss://server.example.com/chat")
        .unwrap()
        .protocol("chat")
        .protocol("superchat")
        .origin("http://www.example.com")
        .unwrap()
        .extended_connect(Version::HTTP_2)
        .unwrap();
    assert_eq!(request.method(), Method::CONNECT);
    assert_eq!(request.version(), Version::HTTP_2);
    // :scheme, :authority and :path.
    assert_eq!(request.uri().scheme_str(), Some("https"));
    assert_eq!(request.uri().authority().map(|a| a.as_str()), Some("server.example.com"));
    assert_eq!(request.uri().path(), "/chat");
    assert_eq!(request.extensions().get::<ConnectProtocol>(), Some(&ConnectProtocol::WEBSOCKET));
    let h = request.headers();
    assert_eq!(h["sec-websocket-protocol"], "chat, superchat");
    assert_eq!(h["sec-websocket-version"], "13");
    assert_eq!(h["origin"], "http://www.example.com");
    for absent in ["sec-websocket-key", "host", "upgrade", "connection"] {
        assert!(!h.contains_key(absent), "{absent} sent over HTTP/2");
    }
}

#[test]
fn rfc8441_section_5_the_server_answers_the_example_with_200_and_chat() {
    let (response, accepted) =
        IncomingRequest::from_request(rfc8441_request()).accept_head(accept_chat()).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(response.headers()["sec-websocket-protocol"], "chat");
    // permessage-deflate was offered, but this server has no extensions.
    assert!(!response.headers().contains_key("sec-websocket-extensions"));
    for absent in ["sec-websocket-accept", "upgrade", "connection"] {
        assert!(!response.headers().contains_key(absent), "{absent} sent over HTTP/2");
    }
    assert_eq!(accepted.protocol.as_deref(), Some("chat"));
    assert!(accepted.rest.is_empty());
}

#[test]
fn the_same_request_over_http3_is_answered_the_same() {
    let mut request = rfc8441_request();
    *request.version_mut() = Version::HTTP_3;
    let (response, accepted) = IncomingRequest::from_request(request).accept_head(accept_chat()).unwrap();
    assert_eq!((response.status(), response.version()), (StatusCode::OK, Version::HTTP_3));
    assert_eq!(accepted.protocol.as_deref(), Some("chat"));
}

/// The error a server finds in the example request changed by `change`.
fn refusal(change: impl FnOnce(&mut Request<()>)) -> HandshakeError {
    let mut request = rfc8441_request();
    change(&mut request);
    IncomingRequest::from_request(request).accept_head(accept_chat()).unwrap_err()
}

#[test]
fn a_method_other_than_connect_is_405() {
    let error = refusal(|r| *r.method_mut() = Method::GET);
    assert_eq!(error, HandshakeError::NotConnect("GET".into()));
    assert_eq!(error.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn a_missing_or_other_protocol_is_400() {
    let plain = refusal(|r| {
        r.extensions_mut().remove::<ConnectProtocol>();
    });
    assert_eq!(plain, HandshakeError::ConnectProtocol(None));
    let other = refusal(|r| {
        r.extensions_mut().insert(ConnectProtocol::new("webtransport"));
    });
    assert_eq!(other, HandshakeError::ConnectProtocol(Some("webtransport".into())));
    for error in [plain, other] {
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }
    // Upgrade tokens are case-insensitive.
    let mut request = rfc8441_request();
    request.extensions_mut().insert(ConnectProtocol::new("WebSocket"));
    assert!(IncomingRequest::from_request(request).accept_head(accept_chat()).is_ok());
}

#[test]
fn a_request_without_scheme_and_authority_is_400() {
    // A CONNECT in authority form (a plain tunnel's) and a bare path.
    for target in ["server.example.com:443", "/chat"] {
        let error = refusal(|r| *r.uri_mut() = target.parse().unwrap());
        assert!(
            matches!(error, HandshakeError::BadHeader { header: ":scheme" | ":authority", .. }),
            "{error:?}"
        );
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }
}

#[test]
fn connection_specific_fields_are_400() {
    for (name, value) in [
        ("connection", "Upgrade"),
        ("upgrade", "websocket"),
        ("keep-alive", "timeout=5"),
        ("proxy-connection", "keep-alive"),
        ("transfer-encoding", "chunked"),
        ("te", "gzip"),
    ] {
        let error = refusal(|r| {
            r.headers_mut().insert(name, value.parse().unwrap());
        });
        assert!(
            matches!(error, HandshakeError::BadHeader { header, .. } if header == name),
            "{name}: {error:?}"
        );
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }
    // `te: trailers` is the one TE HTTP/2 allows.
    let mut request = rfc8441_request();
    request.headers_mut().insert("te", "trailers".parse().unwrap());
    assert!(IncomingRequest::from_request(request).accept_head(accept_chat()).is_ok());
}

#[test]
fn another_websocket_version_is_400_with_version_13_and_no_upgrade() {
    for change in [Some("8"), None] {
        let error = refusal(|r| match change {
            Some(version) => {
                r.headers_mut().insert("sec-websocket-version", version.parse().unwrap());
            }
            None => {
                r.headers_mut().remove("sec-websocket-version");
            }
        });
        assert_eq!(error, HandshakeError::UnsupportedVersion);
        let head = error_head_for(Version::HTTP_2, &error);
        assert_eq!(head.status(), StatusCode::BAD_REQUEST);
        assert_eq!(head.headers()["sec-websocket-version"], "13");
        assert!(!head.headers().contains_key("upgrade") && !head.headers().contains_key("connection"));
    }
    // Over HTTP/1.1 the same error is a 426 with Upgrade.
    let head = error_head_for(Version::HTTP_11, &HandshakeError::UnsupportedVersion);
    assert_eq!(head.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(head.headers()["upgrade"], "websocket");
}

#[test]
fn a_subprotocol_the_client_did_not_offer_is_refused() {
    let accept = Accept { protocol: Some("mqtt".into()), ..Accept::default() };
    let error = IncomingRequest::from_request(rfc8441_request()).accept_head(accept).unwrap_err();
    assert_eq!(error, HandshakeError::ProtocolNotOffered("mqtt".into()));
}

#[test]
fn an_http2_request_gets_a_head_not_http11_bytes() {
    let error = IncomingRequest::from_request(rfc8441_request()).accept(accept_chat()).unwrap_err();
    assert!(matches!(error, HandshakeError::InvalidRequest(_)), "{error:?}");
}

#[test]
fn is_upgrade_knows_an_extended_connect() {
    assert!(IncomingRequest::from_request(rfc8441_request()).is_upgrade());
    let mut plain = rfc8441_request();
    plain.extensions_mut().remove::<ConnectProtocol>();
    assert!(!IncomingRequest::from_request(plain).is_upgrade());
}

/// A response head of `status` with `headers`.
fn response(status: StatusCode, headers: &[(&'static str, &str)]) -> Response<()> {
    let mut response = Response::new(());
    *response.status_mut() = status;
    *response.version_mut() = Version::HTTP_2;
    for (name, value) in headers {
        response.headers_mut().append(*name, value.parse().unwrap());
    }
    response
}

fn pending() -> noio_ws_handshake::ExtendedConnect {
    ClientRequest::new("ws://localhost/")
        .unwrap()
        .protocol("chat")
        .extended_connect(Version::HTTP_2)
        .unwrap()
        .1
}

#[test]
fn the_client_takes_any_2xx_and_refuses_the_rest() {
    for status in [StatusCode::OK, StatusCode::NO_CONTENT] {
        assert!(pending().check_response(&response(status, &[])).is_ok(), "{status}");
    }
    for status in [StatusCode::SWITCHING_PROTOCOLS, StatusCode::FORBIDDEN, StatusCode::NOT_IMPLEMENTED] {
        let error = pending().check_response(&response(status, &[])).unwrap_err();
        assert_eq!(error, HandshakeError::ConnectRefused(status));
        assert_eq!(error.status(), status);
    }
}

#[test]
fn the_client_refuses_what_it_did_not_offer_or_may_not_receive() {
    let unoffered = response(StatusCode::OK, &[("sec-websocket-protocol", "mqtt")]);
    assert_eq!(
        pending().check_response(&unoffered).unwrap_err(),
        HandshakeError::ProtocolNotOffered("mqtt".into())
    );
    let extension = response(StatusCode::OK, &[("sec-websocket-extensions", "permessage-deflate")]);
    assert!(matches!(pending().check_response(&extension), Err(HandshakeError::Negotiation(_))));
    let upgrade = response(StatusCode::OK, &[("upgrade", "websocket")]);
    assert!(matches!(
        pending().check_response(&upgrade),
        Err(HandshakeError::BadHeader { header: "upgrade", .. })
    ));
}

#[test]
fn the_client_refuses_to_build_what_http2_forbids() {
    let over_http11 = ClientRequest::new("ws://localhost/").unwrap().extended_connect(Version::HTTP_11);
    assert!(matches!(over_http11, Err(HandshakeError::InvalidRequest(_))));
    let with_upgrade = ClientRequest::new("ws://localhost/")
        .unwrap()
        .header("connection", "close")
        .unwrap()
        .extended_connect(Version::HTTP_2);
    assert!(matches!(with_upgrade, Err(HandshakeError::InvalidRequest(_))));
    let ftp = ClientRequest::new("ftp://localhost/").unwrap().extended_connect(Version::HTTP_2);
    assert!(matches!(ftp, Err(HandshakeError::InvalidRequest(_))));
}

/// An extension stack offering `xor` (or nothing).
fn xor(on: bool) -> ExtensionStack {
    let mut stack = ExtensionStack::new();
    if on {
        stack.push(Xor::new("xor", Rsv::RSV3)).unwrap();
    }
    stack
}

/// The negotiated subprotocol and extension names, both sides' view.
type Agreed = (Option<String>, Vec<String>);

fn names(stack: &ExtensionStack) -> Vec<String> {
    stack.names().map(str::to_owned).collect()
}

/// A client built from the inputs, accepted by a server that picks the
/// first of `server_protocols` the client offered: what each side agreed
/// to, over `version`.
fn negotiate(
    version: Version,
    path: &str,
    offered: &[String],
    server_protocols: &[String],
    client_xor: bool,
    server_xor: bool,
) -> (Agreed, Agreed) {
    let client = offered
        .iter()
        .fold(ClientRequest::new(&format!("wss://example.com{path}")).unwrap(), |c, p| c.protocol(p))
        .extensions(xor(client_xor));
    let chosen = server_protocols.iter().find(|p| offered.contains(p)).cloned();
    let accept = Accept { protocol: chosen, extensions: xor(server_xor), headers: HeaderMap::new() };
    if version == Version::HTTP_11 {
        let mut handshake = client.start().unwrap();
        let request = ServerHandshake::default().recv(handshake.request_bytes()).unwrap().unwrap();
        let (bytes, server) = request.accept(accept).unwrap();
        let Some(ClientOutcome::Accepted { accepted: client, .. }) = handshake.recv(&bytes).unwrap() else {
            panic!("not accepted");
        };
        return (
            (server.protocol.clone(), names(&server.extensions)),
            (client.protocol, names(&client.extensions)),
        );
    }
    let (request, pending) = client.extended_connect(version).unwrap();
    let (head, server) = IncomingRequest::from_request(request).accept_head(accept).unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    let client = pending.check_response(&head).unwrap();
    ((server.protocol.clone(), names(&server.extensions)), (client.protocol, names(&client.extensions)))
}

proptest! {
    #[test]
    fn any_request_the_client_builds_is_accepted_alike_over_every_version(
        path in "(/[a-z0-9]{0,8}){1,3}(\\?[a-z]=[0-9])?",
        offered in proptest::collection::vec("[a-z]{1,6}", 0..4),
        server_protocols in proptest::collection::vec("[a-z]{1,6}", 0..4),
        client_xor in any::<bool>(),
        server_xor in any::<bool>(),
    ) {
        let mut outcomes = Vec::new();
        for version in [Version::HTTP_11, Version::HTTP_2, Version::HTTP_3] {
            let (server, client) = negotiate(version, &path, &offered, &server_protocols, client_xor, server_xor);
            prop_assert_eq!(&server, &client, "both sides agree over {:?}", version);
            outcomes.push(server);
        }
        prop_assert!(outcomes.windows(2).all(|w| w[0] == w[1]), "the versions differ: {:?}", outcomes);
    }
}
