//! permessage-deflate as a registry [`Extension`]: negotiation for both
//! roles and the per-message transforms.

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{FrameHeader, OpCode, Rsv};
use noio_ws_registry::{
    Extension, ExtensionError, ExtensionOffer, ExtensionResponse, NegotiationError, Progress,
};

use crate::deflater::Deflater;
use crate::inflater::Inflater;
use crate::params::{NAME, Params, WindowBits};
use crate::window;

/// How this end wants permessage-deflate.
///
/// The defaults keep a connection that has exchanged compressed messages
/// under 64 KiB of compression state, both directions together, with
/// windows of 8 KiB (13 bits) and zlib's memory level 5; on text-like data
/// they compress within 10% of [`FULL_WINDOW`](Self::FULL_WINDOW), zlib's
/// own defaults, which hold about 5 times as much. The trade-off, measured,
/// is in `docs/deflate.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeflateConfig {
    /// zlib compression level, 0 (store) to 9 (smallest). Default 6.
    pub level: u32,
    /// Whole messages shorter than this go out uncompressed. Default 32 bytes.
    pub threshold: usize,
    /// Ask (as a client) or require (as a server) that the server resets its
    /// context after each message: worse compression, but the compressor's
    /// state is released between messages.
    pub server_no_context_takeover: bool,
    /// Ask for (as a client) or require (as a server) the same of the client,
    /// whose compressor, and this end's decompressor, are then released
    /// between messages.
    pub client_no_context_takeover: bool,
    /// The largest server window, 8-15: a client offers it as a limit (with
    /// a plain offer after it, for servers that cannot keep to it), a
    /// server compresses with no more and says so. Default 13 (8 KiB).
    pub server_max_window_bits: u8,
    /// The largest client window, 8-15: a client compresses with no more
    /// and says so, a server asks the client for it when the client allows
    /// (offers `client_max_window_bits`). Default 13 (8 KiB).
    pub client_max_window_bits: u8,
    /// zlib's memory level for this end's compressor, 1-9: a hash table of
    /// `2^(mem_level + 8)` bytes and blocks of `2^(mem_level + 6)` symbols.
    /// Not negotiated. Default 5 (8 KiB of hash table); zlib's default is 8.
    pub mem_level: u8,
}

impl DeflateConfig {
    /// The defaults: 8 KiB windows both ways, memory level 5, level 6.
    pub const DEFAULT: DeflateConfig = DeflateConfig {
        level: 6,
        threshold: 32,
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 13,
        client_max_window_bits: 13,
        mem_level: 5,
    };

    /// zlib's own defaults, for who wants the best ratio whatever the
    /// memory: 32 KiB windows (nothing limited in the offer or answer) and
    /// memory level 8, about 5 times the defaults' memory.
    pub const FULL_WINDOW: DeflateConfig = DeflateConfig {
        server_max_window_bits: 15,
        client_max_window_bits: 15,
        mem_level: 8,
        ..DeflateConfig::DEFAULT
    };
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig::DEFAULT
    }
}

/// The permessage-deflate extension (RFC 7692), for a registry's stack.
///
/// It claims RSV1, negotiates all four parameters, compresses outgoing data
/// messages (RSV1 on the first frame only) and decompresses incoming ones as
/// their frames arrive, never holding more than the connection's budget.
///
/// Every window RFC 7692 allows is agreed to and kept, 8 bits included
/// (every match within 250 bytes). It inflates with the window agreed for
/// the peer, 9 bits or more, which reads a zlib peer kept to 8 as well.
pub struct PerMessageDeflate {
    config: DeflateConfig,
    active: Option<Active>,
}

/// The state once negotiated.
struct Active {
    deflater: Deflater,
    inflater: Inflater,
}

impl PerMessageDeflate {
    /// The extension with `config`, not yet negotiated.
    pub fn new(config: DeflateConfig) -> Self {
        PerMessageDeflate { config, active: None }
    }

    /// The configured server window, 8-15.
    fn server_window(&self) -> u8 {
        window::configured(self.config.server_max_window_bits)
    }

    /// The configured client window, 8-15.
    fn client_window(&self) -> u8 {
        window::configured(self.config.client_max_window_bits)
    }

    /// The parameters a client offers first.
    fn primary_offer(&self) -> Params {
        let c = &self.config;
        let (server_window, client_window) = (self.server_window(), self.client_window());
        Params {
            server_no_context_takeover: c.server_no_context_takeover,
            client_no_context_takeover: c.client_no_context_takeover,
            server_max_window_bits: (server_window < window::MAX_BITS).then_some(server_window),
            client_max_window_bits: Some(if client_window < window::MAX_BITS {
                WindowBits::Bits(client_window)
            } else {
                WindowBits::Unspecified
            }),
        }
    }

    /// The parameters a server answers a valid `offer` with.
    fn answer(&self, offer: &Params) -> Params {
        let c = &self.config;
        let server_max_window_bits = match offer.server_max_window_bits {
            Some(bits) => Some(bits.min(self.server_window())),
            None => (self.server_window() < window::MAX_BITS).then_some(self.server_window()),
        };
        // The client's window may be limited only if it offered the parameter.
        let client_max_window_bits = match offer.client_max_window_bits {
            None => None,
            Some(WindowBits::Unspecified) => {
                (self.client_window() < window::MAX_BITS).then_some(WindowBits::Bits(self.client_window()))
            }
            Some(WindowBits::Bits(bits)) => Some(WindowBits::Bits(bits.min(self.client_window()))),
        };
        Params {
            server_no_context_takeover: offer.server_no_context_takeover || c.server_no_context_takeover,
            client_no_context_takeover: offer.client_no_context_takeover || c.client_no_context_takeover,
            server_max_window_bits,
            client_max_window_bits,
        }
    }

    /// Once negotiated, how far back its compressor's matches reach, and
    /// whether it resets its context after each message: what the fuzz
    /// target checks against the agreement.
    #[cfg(feature = "fuzz")]
    pub(crate) fn compressor_settings(&self) -> Option<(usize, bool)> {
        self.active.as_ref().map(|a| a.deflater.settings())
    }
}

fn bits_of(window: Option<WindowBits>) -> u8 {
    match window {
        Some(WindowBits::Bits(bits)) => bits,
        _ => 15,
    }
}

impl Extension for PerMessageDeflate {
    fn name(&self) -> &str {
        NAME
    }

    fn rsv(&self) -> Rsv {
        Rsv::RSV1
    }

    fn client_offers(&self) -> Vec<ExtensionOffer> {
        let primary = self.primary_offer();
        let mut offers = vec![primary.to_offer()];
        if primary != (Params { client_max_window_bits: Some(WindowBits::Unspecified), ..Params::default() })
        {
            // A plain fallback for servers that refuse the requested parameters.
            offers.push(
                Params { client_max_window_bits: Some(WindowBits::Unspecified), ..Params::default() }
                    .to_offer(),
            );
        }
        offers
    }

    fn server_accept(
        &mut self,
        offers: &[ExtensionOffer],
    ) -> Result<Option<ExtensionResponse>, NegotiationError> {
        // RFC 7692 section 5: an offer with unknown, duplicate or invalid
        // parameters is declined; the next one is tried.
        let Some(offer) = offers.iter().find_map(|o| Params::parse(o).ok()) else {
            return Ok(None);
        };
        let agreed = self.answer(&offer);
        self.active = Some(Active {
            deflater: Deflater::new(
                self.config.level,
                agreed.server_max_window_bits.unwrap_or(15),
                self.config.mem_level,
                agreed.server_no_context_takeover,
            ),
            inflater: Inflater::new(
                bits_of(agreed.client_max_window_bits),
                agreed.client_no_context_takeover,
            ),
        });
        Ok(Some(agreed.to_offer()))
    }

    fn client_accept(&mut self, response: &ExtensionResponse) -> Result<(), NegotiationError> {
        let refuse = |reason: String| NegotiationError::refused(NAME, reason);
        let agreed = Params::parse(response).map_err(|e| refuse(e.to_string()))?;
        let own_window = match agreed.client_max_window_bits {
            Some(WindowBits::Unspecified) => {
                return Err(refuse("client_max_window_bits needs a value in a response".into()));
            }
            other => bits_of(other).min(self.client_window()),
        };
        // Any valid server_max_window_bits is acceptable: whenever our first
        // offer limits the server's window, a plain fallback that leaves it
        // free goes with it, and the server may have answered either. Even
        // 8: we inflate with 9 bits at least, which reads it all.
        self.active = Some(Active {
            deflater: Deflater::new(
                self.config.level,
                own_window,
                self.config.mem_level,
                agreed.client_no_context_takeover || self.config.client_no_context_takeover,
            ),
            inflater: Inflater::new(
                agreed.server_max_window_bits.unwrap_or(15),
                agreed.server_no_context_takeover,
            ),
        });
        Ok(())
    }

    fn begin_decode(&mut self, header: &FrameHeader) -> Result<bool, ExtensionError> {
        Ok(self.active.is_some() && header.rsv.rsv1())
    }

    fn decode(
        &mut self,
        input: &[u8],
        end: bool,
        output: &mut BytesMut,
        max_output: usize,
    ) -> Result<Progress, ExtensionError> {
        match self.active.as_mut() {
            Some(active) => active.inflater.decode(input, end, output, max_output),
            None => Err(ExtensionError::new(
                noio_ws_codec::CloseCode::INTERNAL_ERROR,
                "permessage-deflate not negotiated",
            )),
        }
    }

    fn begin_encode(
        &mut self,
        _opcode: OpCode,
        len_hint: Option<usize>,
    ) -> Result<Option<Rsv>, ExtensionError> {
        let small = len_hint.is_some_and(|len| len < self.config.threshold);
        Ok((self.active.is_some() && !small).then_some(Rsv::RSV1))
    }

    fn encode(&mut self, input: &[u8], end: bool, output: &mut BytesMut) -> Result<(), ExtensionError> {
        match self.active.as_mut() {
            Some(active) => active.deflater.compress(input, end, output),
            None => Err(ExtensionError::new(
                noio_ws_codec::CloseCode::INTERNAL_ERROR,
                "permessage-deflate not negotiated",
            )),
        }
    }
}
