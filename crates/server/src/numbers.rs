//! Registering business numbers: the checks `bote number add` and `POST
//! /api/v1/admin/numbers` share, so both accept and refuse exactly the same.

use bote_domain::{AccountId, ChannelKind, PhoneNumber, Region};
use bote_store::{
    BusinessNumber, CloudCredentials, DEFAULT_MESSAGES_PER_SECOND, MESSAGES_PER_SECOND,
    NewBusinessNumber, Secret, Store, StoreError,
};

/// Longest credential accepted (Meta's tokens are a few hundred characters).
const MAX_SECRET: usize = 2048;

/// A number to register, as given (by flags or JSON). No `Debug`: it holds secrets.
#[derive(Default)]
pub struct NumberInput {
    pub channel: Option<ChannelKind>,
    pub number: String,
    pub provider_ref: Option<String>,
    pub phone_number_id: Option<String>,
    pub access_token: Option<String>,
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
    pub messages_per_second: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum NumberError {
    /// `field` is the JSON name of the input that was wrong.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        code: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> NumberError {
    NumberError::Invalid {
        field,
        code,
        message: message.into(),
    }
}

/// Checks `input` and adds the number to `account`.
pub async fn register_number(
    store: &dyn Store,
    account: AccountId,
    input: NumberInput,
    region: Region,
) -> Result<BusinessNumber, NumberError> {
    let new = check(input, region)?;
    Ok(store.add_business_number(account, new).await?)
}

/// The number as the store takes it: normalised, and with Cloud API credentials either
/// complete or absent.
pub fn check(input: NumberInput, region: Region) -> Result<NewBusinessNumber, NumberError> {
    let cloud_given = [
        &input.phone_number_id,
        &input.access_token,
        &input.app_secret,
        &input.verify_token,
    ]
    .iter()
    .any(|v| v.is_some());
    let channel = match (input.channel, cloud_given) {
        (Some(c), _) => c,
        (None, true) => ChannelKind::Whatsapp,
        (None, false) => {
            return Err(invalid(
                "channel",
                "missing",
                "channel: say whether it is an sms or a whatsapp number",
            ));
        }
    };
    let number = business_number(channel, &input.number, region)?;
    if !cloud_given {
        if input.messages_per_second.is_some() {
            return Err(invalid(
                "messages_per_second",
                "invalid_rate",
                "messages_per_second: only Cloud API numbers have a send rate; give their \
                 credentials too",
            ));
        }
        let mut new = NewBusinessNumber::plain(channel, number);
        new.provider_ref = non_empty(input.provider_ref);
        return Ok(new);
    }
    if channel != ChannelKind::Whatsapp {
        return Err(invalid(
            "channel",
            "invalid_channel",
            "channel: Cloud API credentials belong to WhatsApp numbers",
        ));
    }
    let phone_number_id = required("phone_number_id", input.phone_number_id)?;
    if phone_number_id.len() > 32 || !phone_number_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(
            "phone_number_id",
            "invalid_phone_number_id",
            format!(
                "phone_number_id: '{phone_number_id}' is not a Cloud API phone number id (digits, as Meta's WhatsApp Manager shows it)"
            ),
        ));
    }
    if let Some(other) = non_empty(input.provider_ref)
        && other != phone_number_id
    {
        return Err(invalid(
            "provider_ref",
            "invalid_provider_ref",
            "provider_ref: a Cloud API number's provider id is its phone_number_id; give one of them",
        ));
    }
    let cloud = CloudCredentials {
        access_token: secret("access_token", input.access_token)?,
        app_secret: secret("app_secret", input.app_secret)?,
        verify_token: secret("verify_token", input.verify_token)?,
    };
    let rate = input
        .messages_per_second
        .unwrap_or(DEFAULT_MESSAGES_PER_SECOND);
    if !MESSAGES_PER_SECOND.contains(&rate) {
        return Err(invalid(
            "messages_per_second",
            "invalid_rate",
            format!(
                "messages_per_second: {rate} is outside {} to {}",
                MESSAGES_PER_SECOND.start(),
                MESSAGES_PER_SECOND.end()
            ),
        ));
    }
    Ok(NewBusinessNumber {
        cloud: Some(cloud),
        messages_per_second: rate,
        ..NewBusinessNumber::plain(channel, number).with_provider_ref(phone_number_id)
    })
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn required(field: &'static str, value: Option<String>) -> Result<String, NumberError> {
    non_empty(value).ok_or_else(|| {
        invalid(
            field,
            "missing",
            format!(
                "{field}: a Cloud API number needs all of phone_number_id, access_token, \
                 app_secret and verify_token"
            ),
        )
    })
}

/// A credential: given, one line, not too long. The message never repeats the value.
fn secret(field: &'static str, value: Option<String>) -> Result<Secret, NumberError> {
    let value = required(field, value)?;
    if value.len() > MAX_SECRET || value.chars().any(char::is_whitespace) {
        return Err(invalid(
            field,
            "invalid_secret",
            format!("{field}: at most {MAX_SECRET} characters without spaces"),
        ));
    }
    Ok(Secret::new(value))
}

/// A phone number in E.164; for SMS also a short code of 3 to 7 digits.
pub fn business_number(
    channel: ChannelKind,
    raw: &str,
    region: Region,
) -> Result<String, NumberError> {
    let trimmed = raw.trim();
    let short_code =
        (3..=7).contains(&trimmed.len()) && trimmed.chars().all(|c| c.is_ascii_digit());
    if channel == ChannelKind::Sms && short_code {
        return Ok(trimmed.to_owned());
    }
    let number = PhoneNumber::parse(trimmed, region).map_err(|_| {
        invalid(
            "number",
            "invalid_number",
            format!("number: '{raw}' is not a valid phone number"),
        )
    })?;
    Ok(number.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud() -> NumberInput {
        NumberInput {
            channel: Some(ChannelKind::Whatsapp),
            number: "0800 100100".into(),
            phone_number_id: Some("1096".into()),
            access_token: Some("EAAG".into()),
            app_secret: Some("s3cret".into()),
            verify_token: Some("v".into()),
            ..NumberInput::default()
        }
    }

    fn field_of(r: Result<NewBusinessNumber, NumberError>) -> &'static str {
        match r {
            Err(NumberError::Invalid { field, .. }) => field,
            other => panic!("expected an invalid input, got {other:?}"),
        }
    }

    #[test]
    fn cloud_numbers_need_every_credential() {
        let ok = check(cloud(), Region::AUSTRIA).unwrap();
        assert_eq!(ok.number, "+43800100100");
        assert_eq!(ok.provider_ref.as_deref(), Some("1096"));
        assert_eq!(ok.messages_per_second, 80);
        let missing = NumberInput {
            app_secret: None,
            ..cloud()
        };
        assert_eq!(field_of(check(missing, Region::AUSTRIA)), "app_secret");
        let bad_id = NumberInput {
            phone_number_id: Some("12 34".into()),
            ..cloud()
        };
        assert_eq!(field_of(check(bad_id, Region::AUSTRIA)), "phone_number_id");
        for rate in [0, 1001] {
            let r = NumberInput {
                messages_per_second: Some(rate),
                ..cloud()
            };
            assert_eq!(field_of(check(r, Region::AUSTRIA)), "messages_per_second");
        }
        let sms = NumberInput {
            channel: Some(ChannelKind::Sms),
            ..cloud()
        };
        assert_eq!(field_of(check(sms, Region::AUSTRIA)), "channel");
    }

    #[test]
    fn errors_never_repeat_a_secret() {
        let spaced = NumberInput {
            access_token: Some("top secret".into()),
            ..cloud()
        };
        let e = check(spaced, Region::AUSTRIA).unwrap_err().to_string();
        assert!(
            e.starts_with("access_token:") && !e.contains("top secret"),
            "{e}"
        );
    }

    #[test]
    fn plain_numbers_stay_plain() {
        let sms = NumberInput {
            channel: Some(ChannelKind::Sms),
            number: "0828".into(),
            ..NumberInput::default()
        };
        let new = check(sms, Region::AUSTRIA).unwrap();
        assert!(new.cloud.is_none());
        assert_eq!(new.number, "0828");
    }
}
