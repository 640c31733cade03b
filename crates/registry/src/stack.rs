//! The ordered stack of a connection's extensions, the reserved bits each
//! holds, and negotiation over the whole stack.

use alloc::boxed::Box;
use alloc::string::ToString;
use alloc::vec::Vec;

use noio_ws_codec::{OpCode, Rsv};

use crate::{Extension, ExtensionOffer, ExtensionResponse, NegotiationError, RegistryError};

/// A connection's extensions in processing order.
///
/// Each reserved bit has at most one owner: pushing an extension fails if one
/// of its bits is taken, by another extension or by the application
/// ([`Registry::claim_rsv`](crate::Registry::claim_rsv) reserves its bits in
/// the registry's stack). An extension's bits may be set only where
/// [`Extension::allowed_rsv`] says, and only once it is negotiated; bits the
/// application claims for itself are the connection's
/// ([`Registry::claim_rsv`](crate::Registry::claim_rsv)).
///
/// An extension enters the stack in one of two ways:
/// - [`push`](Self::push): a candidate, offered by a client or considered by
///   a server. [`client_negotiate`](Self::client_negotiate) or
///   [`server_negotiate`](Self::server_negotiate) keeps the candidates the
///   peer agreed to and drops the others.
/// - [`push_negotiated`](Self::push_negotiated): already agreed, out of band
///   or by calling its [`Extension::server_accept`] or
///   [`Extension::client_accept`] directly.
///
/// Only negotiated extensions are what the connection sees: [`len`](Self::len),
/// [`is_empty`](Self::is_empty), [`iter_mut`](Self::iter_mut),
/// [`names`](Self::names) and [`allowed_rsv`](Self::allowed_rsv) leave
/// candidates out, so a candidate that was never negotiated owns no bit on
/// the wire (RFC 6455 section 5.2: a reserved bit is nonzero only with a
/// negotiated extension that defines it) and never transforms a payload.
///
/// Outgoing messages pass through the negotiated extensions first to last,
/// incoming ones last to first (RFC 6455 section 9.1: the order of the
/// negotiated list).
#[derive(Default)]
pub struct ExtensionStack {
    /// Pushed with `push`, waiting for negotiation.
    candidates: Vec<Box<dyn Extension>>,
    /// Agreed with the peer, in processing order: what the connection runs.
    negotiated: Vec<Box<dyn Extension>>,
    /// Bits the application claimed through
    /// [`Registry::claim_rsv`](crate::Registry::claim_rsv): refused to an
    /// extension pushed later.
    app_reserved: Rsv,
}

impl core::fmt::Debug for ExtensionStack {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExtensionStack")
            .field("negotiated", &self.names().collect::<Vec<_>>())
            .field("candidates", &self.candidate_names().collect::<Vec<_>>())
            .finish()
    }
}

impl ExtensionStack {
    /// An empty stack: no extension.
    pub const fn new() -> Self {
        ExtensionStack { candidates: Vec::new(), negotiated: Vec::new(), app_reserved: Rsv::NONE }
    }

    /// Adds `extension` as a candidate, to be offered (client) or considered
    /// (server) when negotiating. Until negotiation keeps it, it is inert: its
    /// bits are reserved against other owners but not allowed on the wire.
    pub fn push(&mut self, extension: impl Extension + 'static) -> Result<(), RegistryError> {
        self.push_boxed(Box::new(extension))
    }

    /// [`push`](Self::push) for an already boxed extension.
    pub fn push_boxed(&mut self, extension: Box<dyn Extension>) -> Result<(), RegistryError> {
        self.check_new(extension.as_ref())?;
        self.candidates.push(extension);
        Ok(())
    }

    /// Adds `extension` as negotiated, at the end of the processing order,
    /// with no handshake: for an extension agreed out of band, or configured
    /// by calling its [`Extension::server_accept`] or
    /// [`Extension::client_accept`] directly (tests, pre-agreed setups). The
    /// connection runs it and allows its reserved bits at once.
    pub fn push_negotiated(&mut self, extension: impl Extension + 'static) -> Result<(), RegistryError> {
        self.push_negotiated_boxed(Box::new(extension))
    }

    /// [`push_negotiated`](Self::push_negotiated) for an already boxed
    /// extension.
    pub fn push_negotiated_boxed(&mut self, extension: Box<dyn Extension>) -> Result<(), RegistryError> {
        self.check_new(extension.as_ref())?;
        self.negotiated.push(extension);
        Ok(())
    }

    /// Every extension, candidate or negotiated: ownership of names and bits
    /// is checked against all of them.
    fn all(&self) -> impl Iterator<Item = &dyn Extension> {
        self.negotiated.iter().chain(&self.candidates).map(|e| &**e)
    }

    fn check_new(&self, extension: &dyn Extension) -> Result<(), RegistryError> {
        if self.all().any(|e| e.name().eq_ignore_ascii_case(extension.name())) {
            return Err(RegistryError::DuplicateExtension(extension.name().to_string()));
        }
        if extension.rsv().intersects(self.app_reserved) {
            return Err(RegistryError::RsvConflict {
                wanted: extension.rsv(),
                held: self.app_reserved,
                holder: "the application".to_string(),
            });
        }
        self.check_free(extension.rsv())
    }

    /// Reserves `rsv` for the application: extensions pushed later may not
    /// claim them.
    pub(crate) fn reserve_for_application(&mut self, rsv: Rsv) {
        self.app_reserved |= rsv;
    }

    /// Fails when an extension, candidate or negotiated, holds one of the
    /// `wanted` bits.
    pub(crate) fn check_free(&self, wanted: Rsv) -> Result<(), RegistryError> {
        match self.all().find(|e| e.rsv().intersects(wanted)) {
            Some(e) => {
                Err(RegistryError::RsvConflict { wanted, held: e.rsv(), holder: e.name().to_string() })
            }
            None => Ok(()),
        }
    }

    /// Every bit an extension holds, candidate or negotiated (the
    /// application's bits are [`Registry::app_rsv`](crate::Registry::app_rsv)).
    pub fn claimed_rsv(&self) -> Rsv {
        self.all().fold(Rsv::NONE, |acc, e| acc | e.rsv())
    }

    /// The reserved bits the negotiated extensions allow on a received frame
    /// here.
    pub fn allowed_rsv(&self, opcode: OpCode, first_frame_of_message: bool) -> Rsv {
        self.negotiated.iter().fold(Rsv::NONE, |acc, e| acc | e.allowed_rsv(opcode, first_frame_of_message))
    }

    /// The negotiated extensions' names, in processing order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.negotiated.iter().map(|e| e.name())
    }

    /// The candidates' names, in push order: pushed but not negotiated (yet).
    pub fn candidate_names(&self) -> impl Iterator<Item = &str> {
        self.candidates.iter().map(|e| e.name())
    }

    /// The number of negotiated extensions.
    pub fn len(&self) -> usize {
        self.negotiated.len()
    }

    /// True when no extension is negotiated (candidates do not count).
    pub fn is_empty(&self) -> bool {
        self.negotiated.is_empty()
    }

    /// The negotiated extensions, first to last.
    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut (dyn Extension + 'static)> + ExactSizeIterator {
        self.negotiated.iter_mut().map(|e| &mut **e)
    }

    /// Client side: every candidate's offers, in push order. Negotiated
    /// extensions are already agreed and are not offered again.
    pub fn client_offers(&self) -> Vec<ExtensionOffer> {
        self.candidates.iter().flat_map(|e| e.client_offers()).collect()
    }

    /// Server side: gives each candidate the client's offers that name it
    /// and keeps those that accept, in push order, after any extension
    /// already negotiated; the others leave the stack. Returns the
    /// responses for `Sec-WebSocket-Extensions`. Offers for extensions the
    /// server does not have are ignored, as RFC 6455 section 9.1 allows.
    pub fn server_negotiate(
        &mut self,
        offers: &[ExtensionOffer],
    ) -> Result<Vec<ExtensionResponse>, NegotiationError> {
        let mut responses = Vec::new();
        for mut extension in core::mem::take(&mut self.candidates) {
            let mine: Vec<ExtensionOffer> =
                offers.iter().filter(|o| o.name.eq_ignore_ascii_case(extension.name())).cloned().collect();
            if mine.is_empty() {
                continue;
            }
            if let Some(response) = extension.server_accept(&mine)? {
                responses.push(response);
                self.negotiated.push(extension);
            }
        }
        Ok(responses)
    }

    /// Client side: configures each candidate the server accepted, in the
    /// server's order, after any extension already negotiated; the others
    /// leave the stack. Fails on an extension not offered, accepted twice,
    /// or refused by its own check (RFC 6455 section 4.1: the client must
    /// then fail the connection).
    pub fn client_negotiate(&mut self, responses: &[ExtensionResponse]) -> Result<(), NegotiationError> {
        let mut offered: Vec<Option<Box<dyn Extension>>> =
            core::mem::take(&mut self.candidates).into_iter().map(Some).collect();
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
        self.negotiated.append(&mut active);
        Ok(())
    }
}
