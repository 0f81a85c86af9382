//! Interaction-model dispatch, sans-I/O (INTEROP.md §6).
//!
//! [`ServerSession`] answers the requests of one connection against a
//! [`Device`](crate::model::Device): read, write, subscribe/unsubscribe
//! and invoke, with the status codes and error texts of the reference.
//! Side effects beyond storing a value (command semantics, zone-aware
//! writes, access policy) are the [`Application`]'s; the session calls it.
//!
//! Subscriptions are per session. After any change to the device, the
//! owner drains [`Device::take_changes`](crate::model::Device::take_changes)
//! and hands the changes to every session's
//! [`ServerSession::handle_changes`]; notifications then come out of
//! [`ServerSession::poll_notification`] when the clock passed to
//! [`ServerSession::handle_timeout`] reaches [`ServerSession::poll_timeout`].

mod application;
mod client;
mod failure;
mod invoke;
mod read;
mod session;
mod subscribe;
mod subscriptions;
mod write;

pub use application::{Access, Application, Caller, Context, DefaultApplication, store};
pub use client::{PendingRequests, ReadPayload, RequestIds, SubscribePayload};
pub use failure::Failure;
pub use session::{Inbound, ServerSession};
pub use subscriptions::{SubscriptionLimits, Subscriptions};

#[cfg(test)]
mod tests;
