//! Runs data message payloads through the negotiated extensions: in stack
//! order on the way out, in reverse on the way in (RFC 6455 section 9.1).

use noio_ws_codec::bytes::{Bytes, BytesMut};
use noio_ws_codec::{CloseCode, FrameHeader, OpCode, Rsv};
use noio_ws_registry::{ExtensionError, ExtensionStack};

use crate::ProtocolError;

/// The extensions that apply to one message: bit `i` for the stack's `i`th.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ActiveExtensions(u32);

impl ActiveExtensions {
    pub(crate) const fn is_empty(self) -> bool {
        self.0 == 0
    }

    const fn contains(self, index: usize) -> bool {
        index < 32 && self.0 & (1 << index) != 0
    }
}

/// Asks each extension whether it transforms the message whose first
/// frame has `header`.
pub(crate) fn begin_decode(
    stack: &mut ExtensionStack,
    header: &FrameHeader,
) -> Result<ActiveExtensions, ExtensionError> {
    let mut active = 0;
    for (i, extension) in stack.iter_mut().enumerate().take(32) {
        if extension.begin_decode(header)? {
            active |= 1 << i;
        }
    }
    Ok(ActiveExtensions(active))
}

/// Decodes one piece of a message's payload through its extensions, last to
/// first. `budget` is how many more bytes the message may grow by: output
/// past it fails with 1009 having spent at most one byte more.
pub(crate) fn decode(
    stack: &mut ExtensionStack,
    active: ActiveExtensions,
    mut data: Bytes,
    end: bool,
    budget: u64,
) -> Result<Bytes, ProtocolError> {
    let too_long = |produced: usize| produced as u64 > budget;
    for (i, extension) in stack.iter_mut().enumerate().rev() {
        if !active.contains(i) || (data.is_empty() && !end) {
            continue;
        }
        let mut output = BytesMut::new();
        let mut consumed = 0;
        loop {
            let room = usize::try_from(budget + 1 - output.len() as u64).unwrap_or(usize::MAX);
            let progress = extension.decode(&data[consumed..], end, &mut output, room)?;
            consumed += progress.consumed;
            if too_long(output.len()) {
                return Err(ProtocolError::MessageTooLong { max: budget });
            }
            if progress.drained && consumed == data.len() {
                break;
            }
            if progress.consumed == 0 && progress.produced == 0 {
                let reason = "extension made no progress on its input";
                return Err(ExtensionError::new(CloseCode::INTERNAL_ERROR, reason).into());
            }
        }
        data = output.freeze();
    }
    Ok(data)
}

/// Decodes at most `limit` bytes of output from `data` through the
/// message's extensions; returns the output, how much of `data` it used and
/// whether `data` is finished with. With one active extension (the usual
/// case) this bounds each step; a chain of several decodes `data` whole.
pub(crate) fn decode_bounded(
    stack: &mut ExtensionStack,
    active: ActiveExtensions,
    data: &Bytes,
    end: bool,
    budget: u64,
    limit: usize,
) -> Result<(Bytes, usize, bool), ProtocolError> {
    let mut indices = (0..stack.len()).filter(|&i| active.contains(i));
    let (Some(only), None) = (indices.next(), indices.next()) else {
        return Ok((decode(stack, active, data.clone(), end, budget)?, data.len(), true));
    };
    let extension = stack.iter_mut().nth(only).expect("an index below the stack's length");
    let mut output = BytesMut::new();
    let mut consumed = 0;
    // Called even with no input: a previous call may have left output behind.
    loop {
        let to_budget = usize::try_from(budget + 1 - output.len() as u64).unwrap_or(usize::MAX);
        let room = to_budget.min(limit - output.len());
        if room == 0 {
            return Ok((output.freeze(), consumed, false));
        }
        let progress = extension.decode(&data[consumed..], end, &mut output, room)?;
        consumed += progress.consumed;
        if output.len() as u64 > budget {
            return Err(ProtocolError::MessageTooLong { max: budget });
        }
        if progress.drained && consumed == data.len() {
            return Ok((output.freeze(), consumed, true));
        }
        if progress.consumed == 0 && progress.produced == 0 {
            let reason = "extension made no progress on its input";
            return Err(ExtensionError::new(CloseCode::INTERNAL_ERROR, reason).into());
        }
    }
}

/// Asks each extension whether it transforms an outgoing message of type
/// `opcode`; returns those that do and the reserved bits they set.
pub(crate) fn begin_encode(
    stack: &mut ExtensionStack,
    opcode: OpCode,
    len_hint: Option<usize>,
) -> Result<(ActiveExtensions, Rsv), ExtensionError> {
    let (mut active, mut rsv) = (0, Rsv::NONE);
    for (i, extension) in stack.iter_mut().enumerate().take(32) {
        if let Some(bits) = extension.begin_encode(opcode, len_hint)? {
            active |= 1 << i;
            rsv |= bits;
        }
    }
    Ok((ActiveExtensions(active), rsv))
}

/// Encodes one piece of an outgoing message's payload, first to last.
pub(crate) fn encode(
    stack: &mut ExtensionStack,
    active: ActiveExtensions,
    mut data: Bytes,
    end: bool,
) -> Result<Bytes, ExtensionError> {
    for (i, extension) in stack.iter_mut().enumerate() {
        if active.contains(i) {
            let mut output = BytesMut::with_capacity(data.len());
            extension.encode(&data, end, &mut output)?;
            data = output.freeze();
        }
    }
    Ok(data)
}
