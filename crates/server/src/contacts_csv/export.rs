//! Contact export as a stream of CSV chunks, one store page at a time, so an export of any
//! size runs in bounded memory and can be sent as it is produced.

use std::sync::Arc;

use bote_domain::{AccountId, ContactId, GroupCode};
use bote_store::{Contact, ContactQuery, Store, StoreError};
use bytes::Bytes;
use futures::Stream;

/// The columns `contacts export` writes, in the order `contacts import` reads them back.
pub const EXPORT_HEADER: [&str; 6] = [
    "first_name",
    "last_name",
    "sms_number",
    "whatsapp_number",
    "groups",
    "fields",
];

const PAGE: u32 = 1_000;

struct State {
    store: Arc<dyn Store>,
    account: AccountId,
    group: Option<GroupCode>,
    after: Option<ContactId>,
    header_sent: bool,
    done: bool,
}

pub fn export_stream(
    store: Arc<dyn Store>,
    account: AccountId,
    group: Option<GroupCode>,
) -> impl Stream<Item = Result<Bytes, StoreError>> + Send + 'static {
    let state = State {
        store,
        account,
        group,
        after: None,
        header_sent: false,
        done: false,
    };
    futures::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        let mut out = csv::Writer::from_writer(Vec::with_capacity(64 * 1024));
        if !st.header_sent {
            out.write_record(EXPORT_HEADER).expect("writing to memory");
            st.header_sent = true;
        }
        let query = ContactQuery {
            search: None,
            group: st.group.clone(),
            after: st.after,
            limit: PAGE,
        };
        let page = match st.store.list_contacts(st.account, query).await {
            Ok(p) => p,
            Err(e) => {
                st.done = true;
                return Some((Err(e), st));
            }
        };
        for contact in &page.items {
            write_contact(&mut out, contact);
        }
        st.after = page.next_after.map(ContactId);
        st.done = st.after.is_none();
        let bytes = out.into_inner().expect("writing to memory");
        Some((Ok(Bytes::from(bytes)), st))
    })
}

fn write_contact(out: &mut csv::Writer<Vec<u8>>, c: &Contact) {
    let groups = c
        .groups
        .iter()
        .map(GroupCode::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let fields = if c.fields.is_empty() {
        String::new()
    } else {
        serde_json::to_string(&c.fields).expect("map of strings")
    };
    out.write_record([
        c.first_name.as_deref().unwrap_or(""),
        c.last_name.as_deref().unwrap_or(""),
        c.sms_number.as_ref().map(|n| n.as_str()).unwrap_or(""),
        c.whatsapp_number.as_ref().map(|n| n.as_str()).unwrap_or(""),
        &groups,
        &fields,
    ])
    .expect("writing to memory");
}
