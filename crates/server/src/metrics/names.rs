//! Every metric bote exports, by name, with its help text. Code records through these
//! constants so a name is written once.

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

pub const ACCEPTED: &str = "bote_messages_accepted_total";
pub const DISPATCHED: &str = "bote_dispatch_outcomes_total";
pub const RECEIPTS: &str = "bote_delivery_reports_total";
pub const INBOUND: &str = "bote_inbound_messages_total";
pub const CALLBACKS: &str = "bote_callbacks_total";
pub const UNFINISHED: &str = "bote_messages_unfinished";
pub const INBOUND_UNPROCESSED: &str = "bote_inbound_unprocessed";
pub const SMPP_UP: &str = "bote_smpp_connection_up";
pub const SMPP_RECONNECTS: &str = "bote_smpp_reconnects_total";
pub const SMPP_WINDOW_IN_USE: &str = "bote_smpp_window_in_use";
pub const SMPP_WINDOW_SIZE: &str = "bote_smpp_window_size";
pub const HTTP_DURATION: &str = "bote_http_request_duration_seconds";
pub const DISPATCH_PART: &str = "bote_dispatch_part_seconds";

pub(super) fn describe() {
    describe_counter!(
        ACCEPTED,
        "Messages accepted to go out, by channel (skipped recipients not counted)."
    );
    describe_counter!(
        DISPATCHED,
        "Dispatch attempts by channel and outcome: sent, retry, deferred (sending window or pacing), failed."
    );
    describe_counter!(
        RECEIPTS,
        "Delivery reports received, by the status they report."
    );
    describe_counter!(
        INBOUND,
        "Inbound messages received (first delivery of each provider id), by channel."
    );
    describe_counter!(
        CALLBACKS,
        "Callback deliveries by result: delivered, retry (failed, will retry), gave_up."
    );
    describe_gauge!(
        UNFINISHED,
        "Messages not yet final (queued, sending, sent) in the store, all processes together."
    );
    describe_gauge!(
        INBOUND_UNPROCESSED,
        "Inbound messages stored but not yet through keywords, opt-ins and forwarding, all processes together."
    );
    describe_gauge!(SMPP_UP, "1 while the SMPP connection is bound, else 0.");
    describe_counter!(
        SMPP_RECONNECTS,
        "Times the SMPP connection was lost and bote began to reconnect."
    );
    describe_gauge!(
        SMPP_WINDOW_IN_USE,
        "submit_sm awaiting their response on the SMPP connection."
    );
    describe_gauge!(
        SMPP_WINDOW_SIZE,
        "The most submit_sm the SMPP connection keeps outstanding."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request latency by method, route and status class."
    );
    describe_histogram!(
        DISPATCH_PART,
        Unit::Seconds,
        "Time of each part of a dispatch round by channel: claim, build, send (first send to last outcome), record (in record_outcomes, overlapping the sends), tail (waiting for recording after the last send)."
    );
}
