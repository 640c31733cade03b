//! [`WebSocketUpgrade`]: the extractor, its settings, and the `101` that
//! [`on_upgrade`](WebSocketUpgrade::on_upgrade) answers with.

use std::future::Future;

use ::axum::body::Body;
use ::axum::extract::FromRequestParts;
use ::axum::http::request::Parts;
use ::axum::response::{IntoResponse, Response};
use noio_ws::HandshakeError;
use noio_ws::handshake::http::HeaderValue;

use super::WebSocket;
use crate::hyper::{Prepared, UpgradeRejection, accept_prepared, head_of, prepare};
use crate::{Config, Delivery, Error, ServerBuilder, Upgrade};

/// Extracts a WebSocket upgrade request: checks it, lets the handler pick
/// a subprotocol and settings, and answers with the `101` from
/// [`on_upgrade`](WebSocketUpgrade::on_upgrade), whose callback gets the
/// connection in a task of its own.
///
/// A request that is not a valid upgrade is refused with an
/// [`UpgradeRejection`] (see the [module](super) for the statuses).
#[must_use = "the connection is upgraded only by returning on_upgrade's response"]
#[derive(Debug)]
pub struct WebSocketUpgrade<F = DefaultOnFailedUpgrade> {
    builder: ServerBuilder,
    prepared: Prepared,
    protocol: Option<HeaderValue>,
    on_failed_upgrade: F,
}

impl<F> WebSocketUpgrade<F> {
    /// Picks the first of `protocols` (in this server's order of
    /// preference, as axum does) that the client offered; none if it
    /// offered none of them.
    pub fn protocols<I>(mut self, protocols: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let offered = self.prepared.request.protocols().unwrap_or_default();
        self.protocol = protocols
            .into_iter()
            .find(|ours| offered.contains(&ours.as_ref()))
            .and_then(|ours| HeaderValue::from_str(ours.as_ref()).ok());
        self
    }

    /// The subprotocols the client offered, in its order of preference.
    pub fn requested_protocols(&self) -> impl Iterator<Item = &str> {
        self.prepared.request.protocols().unwrap_or_default().into_iter()
    }

    /// Picks `protocol`, which must be one the client offered: if it is not,
    /// nothing changes and [`HandshakeError::ProtocolNotOffered`] says so.
    pub fn set_selected_protocol(&mut self, protocol: HeaderValue) -> Result<(), HandshakeError> {
        let offered = self.prepared.request.protocols()?;
        match protocol.to_str() {
            Ok(name) if offered.contains(&name) => {
                self.protocol = Some(protocol);
                Ok(())
            }
            _ => Err(HandshakeError::ProtocolNotOffered(String::from_utf8_lossy(protocol.as_bytes()).into())),
        }
    }

    /// The subprotocol picked by [`protocols`](WebSocketUpgrade::protocols)
    /// or [`set_selected_protocol`](WebSocketUpgrade::set_selected_protocol).
    pub fn selected_protocol(&self) -> Option<&HeaderValue> {
        self.protocol.as_ref()
    }

    /// The connection's settings (limits, keepalive and close timers,
    /// output high-water mark). The delivery mode is always whole messages,
    /// which is what axum's [`Message`](super::Message) can hold: for
    /// frames or pieces, call
    /// [`set_delivery`](crate::WebSocket::set_delivery) on
    /// [`into_inner`](WebSocket::into_inner).
    ///
    /// This replaces the whole config, including what
    /// [`max_message_size`](WebSocketUpgrade::max_message_size),
    /// [`max_frame_size`](WebSocketUpgrade::max_frame_size) and
    /// [`max_write_buffer_size`](WebSocketUpgrade::max_write_buffer_size)
    /// set before it: call it first. Its `auto_pong` and `auto_close` are
    /// kept, so turning them off leaves pings and the peer's close to the
    /// handler, unlike axum.
    pub fn config(mut self, config: Config) -> Self {
        self.builder = self.builder.config(Config { delivery: Delivery::WholeMessages, ..config });
        self
    }

    /// How much output may be queued before [`send`](WebSocket::send)
    /// waits for the peer to read (`Config::output_high_water`). axum fails
    /// a send past its limit; here the send waits, so nothing is lost.
    pub fn max_write_buffer_size(mut self, max: usize) -> Self {
        let mut config = self.builder.options.config;
        config.output_high_water = max;
        self.builder = self.builder.config(config);
        self
    }

    /// The longest message the peer may send (`Config::max_message_len`),
    /// decompressed; longer ones fail the connection with 1009.
    pub fn max_message_size(mut self, max: usize) -> Self {
        let mut config = self.builder.options.config;
        config.max_message_len = u64::try_from(max).unwrap_or(u64::MAX);
        self.builder = self.builder.config(config);
        self
    }

    /// The longest frame payload the peer may send (`Config::max_frame_len`).
    pub fn max_frame_size(mut self, max: usize) -> Self {
        let mut config = self.builder.options.config;
        config.max_frame_len = u64::try_from(max).unwrap_or(u64::MAX);
        self.builder = self.builder.config(config);
        self
    }

    /// permessage-deflate (RFC 7692) on or off; on by default with the
    /// `deflate` feature, without which this does nothing.
    pub fn deflate(mut self, on: bool) -> Self {
        self.builder = self.builder.deflate(on);
        self
    }

    /// permessage-deflate with these parameters.
    #[cfg(feature = "deflate")]
    pub fn deflate_config(mut self, config: crate::DeflateConfig) -> Self {
        self.builder = self.builder.deflate_config(config);
        self
    }

    /// How long closing the transport may take (default 2 s).
    pub fn linger(mut self, linger: std::time::Duration) -> Self {
        self.builder = self.builder.linger(linger);
        self
    }

    /// `callback` is called with the error if the connection cannot be
    /// made once the response is on its way (hyper never hands the
    /// connection over, or not within the handshake timeout). By default
    /// such errors are dropped.
    pub fn on_failed_upgrade<C: OnFailedUpgrade>(self, callback: C) -> WebSocketUpgrade<C> {
        WebSocketUpgrade {
            builder: self.builder,
            prepared: self.prepared,
            protocol: self.protocol,
            on_failed_upgrade: callback,
        }
    }

    /// Accepts the upgrade: returns the `101` response and spawns a task
    /// (on the current tokio runtime) that calls `callback` with the
    /// connection once hyper hands it over.
    ///
    /// If the extensions cannot be agreed on (the client's offers are
    /// refused by our permessage-deflate) the response is that refusal
    /// instead, and neither callback is called.
    #[must_use = "to set up the WebSocket connection, this response must be returned"]
    pub fn on_upgrade<C, Fut>(self, callback: C) -> Response
    where
        C: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
        F: OnFailedUpgrade,
    {
        let mut upgrade = Upgrade::new();
        if let Some(protocol) = self.protocol.as_ref().and_then(|p| p.to_str().ok()) {
            upgrade = upgrade.protocol(protocol);
        }
        let protocol = self.protocol;
        let (head, pending) = match accept_prepared(&self.builder, self.prepared, upgrade) {
            Ok(accepted) => accepted,
            Err(rejection) => return rejection.into_response(),
        };
        let on_failed_upgrade = self.on_failed_upgrade;
        tokio::spawn(async move {
            match pending.await {
                Ok(socket) => callback(WebSocket::new(socket, protocol)).await,
                Err(error) => on_failed_upgrade.call(error),
            }
        });
        head.map(|()| Body::empty())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WebSocketUpgrade<DefaultOnFailedUpgrade> {
    type Rejection = UpgradeRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let head = head_of(&parts.method, &parts.uri, parts.version, &parts.headers);
        let prepared = prepare(head, &mut parts.extensions)?;
        Ok(WebSocketUpgrade {
            builder: ServerBuilder::new(),
            prepared,
            protocol: None,
            on_failed_upgrade: DefaultOnFailedUpgrade,
        })
    }
}

impl IntoResponse for UpgradeRejection {
    fn into_response(self) -> Response {
        self.to_response()
    }
}

/// What to do when the connection cannot be made after the `101`; see
/// [`WebSocketUpgrade::on_failed_upgrade`]. Any `FnOnce(Error)` is one.
pub trait OnFailedUpgrade: Send + 'static {
    /// Called with the error.
    fn call(self, error: Error);
}

impl<F: FnOnce(Error) + Send + 'static> OnFailedUpgrade for F {
    fn call(self, error: Error) {
        self(error)
    }
}

/// The default [`OnFailedUpgrade`]: drops the error.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct DefaultOnFailedUpgrade;

impl OnFailedUpgrade for DefaultOnFailedUpgrade {
    fn call(self, _error: Error) {}
}
