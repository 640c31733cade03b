//! TLS for `wss://` (feature `rustls`): tokio-rustls on rustls 0.23 with
//! the `ring` provider passed explicitly to every config we build, so no
//! process-level `CryptoProvider` is needed, looked up or installed.
//!
//! The default client config trusts the roots the features pick
//! (`rustls-webpki-roots`: Mozilla's, compiled in; `rustls-native-roots`:
//! the platform's, read once per process; both together: both) and offers
//! ALPN `http/1.1`. A caller's own config replaces it whole
//! ([`ClientBuilder::tls_config`](crate::ClientBuilder::tls_config)).

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::Error;

/// The crypto provider of the TLS configs this crate builds, ring's: pass
/// it to `ClientConfig::builder_with_provider` (or a `ServerConfig`'s) to
/// build one of your own on the same provider, with no process-level
/// `CryptoProvider` looked up or installed.
///
/// ```
/// use noio_ws_tokio::rustls::ClientConfig;
///
/// let builder = ClientConfig::builder_with_provider(noio_ws_tokio::crypto_provider());
/// # let _ = builder;
/// ```
pub fn crypto_provider() -> Arc<CryptoProvider> {
    // rustls 0.23.48 deprecates ring's provider, as it has no post-quantum
    // key exchange; aws-lc-rs, which has, needs a C toolchain (and cmake on
    // some targets) to build. Ring stays the one place it is named, here,
    // until a feature offers aws-lc-rs.
    #[allow(deprecated)]
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The default client config, made once per process (the platform's
/// roots are read only once); the error, if there was one, is kept too.
pub(crate) fn default_config() -> Result<Arc<ClientConfig>, Error> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG.get_or_init(|| make_default_config().map(Arc::new)).clone().map_err(Error::TlsConfig)
}

/// A client config trusting the roots of the enabled features, on ring,
/// TLS 1.2 and 1.3, offering `http/1.1`.
fn make_default_config() -> Result<ClientConfig, String> {
    #[cfg_attr(not(any(feature = "rustls-webpki-roots", feature = "rustls-native-roots")), allow(unused_mut))]
    let mut roots = rustls::RootCertStore::empty();
    #[cfg_attr(not(feature = "rustls-native-roots"), allow(unused_mut))]
    let mut problems: Vec<String> = Vec::new();
    #[cfg(feature = "rustls-webpki-roots")]
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    #[cfg(feature = "rustls-native-roots")]
    {
        let native = rustls_native_certs::load_native_certs();
        problems.extend(native.errors.iter().map(ToString::to_string));
        let (_added, ignored) = roots.add_parsable_certificates(native.certs);
        if ignored > 0 {
            problems.push(format!("{ignored} of the platform's certificates could not be parsed"));
        }
    }
    if roots.is_empty() {
        let mut message =
            String::from(if cfg!(any(feature = "rustls-webpki-roots", feature = "rustls-native-roots")) {
                "no root certificates were found"
            } else {
                "no root certificates: enable the `rustls-webpki-roots` or `rustls-native-roots` feature, \
             or pass a ClientConfig with ClientBuilder::tls_config"
            });
        for problem in &problems {
            message.push_str("; ");
            message.push_str(problem);
        }
        return Err(message);
    }
    let mut config = ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The default config, offering ALPN `h2` before `http/1.1`: for
/// [`ClientBuilder::http2`](crate::ClientBuilder::http2).
#[cfg(feature = "http2")]
pub(crate) fn default_h2_config() -> Result<Arc<ClientConfig>, Error> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut config = make_default_config()?;
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Ok(Arc::new(config))
        })
        .clone()
        .map_err(Error::TlsConfig)
}

/// The caller's `config` for [`ClientBuilder::http2`](crate::ClientBuilder::http2):
/// as it is where it names ALPN protocols (the caller chose), else a copy
/// offering `h2` and `http/1.1` (a config built without a thought for ALPN
/// would otherwise never reach HTTP/2).
#[cfg(feature = "http2")]
pub(crate) fn offering_h2(config: &Arc<ClientConfig>) -> Arc<ClientConfig> {
    if !config.alpn_protocols.is_empty() {
        return config.clone();
    }
    let mut config = ClientConfig::clone(config);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(config)
}

/// `config` without `h2` among its ALPN protocols (and `http/1.1` where
/// that leaves none): for the HTTP/1.1 connection made after a server that
/// chose `h2` did not allow extended CONNECT.
#[cfg(feature = "http2")]
pub(crate) fn without_h2(config: &Arc<ClientConfig>) -> Arc<ClientConfig> {
    if !config.alpn_protocols.iter().any(|p| p == b"h2") {
        return config.clone();
    }
    let mut config = ClientConfig::clone(config);
    config.alpn_protocols.retain(|p| p != b"h2");
    if config.alpn_protocols.is_empty() {
        config.alpn_protocols.push(b"http/1.1".to_vec());
    }
    Arc::new(config)
}

/// The server name to send (SNI) and verify the certificate against: the
/// URL's host, an IPv6 literal without its brackets. An IP address is
/// verified but sent no SNI, as RFC 6066 says.
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>, Error> {
    ServerName::try_from(host.to_owned())
        .map_err(|e| Error::InvalidRequest(format!("{host} cannot be a TLS server name: {e}")))
}

/// The TLS handshake over `tcp`. `early` are bytes already received on it
/// (after a proxy's answer); they go to rustls before anything read from
/// the socket, as the tunnel's first bytes.
pub(crate) async fn handshake(
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    tcp: TcpStream,
    early: &[u8],
) -> Result<TlsStream<TcpStream>, Error> {
    let mut fed = Ok(());
    let connect = TlsConnector::from(config).connect_with(name, tcp, |connection| {
        let mut rest = early;
        while !rest.is_empty() && fed.is_ok() {
            fed = connection.read_tls(&mut rest).map(drop);
        }
    });
    fed?;
    connect.await.map_err(tls_error)
}

/// rustls's own error out of the `io::Error` tokio-rustls wraps it in.
pub(crate) fn tls_error(error: std::io::Error) -> Error {
    match error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(tls) => Error::Tls(tls.clone()),
        None => Error::Io(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_host() {
        assert!(matches!(server_name("example.com").unwrap(), ServerName::DnsName(_)));
        assert!(matches!(server_name("127.0.0.1").unwrap(), ServerName::IpAddress(_)));
        assert!(matches!(server_name("::1").unwrap(), ServerName::IpAddress(_)));
        assert!(matches!(server_name("bad_name!"), Err(Error::InvalidRequest(_))));
    }

    #[cfg(feature = "rustls-webpki-roots")]
    #[test]
    fn the_default_config_offers_http_1_1_without_a_global_provider() {
        let config = default_config().unwrap();
        assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
        assert!(CryptoProvider::get_default().is_none());
    }

    #[cfg(not(any(feature = "rustls-webpki-roots", feature = "rustls-native-roots")))]
    #[test]
    fn without_roots_the_error_says_where_to_get_them() {
        match default_config() {
            Err(Error::TlsConfig(message)) => {
                assert!(
                    message.contains("rustls-webpki-roots") && message.contains("tls_config"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[cfg(all(feature = "http2", feature = "rustls-webpki-roots"))]
    #[test]
    fn for_http2_a_config_without_alpn_offers_h2_and_one_with_alpn_is_kept() {
        let chosen = default_config().unwrap();
        assert!(Arc::ptr_eq(&offering_h2(&chosen), &chosen));
        let mut bare = ClientConfig::clone(&chosen);
        bare.alpn_protocols.clear();
        assert_eq!(offering_h2(&Arc::new(bare)).alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
        let fallback = without_h2(&default_h2_config().unwrap());
        assert_eq!(fallback.alpn_protocols, [b"http/1.1".to_vec()]);
    }

    #[test]
    fn io_errors_that_are_not_tls_stay_io() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(matches!(tls_error(io), Error::Io(_)));
        let wrapped = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert!(matches!(tls_error(wrapped), Error::Tls(rustls::Error::DecryptError)));
    }
}
