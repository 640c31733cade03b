//! The settings client and server builders share: the core's `Config`,
//! permessage-deflate, the handshake's limits and timeout, and how long
//! closing the transport may take.

use std::future::Future;
use std::time::Duration;

use noio_ws::{Config, ExtensionStack, Limits};

use crate::Error;
use crate::driver::DEFAULT_LINGER;

/// The default time a whole opening handshake may take.
pub(crate) const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Shared settings, with the defaults of each.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub(crate) config: Config,
    #[cfg(feature = "deflate")]
    pub(crate) deflate: Option<noio_ws::DeflateConfig>,
    pub(crate) limits: Limits,
    pub(crate) handshake_timeout: Option<Duration>,
    pub(crate) linger: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config: Config::default(),
            #[cfg(feature = "deflate")]
            deflate: Some(noio_ws::DeflateConfig::default()),
            limits: Limits::default(),
            handshake_timeout: Some(DEFAULT_HANDSHAKE_TIMEOUT),
            linger: DEFAULT_LINGER,
        }
    }
}

impl Options {
    /// The extensions to offer (a client) or accept (a server).
    pub(crate) fn extensions(&self) -> Result<ExtensionStack, Error> {
        #[cfg_attr(not(feature = "deflate"), allow(unused_mut))]
        let mut extensions = ExtensionStack::new();
        #[cfg(feature = "deflate")]
        if let Some(deflate) = self.deflate {
            extensions.push(noio_ws::PerMessageDeflate::new(deflate))?;
        }
        Ok(extensions)
    }

    /// Runs `handshake` within the handshake timeout, if there is one.
    pub(crate) async fn timed<T>(
        &self,
        handshake: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        match self.handshake_timeout {
            Some(limit) => {
                tokio::time::timeout(limit, handshake).await.map_err(|_| Error::HandshakeTimeout(limit))?
            }
            None => handshake.await,
        }
    }
}

/// The builder methods for [`Options`], the same on the client's and the
/// server's builder.
macro_rules! option_setters {
    () => {
        /// The connection's settings (limits, delivery mode, timers such as
        /// `ping_interval` and `close_timeout`, the output high-water mark).
        pub fn config(mut self, config: noio_ws::Config) -> Self {
            self.options.config = config;
            self
        }

        /// permessage-deflate (RFC 7692) on or off; on by default with
        /// the `deflate` feature. Without the feature it cannot be turned
        /// on, and this does nothing.
        #[cfg_attr(not(feature = "deflate"), allow(unused_mut))]
        pub fn deflate(mut self, on: bool) -> Self {
            #[cfg(feature = "deflate")]
            {
                self.options.deflate = on.then(noio_ws::DeflateConfig::default);
            }
            #[cfg(not(feature = "deflate"))]
            let _ = on;
            self
        }

        /// permessage-deflate with these parameters (window sizes, context takeover).
        #[cfg(feature = "deflate")]
        pub fn deflate_config(mut self, config: noio_ws::DeflateConfig) -> Self {
            self.options.deflate = Some(config);
            self
        }

        /// Bounds on the peer's HTTP head (and, for a client, on a refusal's body).
        pub fn limits(mut self, limits: noio_ws::Limits) -> Self {
            self.options.limits = limits;
            self
        }

        /// How long the opening handshake may take (connecting included, for
        /// a client); `None` for no limit. Default 10 s.
        pub fn handshake_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
            self.options.handshake_timeout = timeout;
            self
        }

        /// How long closing the transport may take before it is dropped
        /// (writing our last bytes, waiting for the peer's end). Default 2 s.
        pub fn linger(mut self, linger: std::time::Duration) -> Self {
            self.options.linger = linger;
            self
        }
    };
}

pub(crate) use option_setters;
