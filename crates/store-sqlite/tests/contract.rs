//! The store contract suite on SQLite: a fresh database file in a temporary directory per
//! test, removed when the test's store is dropped.

use std::sync::Arc;

use bote_domain::{AccountId, ContactId, GroupCode, GroupId, TokenId, UserId};
use bote_store::{
    Account, AccountStore, ApiToken, Contact, ContactDraft, ContactQuery, ContactSearch,
    ContactStore, Group, GroupDraft, GroupStore, ImportOutcome, ImportRow, MembershipChange,
    NewAccount, NewToken, NewUser, Page, Store, StoreResult, User, UserCredentials,
};
use bote_store_sqlite::SqliteStore;
use tempfile::TempDir;

/// A store on a database file that lives as long as the store.
struct TempStore {
    store: SqliteStore,
    _dir: TempDir,
}

async fn fresh() -> Arc<dyn Store> {
    let dir = TempDir::new().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("bote.db").display());
    let store = SqliteStore::connect(&url).await.expect("open database");
    store.migrate().await.expect("migrate");
    Arc::new(TempStore { store, _dir: dir })
}

bote_store::contract_tests!(fresh());

/// Beyond the contract: SQLite's own LIKE folds ASCII only; search folds all of Unicode.
#[tokio::test]
async fn text_search_folds_case_beyond_ascii() {
    let store = fresh().await;
    let a = store
        .create_account(NewAccount {
            name: "A".into(),
            kind: bote_domain::AccountKind::Business,
            trial_ends_at: None,
            verified_number: None,
        })
        .await
        .unwrap();
    let draft = ContactDraft {
        last_name: Some("Öztürk".into()),
        sms_number: Some(bote_domain::PhoneNumber::from_e164_unchecked(
            "+436761234567",
        )),
        ..ContactDraft::default()
    };
    let c = store.create_contact(a.id, draft).await.unwrap();
    for text in ["ÖZTÜRK", "öztürk", "zTü", "Ö"] {
        let query = ContactQuery {
            search: Some(ContactSearch::Text(text.into())),
            limit: 10,
            ..ContactQuery::default()
        };
        let page = store.list_contacts(a.id, query).await.unwrap();
        assert_eq!(
            page.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![c.id],
            "{text}"
        );
    }
}

#[tokio::test]
async fn connect_accepts_plain_paths_and_creates_the_file() {
    let dir = TempDir::new().unwrap();
    for (i, form) in ["sqlite://", "sqlite:", ""].into_iter().enumerate() {
        let path = dir.path().join(format!("db{i}.sqlite"));
        let store = SqliteStore::connect(&format!("{form}{}", path.display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        store.ping().await.unwrap();
        assert!(path.exists(), "{form}");
    }
    let memory = SqliteStore::connect("sqlite::memory:").await.unwrap();
    memory.migrate().await.unwrap();
    assert!(memory.list_accounts().await.unwrap().is_empty());
}

#[async_trait::async_trait]
impl Store for TempStore {
    fn backend(&self) -> &'static str {
        self.store.backend()
    }
    async fn migrate(&self) -> StoreResult<()> {
        self.store.migrate().await
    }
    async fn ping(&self) -> StoreResult<()> {
        self.store.ping().await
    }
}

#[async_trait::async_trait]
impl AccountStore for TempStore {
    async fn create_account(&self, new: NewAccount) -> StoreResult<Account> {
        self.store.create_account(new).await
    }
    async fn account(&self, id: AccountId) -> StoreResult<Account> {
        self.store.account(id).await
    }
    async fn account_by_name(&self, name: &str) -> StoreResult<Account> {
        self.store.account_by_name(name).await
    }
    async fn list_accounts(&self) -> StoreResult<Vec<Account>> {
        self.store.list_accounts().await
    }
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        self.store.create_user(new).await
    }
    async fn user_credentials(&self, username: &str) -> StoreResult<UserCredentials> {
        self.store.user_credentials(username).await
    }
    async fn set_password(&self, user: UserId, password_hash: &str) -> StoreResult<()> {
        self.store.set_password(user, password_hash).await
    }
    async fn list_users(&self, account: AccountId) -> StoreResult<Vec<User>> {
        self.store.list_users(account).await
    }
    async fn create_token(&self, new: NewToken) -> StoreResult<ApiToken> {
        self.store.create_token(new).await
    }
    async fn active_token_by_hash(&self, hash: &str) -> StoreResult<ApiToken> {
        self.store.active_token_by_hash(hash).await
    }
    async fn token_by_hash(&self, hash: &str) -> StoreResult<ApiToken> {
        self.store.token_by_hash(hash).await
    }
    async fn list_tokens(&self, account: AccountId) -> StoreResult<Vec<ApiToken>> {
        self.store.list_tokens(account).await
    }
    async fn revoke_token(&self, account: AccountId, id: TokenId) -> StoreResult<ApiToken> {
        self.store.revoke_token(account, id).await
    }
}

#[async_trait::async_trait]
impl ContactStore for TempStore {
    async fn create_contact(
        &self,
        account: AccountId,
        draft: ContactDraft,
    ) -> StoreResult<Contact> {
        self.store.create_contact(account, draft).await
    }
    async fn contact(&self, account: AccountId, id: ContactId) -> StoreResult<Contact> {
        self.store.contact(account, id).await
    }
    async fn update_contact(
        &self,
        account: AccountId,
        id: ContactId,
        draft: ContactDraft,
    ) -> StoreResult<Contact> {
        self.store.update_contact(account, id, draft).await
    }
    async fn delete_contact(&self, account: AccountId, id: ContactId) -> StoreResult<()> {
        self.store.delete_contact(account, id).await
    }
    async fn list_contacts(
        &self,
        account: AccountId,
        query: ContactQuery,
    ) -> StoreResult<Page<Contact>> {
        self.store.list_contacts(account, query).await
    }
    async fn import_contacts(
        &self,
        account: AccountId,
        rows: &[ImportRow],
    ) -> StoreResult<ImportOutcome> {
        self.store.import_contacts(account, rows).await
    }
}

#[async_trait::async_trait]
impl GroupStore for TempStore {
    async fn create_group(&self, account: AccountId, draft: GroupDraft) -> StoreResult<Group> {
        self.store.create_group(account, draft).await
    }
    async fn group(&self, account: AccountId, id: GroupId) -> StoreResult<Group> {
        self.store.group(account, id).await
    }
    async fn group_by_code(&self, account: AccountId, code: &GroupCode) -> StoreResult<Group> {
        self.store.group_by_code(account, code).await
    }
    async fn update_group(
        &self,
        account: AccountId,
        id: GroupId,
        draft: GroupDraft,
    ) -> StoreResult<Group> {
        self.store.update_group(account, id, draft).await
    }
    async fn delete_group(&self, account: AccountId, id: GroupId) -> StoreResult<()> {
        self.store.delete_group(account, id).await
    }
    async fn list_groups(
        &self,
        account: AccountId,
        after: Option<GroupId>,
        limit: u32,
    ) -> StoreResult<Page<Group>> {
        self.store.list_groups(account, after, limit).await
    }
    async fn add_members(
        &self,
        account: AccountId,
        group: GroupId,
        contacts: &[ContactId],
    ) -> StoreResult<MembershipChange> {
        self.store.add_members(account, group, contacts).await
    }
    async fn remove_members(
        &self,
        account: AccountId,
        group: GroupId,
        contacts: &[ContactId],
    ) -> StoreResult<MembershipChange> {
        self.store.remove_members(account, group, contacts).await
    }
}
