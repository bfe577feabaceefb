//! Steps of the browser tests, each tolerant of the page being replaced under it (a form
//! submitted, a live page updating): find again and retry for a few seconds.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::support::{HARNESS_WHATSAPP_NUMBER, eventually};

/// Clicks the element `css` selects, finding it again when a page load replaced it.
pub async fn click(c: &Client, css: &str) {
    eventually(10, css, || async {
        c.find(Locator::Css(css)).await.ok()?.click().await.ok()
    })
    .await
}

pub async fn type_into(c: &Client, id: &str, text: &str) {
    c.wait()
        .for_element(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// The text of the element `css` selects, read again when a live page replaced it meanwhile.
pub async fn text_of(c: &Client, css: &str) -> String {
    eventually(10, css, || async {
        c.find(Locator::Css(css)).await.ok()?.text().await.ok()
    })
    .await
}

/// Waits until the element `css` selects holds `part` (a page replacing an older one with
/// the same element, e.g. a notice after a form post, is waited out); its text.
pub async fn text_containing(c: &Client, css: &str, part: &str) -> String {
    eventually(10, &format!("'{part}' in {css}"), || async {
        let text = c.find(Locator::Css(css)).await.ok()?.text().await.ok()?;
        text.contains(part).then_some(text)
    })
    .await
}

pub async fn open_handset(c: &Client, number: &str) {
    let field = c
        .wait()
        .for_element(Locator::Id("handset-number"))
        .await
        .unwrap();
    field.clear().await.unwrap();
    field.send_keys(number).await.unwrap();
    click(c, "#open-handset").await;
    c.wait()
        .for_element(Locator::Css("[data-testid=handset]"))
        .await
        .unwrap();
}

/// Writes `text` from the open handset to the business's WhatsApp number.
pub async fn write_from_handset(c: &Client, text: &str) {
    c.find(Locator::Id("handset-to"))
        .await
        .unwrap()
        .select_by_value(&format!("whatsapp:{HARNESS_WHATSAPP_NUMBER}"))
        .await
        .unwrap();
    type_into(c, "handset-text", text).await;
    click(c, "#handset-send").await;
}

/// Refreshes the open handset until its chat holds `part`; the chat's text.
pub async fn wait_for_chat(c: &Client, part: &str) -> String {
    eventually(15, &format!("'{part}' on the handset"), || async {
        let chat = c
            .wait()
            .for_element(Locator::Css("[data-testid=chat]"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        if chat.contains(part) {
            return Some(chat);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        c.find(Locator::Id("refresh"))
            .await
            .ok()?
            .click()
            .await
            .ok()?;
        None
    })
    .await
}

/// Clicks the submit button `id` of a form answered with a new page, and returns once that
/// page has replaced the current one and shows `[data-testid=saved]`. Waiting for the
/// marker alone raced: the page before may still show it from an earlier save.
pub async fn save(c: &Client, id: &str) {
    let before = c.find(Locator::Css("html")).await.unwrap();
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually(10, "the page after saving", || async {
        before.tag_name().await.is_err().then_some(())
    })
    .await;
    c.wait()
        .for_element(Locator::Css("[data-testid=saved]"))
        .await
        .unwrap();
}
