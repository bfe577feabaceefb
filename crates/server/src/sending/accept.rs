use std::collections::HashSet;

use bote_channels::whatsapp_cloud::CloudNumber;
use bote_domain::sms::{ConcatRef, SmsInfo, analyze};
use bote_domain::{AccountKind, ChannelKind, ContactId, GroupCode, PhoneNumber, Region};
use bote_store::{
    Acceptance, AccountStore, AddonStore, InboundStore, NewSend, OutboxStore, Preview, Recipients,
    ServiceWindow, SkipReason, Skipped, StoreError,
};
use chrono::{DateTime, Utc};

use super::spec::SendSpec;
use super::template::TemplateError;
use crate::addon::{NotActive, require_whatsapp};

/// Longest WhatsApp text the Cloud API takes.
const MAX_WHATSAPP_TEXT: usize = 4096;

/// A send as an interface hands it over, with recipients still as given.
#[derive(Debug, Clone)]
pub struct SendRequest {
    pub channel: ChannelKind,
    pub spec: SendSpec,
    pub numbers: Vec<String>,
    pub contacts: Vec<ContactId>,
    pub groups: Vec<GroupCode>,
    pub schedule_at: Option<DateTime<Utc>>,
    pub client_message_id: Option<String>,
    pub callback_url: Option<String>,
    pub test: bool,
    pub source: &'static str,
}

impl SendRequest {
    /// A send of `spec` to `numbers` now, as bote itself makes them (keyword replies, the
    /// widget's SMS): no contacts, groups, schedule, client id or callback.
    pub fn to_numbers(
        channel: ChannelKind,
        spec: SendSpec,
        numbers: Vec<String>,
        source: &'static str,
    ) -> SendRequest {
        SendRequest {
            channel,
            spec,
            numbers,
            contacts: vec![],
            groups: vec![],
            schedule_at: None,
            client_message_id: None,
            callback_url: None,
            test: false,
            source,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the message has no content: give a text{}", if *.0 == ChannelKind::Whatsapp { " or media" } else { "" })]
    NoContent(ChannelKind),
    #[error("the send names no recipient")]
    NoRecipients,
    #[error("the text needs {segments} SMS segments, more than the allowed {max}")]
    TooManySegments { segments: usize, max: u32 },
    #[error("WhatsApp texts are at most {MAX_WHATSAPP_TEXT} characters")]
    TextTooLong,
    #[error("placeholders are for SMS only; WhatsApp sends are broadcasts (R20)")]
    PlaceholdersOnWhatsapp,
    #[error("templates are for WhatsApp sends; SMS carry text")]
    TemplateOnSms,
    #[error("a template send carries no text or media: the template is the whole message")]
    TemplateWithContent,
    #[error("{field}.{source}")]
    InvalidTemplate {
        field: &'static str,
        source: TemplateError,
    },
    #[error("fallback_template is for free-form (text or media) sends; a template send needs none")]
    FallbackForTemplate,
    #[error(
        "whatsapp_else_sms sends need a text (the SMS carries it), no media and no template; use text with fallback_template for WhatsApp recipients outside their 24-hour window"
    )]
    ElseSmsContent,
    #[error("the test account's 14-day trial expired on {} (R5)", .0.format("%Y-%m-%d %H:%M UTC"))]
    TrialExpired(DateTime<Utc>),
    /// R1: WhatsApp only from an account whose add-on is active.
    #[error(transparent)]
    WhatsappNotActive(#[from] NotActive),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an accepted send reports besides the store's acceptance.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub acceptance: Acceptance,
    /// SMS: encoding and segments of the text (of the template when personalised).
    pub sms: Option<SmsInfo>,
}

/// Validates and accepts a send for `account` (R5, R16, R17, R20).
pub async fn accept<S>(
    store: &S,
    account: bote_domain::AccountId,
    region: Region,
    request: SendRequest,
) -> Result<Accepted, SendError>
where
    S: AccountStore + AddonStore + OutboxStore + InboundStore + ?Sized,
{
    let p = prepare(store, account, region, request, false).await?;
    let acceptance = store.accept_send(p.send, p.recipients).await?;
    if !acceptance.replayed {
        metrics::counter!(crate::metrics::ACCEPTED, "channel" => acceptance.send.channel.as_str())
            .increment(acceptance.accepted);
    }
    Ok(Accepted {
        acceptance,
        sms: p.sms,
    })
}

/// Accepts a keyword reply to the message `request`'s one recipient just sent: the same
/// checks as [`accept`], but WhatsApp needs no active opt-in for it (see
/// [`Recipients::replying`]), so STOP can be confirmed (R11).
pub async fn accept_reply<S>(
    store: &S,
    account: bote_domain::AccountId,
    region: Region,
    request: SendRequest,
) -> Result<Accepted, SendError>
where
    S: AccountStore + AddonStore + OutboxStore + InboundStore + ?Sized,
{
    let mut p = prepare(store, account, region, request, false).await?;
    p.recipients.replying = true;
    let acceptance = store.accept_send(p.send, p.recipients).await?;
    Ok(Accepted {
        acceptance,
        sms: p.sms,
    })
}

/// What [`accept`] would answer, with nothing kept, and the R19 count.
#[derive(Debug, Clone)]
pub struct Previewed {
    pub preview: Preview,
    pub sms: Option<SmsInfo>,
    /// SMS placeholders are filled per contact, so `sms` is the template's length.
    pub personalised: bool,
}

/// Runs every check and the store's expansion of [`accept`], then rolls it back. For a
/// free-form WhatsApp send from a Cloud API number, also counts the recipients outside
/// their 24-hour customer-service window.
pub async fn preview<S>(
    store: &S,
    account: bote_domain::AccountId,
    region: Region,
    request: SendRequest,
) -> Result<Previewed, SendError>
where
    S: AccountStore + AddonStore + OutboxStore + InboundStore + ?Sized,
{
    let p = prepare(store, account, region, request, true).await?;
    let preview = store.preview_send(p.send, p.recipients).await?;
    Ok(Previewed {
        preview,
        sms: p.sms,
        personalised: p.personalised,
    })
}

/// The business number a WhatsApp send goes out from (its sender, else the account's first
/// number) and its Cloud API route, when it has one.
async fn cloud_sender<S>(
    store: &S,
    account: bote_domain::AccountId,
    sender: Option<&str>,
) -> Result<Option<(String, CloudNumber)>, SendError>
where
    S: InboundStore + ?Sized,
{
    let numbers = store.whatsapp_numbers(account).await?;
    let from = crate::dispatch::choose(&numbers, sender);
    Ok(match (from, crate::dispatch::route_of(from)) {
        (Some(n), crate::dispatch::WhatsappRoute::Cloud(cloud)) => {
            Some((n.number.number.clone(), cloud))
        }
        _ => None,
    })
}

/// A send checked and ready for the store.
struct Prepared {
    send: NewSend,
    recipients: Recipients,
    sms: Option<SmsInfo>,
    personalised: bool,
}

/// The checks every interface shares, and the send and recipients as the store takes them;
/// for a `preview`, also the service window its recipients are counted against.
async fn prepare<S>(
    store: &S,
    account: bote_domain::AccountId,
    region: Region,
    mut request: SendRequest,
    preview: bool,
) -> Result<Prepared, SendError>
where
    S: AccountStore + AddonStore + InboundStore + ?Sized,
{
    let account = store.account(account).await?;
    let only_to = match account.kind {
        AccountKind::Test => {
            if let Some(end) = account.trial_ends_at
                && end < Utc::now()
            {
                return Err(SendError::TrialExpired(end));
            }
            account.verified_number.clone()
        }
        AccountKind::Business => None,
    };
    if request.channel == ChannelKind::Whatsapp {
        require_whatsapp(store, &account).await??;
    }
    let sms = check_content(&mut request)?;

    let (numbers, mut skipped) = parse_numbers(&request.numbers, region);
    if numbers.is_empty()
        && request.contacts.is_empty()
        && request.groups.is_empty()
        && skipped.is_empty()
    {
        return Err(SendError::NoRecipients);
    }
    if request.channel == ChannelKind::Sms && request.spec.binary.is_none() {
        request.spec.personalised = request
            .spec
            .text
            .as_deref()
            .is_some_and(bote_domain::placeholders::has_placeholders);
    }
    skipped.shrink_to_fit();
    // The Cloud API number a WhatsApp send goes out from, read once for what needs it:
    // - its rate spaces the send's messages (`NewSend::spacing`). Not for a send to one
    //   number (keyword replies come one by one), nor for SMS, whose connection is chosen
    //   per recipient when it goes out;
    // - a preview of a free-form send counts the recipients outside its service window.
    let whatsapp = request.channel == ChannelKind::Whatsapp;
    let one_recipient =
        request.groups.is_empty() && request.numbers.len() + request.contacts.len() <= 1;
    let spaced = whatsapp && !request.test && !one_recipient;
    let windowed = preview && whatsapp && request.spec.template.is_none();
    let cloud = if spaced || windowed {
        let sender = request.spec.sender.as_ref().map(|s| s.address.as_str());
        cloud_sender(store, account.id, sender).await?
    } else {
        None
    };
    let spacing = cloud
        .as_ref()
        .filter(|_| spaced)
        .and_then(|(_, number)| crate::dispatch::slot(number.messages_per_second));
    let service_window = cloud
        .filter(|_| windowed)
        .map(|(business_number, _)| ServiceWindow {
            business_number,
            since: Utc::now() - crate::dispatch::SERVICE_WINDOW,
        });
    let send = NewSend {
        account: account.id,
        channel: request.channel,
        source: request.source.to_owned(),
        content: serde_json::to_value(&request.spec).expect("a send spec serialises"),
        schedule_at: request.schedule_at,
        client_message_id: request.client_message_id,
        callback_url: request.callback_url,
        test: request.test,
        spacing,
    };
    let recipients = Recipients {
        numbers,
        contacts: request.contacts,
        groups: request.groups,
        skipped,
        only_to,
        replying: false,
        else_sms: whatsapp && request.spec.else_sms,
        service_window,
    };
    Ok(Prepared {
        send,
        recipients,
        sms,
        personalised: request.spec.personalised,
    })
}

/// WhatsApp templates (whole-template sends, fallbacks) and "one message per person".
fn check_templates(spec: &SendSpec, has_text: bool) -> Result<(), SendError> {
    for (field, template) in [
        ("template", &spec.template),
        ("fallback_template", &spec.fallback_template),
    ] {
        if let Some(t) = template {
            t.check()
                .map_err(|source| SendError::InvalidTemplate { field, source })?;
        }
    }
    if spec.else_sms && (!has_text || spec.media.is_some() || spec.template.is_some()) {
        return Err(SendError::ElseSmsContent);
    }
    if spec.template.is_some() {
        if has_text || spec.media.is_some() {
            return Err(SendError::TemplateWithContent);
        }
        if spec.fallback_template.is_some() {
            return Err(SendError::FallbackForTemplate);
        }
    }
    Ok(())
}

fn check_content(request: &mut SendRequest) -> Result<Option<SmsInfo>, SendError> {
    let spec = &request.spec;
    match request.channel {
        ChannelKind::Sms if spec.template.is_some() || spec.fallback_template.is_some() => {
            Err(SendError::TemplateOnSms)
        }
        ChannelKind::Sms => {
            if let Some(segments) = &spec.binary {
                if segments.is_empty() {
                    return Err(SendError::NoContent(ChannelKind::Sms));
                }
                if let Some(max) = spec.max_segments
                    && segments.len() > max as usize
                {
                    return Err(SendError::TooManySegments {
                        segments: segments.len(),
                        max,
                    });
                }
                return Ok(None);
            }
            let text = spec
                .text
                .as_deref()
                .filter(|t| !t.is_empty())
                .ok_or(SendError::NoContent(ChannelKind::Sms))?;
            let info = analyze(text, ConcatRef::Bits8);
            if let Some(max) = spec.max_segments
                && info.segments > max as usize
            {
                return Err(SendError::TooManySegments {
                    segments: info.segments,
                    max,
                });
            }
            Ok(Some(info))
        }
        ChannelKind::Whatsapp => {
            let text = spec.text.as_deref().filter(|t| !t.is_empty());
            check_templates(spec, text.is_some())?;
            if spec.template.is_some() {
                return Ok(None);
            }
            if text.is_none() && spec.media.is_none() {
                return Err(SendError::NoContent(ChannelKind::Whatsapp));
            }
            if let Some(t) = text {
                if t.chars().count() > MAX_WHATSAPP_TEXT {
                    return Err(SendError::TextTooLong);
                }
                if bote_domain::placeholders::has_placeholders(t) {
                    return Err(SendError::PlaceholdersOnWhatsapp);
                }
            }
            // The SMS part of "one message per person" carries the text.
            Ok(text
                .filter(|_| spec.else_sms)
                .map(|t| analyze(t, ConcatRef::Bits8)))
        }
    }
}

/// Parses explicit numbers; invalid ones and repeats are reported, not sent.
fn parse_numbers(raw: &[String], region: Region) -> (Vec<PhoneNumber>, Vec<Skipped>) {
    let mut seen = HashSet::with_capacity(raw.len());
    let mut numbers = Vec::with_capacity(raw.len());
    let mut skipped = Vec::new();
    for input in raw {
        match PhoneNumber::parse(input, region) {
            Ok(n) if seen.insert(n.clone()) => numbers.push(n),
            Ok(n) => skipped.push(Skipped {
                recipient: n.to_string(),
                reason: SkipReason::Duplicate,
            }),
            Err(_) => skipped.push(Skipped {
                recipient: input.clone(),
                reason: SkipReason::InvalidNumber,
            }),
        }
    }
    (numbers, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(channel: ChannelKind, text: &str) -> SendRequest {
        let spec = SendSpec {
            text: Some(text.into()),
            ..Default::default()
        };
        SendRequest::to_numbers(channel, spec, vec![], "api")
    }

    #[test]
    fn numbers_are_parsed_once() {
        let raw = ["0676 1234567", "+436761234567", "nope", "0664 1111111"].map(String::from);
        let (numbers, skipped) = parse_numbers(&raw, Region::AUSTRIA);
        assert_eq!(numbers.len(), 2);
        assert_eq!(
            skipped,
            vec![
                Skipped {
                    recipient: "+436761234567".into(),
                    reason: SkipReason::Duplicate
                },
                Skipped {
                    recipient: "nope".into(),
                    reason: SkipReason::InvalidNumber
                },
            ]
        );
    }

    #[test]
    fn content_rules_per_channel() {
        let mut r = request(ChannelKind::Sms, "");
        assert!(matches!(
            check_content(&mut r),
            Err(SendError::NoContent(ChannelKind::Sms))
        ));
        let mut r = request(ChannelKind::Sms, &"x".repeat(161));
        r.spec.max_segments = Some(1);
        assert!(matches!(
            check_content(&mut r),
            Err(SendError::TooManySegments {
                segments: 2,
                max: 1
            })
        ));
        let mut r = request(ChannelKind::Sms, "Grüß dich 😀");
        assert_eq!(check_content(&mut r).unwrap().unwrap().segments, 1);
        let mut r = request(ChannelKind::Sms, "");
        r.spec.binary = Some(vec!["AAE=".into(), "AgM=".into()]);
        assert!(check_content(&mut r).unwrap().is_none());
        r.spec.max_segments = Some(1);
        assert!(matches!(
            check_content(&mut r),
            Err(SendError::TooManySegments {
                segments: 2,
                max: 1
            })
        ));
        let mut r = request(ChannelKind::Whatsapp, "Hallo {{first_name}}");
        assert!(matches!(
            check_content(&mut r),
            Err(SendError::PlaceholdersOnWhatsapp)
        ));
        let mut r = request(ChannelKind::Whatsapp, "Hallo 👋");
        assert!(check_content(&mut r).unwrap().is_none());
    }
}
