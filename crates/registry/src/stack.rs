//! The ordered stack of a connection's extensions, the reserved bits each
//! holds, and negotiation over the whole stack.

use alloc::boxed::Box;
use alloc::string::ToString;
use alloc::vec::Vec;

use noio_ws_codec::{OpCode, Rsv};

use crate::{Extension, ExtensionOffer, ExtensionResponse, NegotiationError, RegistryError};

/// A connection's extensions in processing order, plus the reserved bits the
/// application claims for itself.
///
/// Each reserved bit has at most one owner: pushing an extension, or
/// claiming bits for the application, fails if a bit is taken. Bits claimed by
/// the application (the Python noio_ws "set `rsv_1` and compress it
/// yourself") may be set on any frame, sent or received; an extension's bits
/// only where [`Extension::allowed_rsv`] says.
///
/// Outgoing messages pass through the extensions first to last, incoming ones
/// last to first (RFC 6455 section 9.1: the order of the negotiated list).
#[derive(Default)]
pub struct ExtensionStack {
    extensions: Vec<Box<dyn Extension>>,
    app_rsv: Rsv,
}

impl core::fmt::Debug for ExtensionStack {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExtensionStack")
            .field("extensions", &self.names().collect::<Vec<_>>())
            .field("app_rsv", &self.app_rsv)
            .finish()
    }
}

impl ExtensionStack {
    /// An empty stack: no extension, no reserved bit claimed.
    pub const fn new() -> Self {
        ExtensionStack { extensions: Vec::new(), app_rsv: Rsv::NONE }
    }

    /// Adds `extension` at the end of the stack.
    pub fn push(&mut self, extension: impl Extension + 'static) -> Result<(), RegistryError> {
        self.push_boxed(Box::new(extension))
    }

    /// Adds an already boxed extension at the end of the stack.
    pub fn push_boxed(&mut self, extension: Box<dyn Extension>) -> Result<(), RegistryError> {
        if self.names().any(|n| n.eq_ignore_ascii_case(extension.name())) {
            return Err(RegistryError::DuplicateExtension(extension.name().to_string()));
        }
        self.check_free(extension.rsv())?;
        self.extensions.push(extension);
        Ok(())
    }

    /// Claims reserved bits for the application itself, with no extension
    /// object: frames it sends and receives may then carry them freely.
    pub fn claim_rsv(&mut self, rsv: Rsv) -> Result<(), RegistryError> {
        self.check_free(rsv)?;
        self.app_rsv |= rsv;
        Ok(())
    }

    fn check_free(&self, wanted: Rsv) -> Result<(), RegistryError> {
        let conflict =
            |held: Rsv, holder: &str| RegistryError::RsvConflict { wanted, held, holder: holder.to_string() };
        if wanted.intersects(self.app_rsv) {
            return Err(conflict(self.app_rsv, "the application"));
        }
        match self.extensions.iter().find(|e| e.rsv().intersects(wanted)) {
            Some(e) => Err(conflict(e.rsv(), e.name())),
            None => Ok(()),
        }
    }

    /// The bits the application claimed.
    pub const fn app_rsv(&self) -> Rsv {
        self.app_rsv
    }

    /// Every claimed bit, by the application or an extension.
    pub fn claimed_rsv(&self) -> Rsv {
        self.extensions.iter().fold(self.app_rsv, |acc, e| acc | e.rsv())
    }

    /// The reserved bits a received frame may carry.
    pub fn allowed_rsv(&self, opcode: OpCode, first_frame_of_message: bool) -> Rsv {
        self.extensions
            .iter()
            .fold(self.app_rsv, |acc, e| acc | e.allowed_rsv(opcode, first_frame_of_message))
    }

    /// The extension names, in stack order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.extensions.iter().map(|e| e.name())
    }

    /// The number of extensions.
    pub fn len(&self) -> usize {
        self.extensions.len()
    }

    /// True when the stack holds no extension.
    pub fn is_empty(&self) -> bool {
        self.extensions.is_empty()
    }

    /// The extensions, first to last.
    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut (dyn Extension + 'static)> + ExactSizeIterator {
        self.extensions.iter_mut().map(|e| &mut **e)
    }

    /// Client side: every extension's offers, in stack order.
    pub fn client_offers(&self) -> Vec<ExtensionOffer> {
        self.extensions.iter().flat_map(|e| e.client_offers()).collect()
    }

    /// Server side: gives each extension the client's offers that name it
    /// and keeps those that accept, in stack order. Returns the responses
    /// for `Sec-WebSocket-Extensions`. Offers for extensions the server
    /// does not have are ignored, as RFC 6455 section 9.1 allows.
    pub fn server_negotiate(
        &mut self,
        offers: &[ExtensionOffer],
    ) -> Result<Vec<ExtensionResponse>, NegotiationError> {
        let mut responses = Vec::new();
        let mut kept = Vec::new();
        for mut extension in self.extensions.drain(..) {
            let mine: Vec<ExtensionOffer> =
                offers.iter().filter(|o| o.name.eq_ignore_ascii_case(extension.name())).cloned().collect();
            if mine.is_empty() {
                continue;
            }
            if let Some(response) = extension.server_accept(&mine)? {
                responses.push(response);
                kept.push(extension);
            }
        }
        self.extensions = kept;
        Ok(responses)
    }

    /// Client side: configures each extension the server accepted, in the
    /// server's order, and drops the others. Fails on an extension not
    /// offered, accepted twice, or refused by its own check (RFC 6455
    /// section 4.1: the client must then fail the connection).
    pub fn client_negotiate(&mut self, responses: &[ExtensionResponse]) -> Result<(), NegotiationError> {
        let mut offered: Vec<Option<Box<dyn Extension>>> = self.extensions.drain(..).map(Some).collect();
        let mut active: Vec<Box<dyn Extension>> = Vec::new();
        for response in responses {
            let slot = offered
                .iter_mut()
                .find(|slot| slot.as_ref().is_some_and(|e| e.name().eq_ignore_ascii_case(&response.name)));
            let Some(mut extension) = slot.and_then(Option::take) else {
                let name = response.name.clone();
                let seen = active.iter().any(|e| e.name().eq_ignore_ascii_case(&name));
                return Err(if seen {
                    NegotiationError::AcceptedTwice(name)
                } else {
                    NegotiationError::NotOffered(name)
                });
            };
            extension.client_accept(response)?;
            active.push(extension);
        }
        self.extensions = active;
        Ok(())
    }
}
