//! Which SMS connection a message takes: the longest matching number prefix of the route
//! table, else the default connection.

use std::sync::Arc;

use bote_domain::PhoneNumber;

use crate::SmsChannel;

#[derive(Clone)]
pub struct SmsRoutes {
    /// (prefix of E.164 digits without '+', connection), longest prefix first.
    routes: Vec<(String, Arc<dyn SmsChannel>)>,
    default: Arc<dyn SmsChannel>,
}

impl SmsRoutes {
    /// Every number goes to `default`.
    pub fn new(default: Arc<dyn SmsChannel>) -> Self {
        Self {
            routes: Vec::new(),
            default,
        }
    }

    /// Numbers starting with `prefix` (E.164 digits, an optional leading '+' is ignored)
    /// go to `channel`.
    pub fn with_route(mut self, prefix: &str, channel: Arc<dyn SmsChannel>) -> Self {
        let prefix = prefix.trim_start_matches('+').to_owned();
        self.routes.push((prefix, channel));
        self.routes.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        self
    }

    pub fn route(&self, to: &PhoneNumber) -> &Arc<dyn SmsChannel> {
        let digits = to.digits();
        self.routes
            .iter()
            .find(|(p, _)| digits.starts_with(p.as_str()))
            .map(|(_, c)| c)
            .unwrap_or(&self.default)
    }

    /// Every distinct connection, the default first.
    pub fn connections(&self) -> Vec<Arc<dyn SmsChannel>> {
        let mut all: Vec<Arc<dyn SmsChannel>> = vec![self.default.clone()];
        for (_, c) in &self.routes {
            if !all.iter().any(|known| known.name() == c.name()) {
                all.push(c.clone());
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OutboundSms, SendOutcome};
    use bote_domain::Region;

    struct Named(&'static str);

    #[async_trait::async_trait]
    impl SmsChannel for Named {
        fn name(&self) -> &str {
            self.0
        }
        async fn send(&self, _: &OutboundSms) -> SendOutcome {
            unreachable!("routing only")
        }
    }

    fn number(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s, Region::AUSTRIA).unwrap()
    }

    #[test]
    fn longest_prefix_wins_and_the_rest_takes_the_default() {
        let routes = SmsRoutes::new(Arc::new(Named("default")))
            .with_route("43", Arc::new(Named("austria")))
            .with_route("+43676", Arc::new(Named("magenta")))
            .with_route("49", Arc::new(Named("germany")));
        assert_eq!(routes.route(&number("+436761234567")).name(), "magenta");
        assert_eq!(routes.route(&number("+436641234567")).name(), "austria");
        assert_eq!(routes.route(&number("+4915112345678")).name(), "germany");
        assert_eq!(routes.route(&number("+41791234567")).name(), "default");
        let names: Vec<String> = routes
            .connections()
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        assert_eq!(names, ["default", "magenta", "austria", "germany"]);
    }
}
