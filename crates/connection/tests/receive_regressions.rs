//! Regression tests for the receive path: reads given by `recv` and read
//! with `recv_with` mixed around a frame's end, and the header extensions
//! are shown for a frame whose payload was unmasked on its way in.

use std::sync::{Arc, Mutex};

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{FrameHeader, Mask, Role, Rsv};
use noio_ws_connection::{Config, Connection, Event};
use noio_ws_registry::{
    Extension, ExtensionError, ExtensionOffer, ExtensionResponse, NegotiationError, Progress, Registry,
};
use noio_ws_test_support::{client_frame, drain};

fn read_from(src: &[u8]) -> impl FnOnce(&mut [u8]) -> Result<usize, ()> + '_ {
    move |buf: &mut [u8]| {
        let n = src.len().min(buf.len());
        buf[..n].copy_from_slice(&src[..n]);
        Ok(n)
    }
}

/// Regression: recv, then recv_with past the end of the frame part way in,
/// then recv, with no next_event between: the bytes read past the frame stayed
/// in its buffer and the next frame was never delivered.
#[test]
fn recv_with_past_a_frames_end_then_recv_keeps_the_next_frame() {
    let a = client_frame(2, &[1; 20], true);
    let b = client_frame(2, &[2; 20], true);
    let wire = [a.clone(), b.clone()].concat();
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&wire[..10]);
    let split = a.len() + 1; // the rest of `a` and one byte of `b`'s header
    server.recv_with(read_from(&wire[10..split])).unwrap();
    server.recv(&wire[split..]);
    let (events, error) = drain(&mut server);
    assert_eq!(error, None);
    assert_eq!(events.len(), 2, "{events:?}");
}

/// The same with next_event after the first recv (the decoder takes the
/// header then, as before the receive path unmasked on the way in).
#[test]
fn recv_with_past_a_frames_end_then_recv_after_next_event_keeps_it_too() {
    let a = client_frame(2, &[1; 20], true);
    let b = client_frame(2, &[2; 20], true);
    let wire = [a.clone(), b.clone()].concat();
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&wire[..10]);
    assert_eq!(server.next_event(), Ok(Event::NeedData));
    let split = a.len() + 1;
    server.recv_with(read_from(&wire[10..split])).unwrap();
    server.recv(&wire[split..]);
    let (events, error) = drain(&mut server);
    assert_eq!(error, None);
    assert_eq!(events.len(), 2, "{events:?}");
}

/// An extension that transforms nothing and records the headers it is shown.
struct Spy(Arc<Mutex<Vec<Option<Mask>>>>);

impl Extension for Spy {
    fn name(&self) -> &str {
        "spy"
    }
    fn rsv(&self) -> Rsv {
        Rsv::RSV1
    }
    fn client_offers(&self) -> Vec<ExtensionOffer> {
        vec![ExtensionOffer::new("spy")]
    }
    fn server_accept(&mut self, o: &[ExtensionOffer]) -> Result<Option<ExtensionResponse>, NegotiationError> {
        Ok(o.first().cloned())
    }
    fn client_accept(&mut self, _: &ExtensionResponse) -> Result<(), NegotiationError> {
        Ok(())
    }
    fn begin_decode(&mut self, header: &FrameHeader) -> Result<bool, ExtensionError> {
        self.0.lock().unwrap().push(header.mask);
        Ok(false)
    }
    fn decode(&mut self, _: &[u8], _: bool, _: &mut BytesMut, _: usize) -> Result<Progress, ExtensionError> {
        unreachable!()
    }
    fn begin_encode(
        &mut self,
        _: noio_ws_codec::OpCode,
        _: Option<usize>,
    ) -> Result<Option<Rsv>, ExtensionError> {
        Ok(None)
    }
    fn encode(&mut self, _: &[u8], _: bool, _: &mut BytesMut) -> Result<(), ExtensionError> {
        Ok(())
    }
}

fn spied_server() -> (Connection, Arc<Mutex<Vec<Option<Mask>>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut registry = Registry::new();
    registry.extensions.push(Spy(seen.clone())).unwrap();
    registry.extensions.server_negotiate(&[ExtensionOffer::new("spy")]).unwrap();
    (Connection::with_registry(Role::Server, Config::default(), registry), seen)
}

/// Regression: an extension was shown a zero key for a long frame that came
/// whole in one read (unmasked on its way in) and the real key otherwise.
#[test]
fn extensions_see_the_same_header_however_the_input_is_cut() {
    let wire = client_frame(2, &[5; 600], true);
    let (mut whole, seen_whole) = spied_server();
    whole.recv(&wire);
    assert_eq!(drain(&mut whole).1, None);
    let (mut bytewise, seen_bytewise) = spied_server();
    for byte in &wire {
        bytewise.recv(std::slice::from_ref(byte));
        drain(&mut bytewise);
    }
    assert_eq!(*seen_whole.lock().unwrap(), *seen_bytewise.lock().unwrap());
}
