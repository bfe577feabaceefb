//! SMPP 3.4 delivery receipts: the text form of Appendix B
//! (`id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`) and the
//! `receipted_message_id` / `message_state` TLVs.

use chrono::{DateTime, NaiveDate, Utc};

use super::pdu::{ShortMessage, tag};
use crate::ReceiptState;

/// The fields of a receipt's text; every one may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceiptText {
    pub id: Option<String>,
    pub sub: Option<String>,
    pub dlvrd: Option<String>,
    pub submit_date: Option<DateTime<Utc>>,
    pub done_date: Option<DateTime<Utc>>,
    pub stat: Option<String>,
    pub err: Option<String>,
    pub text: Option<String>,
}

const KEYS: &[(&str, usize)] = &[
    ("id:", 0),
    ("sub:", 1),
    ("dlvrd:", 2),
    ("dlvr:", 2),
    ("submit date:", 3),
    ("submit_date:", 3),
    ("done date:", 4),
    ("done_date:", 4),
    ("stat:", 5),
    ("err:", 6),
    ("text:", 7),
];

/// Parses a receipt text, tolerant of case, `dlvr:`, `submit_date:`, extra spaces and
/// missing fields. `None` when it has neither `id:` nor `stat:`.
pub fn parse_text(s: &str) -> Option<ReceiptText> {
    let lower = s.to_ascii_lowercase();
    // `text:` is last and free-form: other keys are only looked for before it.
    let text_at = find_key(&lower, "text:", 0);
    let head_end = text_at.unwrap_or(lower.len());
    let mut found: Vec<(usize, usize, usize)> = Vec::new(); // (start, value start, field)
    for &(key, field) in KEYS {
        if field == 7 || found.iter().any(|f| f.2 == field) {
            continue;
        }
        if let Some(at) = find_key(&lower[..head_end], key, 0) {
            found.push((at, at + key.len(), field));
        }
    }
    if let Some(at) = text_at {
        found.push((at, at + "text:".len(), 7));
    }
    found.sort();
    let mut r = ReceiptText::default();
    for (i, &(_, value_start, field)) in found.iter().enumerate() {
        let end = found.get(i + 1).map_or(s.len(), |n| n.0);
        let raw = &s[value_start..end];
        let value = if field == 7 {
            raw.trim_start()
        } else {
            raw.trim()
        };
        let v = || (!value.is_empty()).then(|| value.to_owned());
        match field {
            0 => r.id = v(),
            1 => r.sub = v(),
            2 => r.dlvrd = v(),
            3 => r.submit_date = parse_date(value),
            4 => r.done_date = parse_date(value),
            5 => r.stat = v(),
            6 => r.err = v(),
            _ => r.text = v(),
        }
    }
    (r.id.is_some() || r.stat.is_some()).then_some(r)
}

/// Finds `key` at the start of `s` or after whitespace.
fn find_key(s: &str, key: &str, from: usize) -> Option<usize> {
    let mut from = from;
    while let Some(rel) = s[from..].find(key) {
        let at = from + rel;
        if at == 0 || s.as_bytes()[at - 1].is_ascii_whitespace() {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// `YYMMDDhhmm` or `YYMMDDhhmmss`, taken as UTC.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let d: Vec<u32> = s
        .trim()
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).ok()?.parse().ok())
        .collect::<Option<_>>()?;
    if !(s.trim().len() == 10 || s.trim().len() == 12) {
        return None;
    }
    let sec = d.get(5).copied().unwrap_or(0);
    let dt =
        NaiveDate::from_ymd_opt(2000 + d[0] as i32, d[1], d[2])?.and_hms_opt(d[3], d[4], sec)?;
    Some(dt.and_utc())
}

/// Maps a `stat:` value.
pub fn state_from_stat(stat: &str) -> ReceiptState {
    match stat.trim().to_ascii_uppercase().as_str() {
        "DELIVRD" | "DELIVERED" => ReceiptState::Delivered,
        "EXPIRED" => ReceiptState::Expired,
        "DELETED" => ReceiptState::Deleted,
        "UNDELIV" | "UNDELIVERABLE" => ReceiptState::Undeliverable,
        "ACCEPTD" | "ACCEPTED" => ReceiptState::Accepted,
        "REJECTD" | "REJECTED" => ReceiptState::Rejected,
        "ENROUTE" => ReceiptState::Enroute,
        _ => ReceiptState::Unknown,
    }
}

/// Maps a `message_state` TLV value.
pub fn state_from_message_state(v: u8) -> Option<ReceiptState> {
    Some(match v {
        1 => ReceiptState::Enroute,
        2 => ReceiptState::Delivered,
        3 => ReceiptState::Expired,
        4 => ReceiptState::Deleted,
        5 => ReceiptState::Undeliverable,
        6 => ReceiptState::Accepted,
        7 => ReceiptState::Unknown,
        8 => ReceiptState::Rejected,
        _ => return None,
    })
}

/// A receipt read from a deliver_sm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub id: String,
    pub state: ReceiptState,
    pub error: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
}

/// Reads a receipt from a deliver_sm body; TLV values win over the text. `None` when
/// no message id can be found.
pub fn from_deliver_sm(sm: &ShortMessage) -> Option<Receipt> {
    let raw = match sm.tlv(tag::MESSAGE_PAYLOAD) {
        Some(p) if sm.short_message.is_empty() => p,
        _ => &sm.short_message,
    };
    let text = parse_text(&String::from_utf8_lossy(raw)).unwrap_or_default();
    let tlv_id = sm.tlv(tag::RECEIPTED_MESSAGE_ID).map(|v| {
        let v = v.split(|&b| b == 0).next().unwrap_or(&[]);
        String::from_utf8_lossy(v).trim().to_owned()
    });
    let tlv_state = sm
        .tlv(tag::MESSAGE_STATE)
        .and_then(|v| v.first().copied())
        .and_then(state_from_message_state);
    let tlv_err = sm
        .tlv(tag::NETWORK_ERROR_CODE)
        .filter(|v| v.len() == 3)
        .map(|v| format!("{}:{}", v[0], u16::from_be_bytes([v[1], v[2]])));
    let id = tlv_id.filter(|s| !s.is_empty()).or(text.id)?;
    let state = tlv_state
        .or_else(|| text.stat.as_deref().map(state_from_stat))
        .unwrap_or(ReceiptState::Unknown);
    Some(Receipt {
        id,
        state,
        error: tlv_err.or(text.err),
        submitted_at: text.submit_date,
        done_at: text.done_date,
    })
}

/// The forms an SMSC may use for the same message id: the id itself, and where it is
/// a number, its decimal and hexadecimal (upper and lower case) forms without leading
/// zeros. Match a receipt to a sent message when any of these equals any of the
/// variants of the id the submit_sm_resp gave.
pub fn id_variants(id: &str) -> Vec<String> {
    let id = id.trim();
    let mut out = vec![id.to_owned()];
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if !id.is_empty()
        && id.len() <= 20
        && id.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = id.parse::<u64>()
    {
        push(n.to_string());
        push(format!("{n:X}"));
        push(format!("{n:x}"));
    }
    if !id.is_empty()
        && id.len() <= 16
        && id.bytes().all(|b| b.is_ascii_hexdigit())
        && let Ok(n) = u64::from_str_radix(id, 16)
    {
        push(format!("{n:X}"));
        push(format!("{n:x}"));
        push(n.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smpp::pdu::Tlv;
    use bytes::Bytes;

    #[test]
    fn parses_standard_text() {
        let r = parse_text(
            "id:0123456789 sub:001 dlvrd:001 submit date:2511251200 done date:251125120130 stat:DELIVRD err:000 text:Hello id:x stat:NO",
        )
        .unwrap();
        assert_eq!(r.id.as_deref(), Some("0123456789"));
        assert_eq!(r.sub.as_deref(), Some("001"));
        assert_eq!(r.dlvrd.as_deref(), Some("001"));
        assert_eq!(
            r.submit_date.unwrap().to_rfc3339(),
            "2025-11-25T12:00:00+00:00"
        );
        assert_eq!(
            r.done_date.unwrap().to_rfc3339(),
            "2025-11-25T12:01:30+00:00"
        );
        assert_eq!(r.stat.as_deref(), Some("DELIVRD"));
        assert_eq!(r.err.as_deref(), Some("000"));
        assert_eq!(r.text.as_deref(), Some("Hello id:x stat:NO"));
    }

    #[test]
    fn tolerant_of_case_dlvr_and_missing_fields() {
        let r = parse_text("ID:ab12 Dlvr:1 STAT:undeliv").unwrap();
        assert_eq!(r.id.as_deref(), Some("ab12"));
        assert_eq!(r.dlvrd.as_deref(), Some("1"));
        assert_eq!(
            state_from_stat(r.stat.as_deref().unwrap()),
            ReceiptState::Undeliverable
        );
        assert_eq!(r.submit_date, None);
        assert!(parse_text("hello world").is_none());
        let r = parse_text("id:7 submit date:bogus done date:2513011200 stat:EXPIRED").unwrap();
        assert_eq!(r.submit_date, None);
        assert_eq!(r.done_date, None, "month 13 is no date");
    }

    #[test]
    fn maps_states() {
        for (s, st) in [
            ("DELIVRD", ReceiptState::Delivered),
            ("EXPIRED", ReceiptState::Expired),
            ("DELETED", ReceiptState::Deleted),
            ("UNDELIV", ReceiptState::Undeliverable),
            ("ACCEPTD", ReceiptState::Accepted),
            ("UNKNOWN", ReceiptState::Unknown),
            ("REJECTD", ReceiptState::Rejected),
            ("ENROUTE", ReceiptState::Enroute),
            ("whatever", ReceiptState::Unknown),
        ] {
            assert_eq!(state_from_stat(s), st);
        }
        assert_eq!(state_from_message_state(2), Some(ReceiptState::Delivered));
        assert_eq!(state_from_message_state(8), Some(ReceiptState::Rejected));
        assert_eq!(state_from_message_state(0), None);
    }

    #[test]
    fn tlvs_win_over_text() {
        let sm = ShortMessage {
            esm_class: 0x04,
            short_message: Bytes::from_static(b"id:123 stat:UNDELIV err:001 done date:2511251300"),
            tlvs: vec![
                Tlv {
                    tag: tag::RECEIPTED_MESSAGE_ID,
                    value: Bytes::from_static(b"7B\0"),
                },
                Tlv {
                    tag: tag::MESSAGE_STATE,
                    value: Bytes::from_static(&[2]),
                },
            ],
            ..Default::default()
        };
        let r = from_deliver_sm(&sm).unwrap();
        assert_eq!(r.id, "7B");
        assert_eq!(r.state, ReceiptState::Delivered);
        assert_eq!(r.error.as_deref(), Some("001"));
        assert!(r.done_at.is_some());
        // TLVs only, no text.
        let sm = ShortMessage {
            tlvs: vec![
                Tlv {
                    tag: tag::RECEIPTED_MESSAGE_ID,
                    value: Bytes::from_static(b"99"),
                },
                Tlv {
                    tag: tag::MESSAGE_STATE,
                    value: Bytes::from_static(&[5]),
                },
            ],
            ..Default::default()
        };
        let r = from_deliver_sm(&sm).unwrap();
        assert_eq!(
            (r.id.as_str(), r.state),
            ("99", ReceiptState::Undeliverable)
        );
        // Text only.
        let sm = ShortMessage {
            short_message: Bytes::from_static(b"id:5 stat:DELIVRD"),
            ..Default::default()
        };
        assert_eq!(from_deliver_sm(&sm).unwrap().state, ReceiptState::Delivered);
        assert!(from_deliver_sm(&ShortMessage::default()).is_none());
        // Text in message_payload.
        let sm = ShortMessage {
            tlvs: vec![Tlv {
                tag: tag::MESSAGE_PAYLOAD,
                value: Bytes::from_static(b"id:77 stat:EXPIRED"),
            }],
            ..Default::default()
        };
        let r = from_deliver_sm(&sm).unwrap();
        assert_eq!((r.id.as_str(), r.state), ("77", ReceiptState::Expired));
    }

    #[test]
    fn id_variants_cover_hex_and_decimal() {
        let v = id_variants("123");
        assert!(
            v.contains(&"123".to_owned())
                && v.contains(&"7B".to_owned())
                && v.contains(&"7b".to_owned())
        );
        let v = id_variants("7b");
        assert!(v.contains(&"123".to_owned()) && v.contains(&"7B".to_owned()));
        let v = id_variants("00FF");
        assert!(
            v.contains(&"255".to_owned())
                && v.contains(&"FF".to_owned())
                && v.contains(&"00FF".to_owned())
        );
        // Matching: a decimal submit id and a hex receipt id share a variant.
        let a = id_variants("3735928559");
        let b = id_variants("DEADBEEF");
        assert!(a.iter().any(|x| b.contains(x)));
        assert_eq!(id_variants("msg-1"), vec!["msg-1".to_owned()]);
    }
}
