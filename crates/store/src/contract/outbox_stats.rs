//! Message statistics (R21): counted per period and channel, scoped to the account.

use std::sync::Arc;

use bote_domain::MessageStatus;
use chrono::{Days, Duration, Utc};

use super::super::support::{sms, whatsapp};
use super::*;
use crate::{StatsQuery, StatsRow, StatsSpan, StatsStore};

fn final_outcome(status: MessageStatus) -> Outcome {
    Outcome::Final {
        status,
        reason: "test".into(),
        code: None,
    }
}

/// R21: sent, delivered, failed (failed, undelivered, expired, rejected) and segments are
/// counted per span and channel, WhatsApp apart from SMS, only the account's own.
pub async fn outbox_stats_count_per_period_and_channel<
    S: Store + OutboxStore + StatsStore + ?Sized,
>(
    store: Arc<S>,
) {
    let a = account(&*store, "A").await;
    let b = account(&*store, "B").await;
    let (ids, claims) = sending(&*store, sms_send(a), 4).await;
    let two_parts = Outcome::Sent {
        connection: "smsc".into(),
        provider_ids: vec!["p-1".into()],
        segments: 2,
    };
    let outcomes = vec![
        (ids[0], two_parts),
        (ids[1], sent("smsc", &["p-2"])),
        (ids[2], final_outcome(MessageStatus::Rejected)),
        (ids[3], final_outcome(MessageStatus::Failed)),
    ];
    apply_outcomes(&*store, &claims, outcomes).await;
    store
        .apply_receipts(&[
            receipt("smsc", &["p-1"], MessageStatus::Delivered),
            receipt("smsc", &["p-2"], MessageStatus::Undelivered),
        ])
        .await
        .expect("receipts");
    // WhatsApp without opt-ins: rows that are counted in none of the columns.
    let mut to_whatsapp = sms_send(a);
    to_whatsapp.channel = ChannelKind::Whatsapp;
    accept(&*store, to_whatsapp, numbers([whatsapp(1)])).await;
    // Another account's messages never count.
    accept(&*store, sms_send(b), numbers([sms(1), sms(2)])).await;

    let now = Utc::now();
    let today = now.date_naive();
    let span = |period, start, end| StatsSpan { period, start, end };
    let current = span(today, now - Duration::hours(1), now + Duration::hours(1));
    let query = StatsQuery {
        spans: vec![current.clone()],
        channel: None,
    };
    let sms_row = StatsRow {
        period: today,
        channel: ChannelKind::Sms,
        sent: 2,
        delivered: 1,
        failed: 3,
        segments: 3,
    };
    let whatsapp_row = StatsRow {
        period: today,
        channel: ChannelKind::Whatsapp,
        sent: 0,
        delivered: 0,
        failed: 0,
        segments: 0,
    };
    let stats = store.message_stats(a, &query).await.unwrap();
    assert_eq!(stats, vec![sms_row.clone(), whatsapp_row.clone()]);

    let only_whatsapp = StatsQuery {
        channel: Some(ChannelKind::Whatsapp),
        ..query.clone()
    };
    let stats = store.message_stats(a, &only_whatsapp).await.unwrap();
    assert_eq!(stats, vec![whatsapp_row]);

    // Each span counts only what was created within it, under its own period; a span with
    // nothing is absent.
    let before = today.checked_sub_days(Days::new(1)).unwrap();
    let earlier = span(before, now - Duration::days(1), now - Duration::hours(1));
    let later = span(today, now + Duration::hours(1), now + Duration::days(1));
    let three = StatsQuery {
        spans: vec![earlier.clone(), current, later],
        channel: Some(ChannelKind::Sms),
    };
    assert_eq!(store.message_stats(a, &three).await.unwrap(), vec![sms_row]);
    let nothing = StatsQuery {
        spans: vec![earlier],
        channel: None,
    };
    assert!(store.message_stats(a, &nothing).await.unwrap().is_empty());
    let b_stats = store.message_stats(b, &query).await.unwrap();
    assert_eq!(b_stats.len(), 1);
    assert_eq!((b_stats[0].sent, b_stats[0].failed), (0, 0));
}
