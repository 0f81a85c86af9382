//! Any bytes: the message decoder returns a value or an error, never
//! panics, and whatever decodes re-encodes to something that decodes to
//! the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mash_core::wire::Message;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = Message::decode(data) {
        let mut out = Vec::new();
        msg.encode(&mut out);
        let again = Message::decode(&out).expect("re-encoded message decodes");
        assert_eq!(again, msg);
    }
});
